"""Attacks on the approval pages against a real server: each gets its documented error, changes nothing."""

from __future__ import annotations

import json
import time
import uuid

import requests

from tests.approvals.conftest import EXAMPLES, PASSWORD, Inbox, Stepstone, approval_link, csrf_of


def pending(stepstone: Stepstone, smtp: tuple[Inbox, int]) -> tuple[str, str]:
    """A fresh execution waiting for approval by the managers, and its approval link."""
    request_id = f"S-{uuid.uuid4().hex[:8]}"
    arn = stepstone.machine(f"m-{uuid.uuid4().hex[:8]}", (EXAMPLES / "approval-builtin.asl.json").read_text())
    execution = stepstone.sfn().start_execution(
        stateMachineArn=arn, input=json.dumps({"requestId": request_id})
    )["executionArn"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for mail in smtp[0].messages:
            if mail["To"] == "alice@example.com" and request_id in str(mail["Subject"]):
                return str(execution), approval_link(mail)
        time.sleep(0.05)
    raise AssertionError("no approval e-mail")


def still_waiting(stepstone: Stepstone, execution: str, link: str) -> None:
    assert stepstone.sfn().describe_execution(executionArn=execution)["status"] == "RUNNING"
    page = stepstone.sign_in("carol").get(link)
    assert page.status_code == 200 and 'name="decision"' in page.text  # still pending, still decidable


def test_the_decision_form_needs_the_sessions_csrf_token(
    stepstone: Stepstone, smtp: tuple[Inbox, int]
) -> None:
    execution, link = pending(stepstone, smtp)
    alice = stepstone.sign_in("alice")
    page = alice.get(link)
    bob_token = csrf_of(stepstone.sign_in("bob").get(f"{stepstone.url}/approve/").text)
    for form in ({"decision": "approve"}, {"decision": "approve", "csrf": "forged"},
                 {"decision": "approve", "csrf": bob_token}):  # fmt: skip
        refused = alice.post(link, data=form, allow_redirects=False)
        assert refused.status_code == 403 and "did not come from this site" in refused.text
    cross_site = alice.post(
        link, data={"decision": "approve", "csrf": csrf_of(page.text)},
        headers={"Origin": "https://evil.example"}, allow_redirects=False,
    )  # fmt: skip
    assert cross_site.status_code == 403
    still_waiting(stepstone, execution, link)


def test_signing_in_rotates_the_session_so_a_planted_cookie_gains_nothing(
    stepstone: Stepstone, smtp: tuple[Inbox, int]
) -> None:
    execution, link = pending(stepstone, smtp)
    attacker = requests.Session()
    landing = attacker.get(link)
    planted = attacker.cookies["stepstone_session"]
    cookie = landing.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/;" in cookie

    victim = requests.Session()  # the attacker made the victim's browser carry the planted id
    form = {"user": "alice", "password": PASSWORD, "csrf": csrf_of(landing.text), "next": link}
    answer = victim.post(
        f"{stepstone.url}/approve/sign-in", data=form, allow_redirects=False,
        headers={"Cookie": f"stepstone_session={planted}"},
    )  # fmt: skip
    assert answer.status_code == 303
    rotated = victim.cookies["stepstone_session"]
    assert rotated != planted
    assert 'name="decision"' in victim.get(link).text  # the victim is signed in, on the new id

    again = attacker.get(link)  # the planted id was dropped at sign-in: still nobody
    assert "An approval request exists" in again.text and 'name="decision"' not in again.text
    assert attacker.cookies["stepstone_session"] != planted  # a fresh anonymous session replaced it
    # a cookie value the server never issued is never adopted
    made_up = requests.get(link, headers={"Cookie": "stepstone_session=chosen-by-attacker"})
    assert made_up.cookies.get("stepstone_session") not in (None, "chosen-by-attacker")
    still_waiting(stepstone, execution, link)


def test_sign_in_is_throttled_after_repeated_failures(stepstone: Stepstone) -> None:
    stepstone.add_user("dave", "managers")
    browser = requests.Session()
    for _ in range(5):
        page = browser.get(f"{stepstone.url}/approve/sign-in")
        form = {"user": "dave", "password": "wrong password", "csrf": csrf_of(page.text)}
        wrong = browser.post(f"{stepstone.url}/approve/sign-in", data=form, allow_redirects=False)
        assert wrong.status_code == 401 and "not right" in wrong.text
    page = browser.get(f"{stepstone.url}/approve/sign-in")
    form = {"user": "dave", "password": PASSWORD, "csrf": csrf_of(page.text)}
    throttled = browser.post(f"{stepstone.url}/approve/sign-in", data=form, allow_redirects=False)
    assert throttled.status_code == 429 and "Too many failed sign-ins" in throttled.text
    assert "stepstone_session" not in throttled.cookies  # no session was started
    assert 'name="password"' in browser.get(f"{stepstone.url}/approve/").text  # still signed out
    stepstone.sign_in("alice")  # others from the same address are not locked out


def test_a_replayed_decision_is_refused_and_changes_nothing(
    stepstone: Stepstone, smtp: tuple[Inbox, int]
) -> None:
    execution, link = pending(stepstone, smtp)
    alice = stepstone.sign_in("alice")
    form = {"csrf": csrf_of(alice.get(link).text), "decision": "approve", "comment": "first"}
    assert alice.post(link, data=form, allow_redirects=False).status_code == 303
    output = stepstone.wait_done(execution)["output"]
    replay = alice.post(link, data={**form, "decision": "reject", "comment": "second"}, allow_redirects=False)
    assert replay.status_code == 409 and "already approved by alice" in replay.text
    same = alice.post(link, data=form, allow_redirects=False)
    assert same.status_code == 409
    assert stepstone.sfn().describe_execution(executionArn=execution)["output"] == output
    assert json.loads(output)["approval"]["comment"] == "first"


def test_only_listed_approvers_can_decide_even_posting_directly(
    stepstone: Stepstone, smtp: tuple[Inbox, int]
) -> None:
    execution, link = pending(stepstone, smtp)
    bob = stepstone.sign_in("bob")
    token = csrf_of(bob.get(f"{stepstone.url}/approve/").text)
    refused = bob.post(link, data={"csrf": token, "decision": "approve"}, allow_redirects=False)
    assert refused.status_code == 403 and "not an approver" in refused.text

    nobody = requests.Session()  # not signed in, with a valid anonymous session and its token
    anonymous = csrf_of(nobody.get(link).text)
    unsigned = nobody.post(link, data={"csrf": anonymous, "decision": "approve"}, allow_redirects=False)
    assert unsigned.status_code == 401

    # the proxy's user header counts only from a configured proxy address (none here)
    spoofed = requests.Session()
    page = spoofed.get(link, headers={"X-Forwarded-User": "alice"})
    assert "An approval request exists" in page.text and 'name="decision"' not in page.text
    forged = spoofed.post(
        link, data={"csrf": csrf_of(page.text), "decision": "approve"},
        headers={"X-Forwarded-User": "alice"}, allow_redirects=False,
    )  # fmt: skip
    assert forged.status_code == 401
    unknown = bob.get(f"{stepstone.url}/approve/r/no-such-request")
    assert unknown.status_code == 404
    still_waiting(stepstone, execution, link)


def test_sign_in_redirects_only_within_the_approval_pages_and_the_console(stepstone: Stepstone) -> None:
    browser = requests.Session()
    page = browser.get(f"{stepstone.url}/approve/sign-in")
    for target in (
        "https://evil.example/x",
        "//evil.example/x",
        "/consoles/",
        "/\\evil.example",
        "/console/../x",
    ):
        form = {"user": "alice", "password": PASSWORD, "csrf": csrf_of(page.text), "next": target}
        answer = browser.post(f"{stepstone.url}/approve/sign-in", data=form, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/approve/"
        page = browser.get(f"{stepstone.url}/approve/sign-in?next=/approve/")
        assert page.status_code == 200  # signed in now: the form page redirects home
        browser = requests.Session()
        page = browser.get(f"{stepstone.url}/approve/sign-in")

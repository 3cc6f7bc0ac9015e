"""The article's approval workflow on the built-in resource, against a real server, SMTP server and client."""

from __future__ import annotations

import json
import re
import uuid

import requests

from tests.approvals.conftest import EXAMPLES, Inbox, Stepstone, approval_link, csrf_of


def start(stepstone: Stepstone, definition: str, request_id: str, **extra: object) -> str:
    arn = stepstone.machine(f"m-{uuid.uuid4().hex[:8]}", definition)
    started = stepstone.sfn().start_execution(
        stateMachineArn=arn, input=json.dumps({"requestId": request_id, "amount": 4217, **extra})
    )
    return str(started["executionArn"])


def test_an_approver_signs_in_and_approves_and_the_execution_succeeds(
    stepstone: Stepstone, smtp: tuple[Inbox, int]
) -> None:
    inbox = smtp[0]
    execution = start(stepstone, (EXAMPLES / "approval-builtin.asl.json").read_text(), "R-1001")

    # both managers are e-mailed; nobody else is
    [mail] = inbox.wait_for("alice@example.com")
    inbox.wait_for("carol@example.com")
    assert not [m for m in inbox.messages if m["To"] == "bob@example.com"]
    assert mail["Subject"] == "Approval requested: Approval needed for request R-1001"
    link = approval_link(mail)
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "4217" not in text  # the details stay on the server
    assert not re.search(r"[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{20,}", text)  # no task token anywhere

    # someone the e-mail was forwarded to learns that a request exists, nothing more
    forwarded = requests.get(link)
    assert forwarded.status_code == 200
    assert "An approval request exists" in forwarded.text
    assert "R-1001" not in forwarded.text and "4217" not in forwarded.text

    # a signed-in user who is not an approver is refused, on the page and on a direct post
    bob = stepstone.sign_in("bob")
    page = bob.get(link)
    assert page.status_code == 403 and "4217" not in page.text
    csrf = csrf_of(bob.get(f"{stepstone.url}/approve/").text)
    post = bob.post(link, data={"csrf": csrf, "decision": "approve"}, allow_redirects=False)
    assert post.status_code == 403
    assert stepstone.sfn().describe_execution(executionArn=execution)["status"] == "RUNNING"

    # the approver follows the link, signs in, sees the request and approves it
    alice = requests.Session()
    landing = alice.get(link)
    signed_in = alice.post(
        f"{stepstone.url}/approve/sign-in",
        data={"user": "alice", "password": "correct horse battery", "csrf": csrf_of(landing.text),
              "next": link.removeprefix(stepstone.url)},
    )  # fmt: skip
    assert signed_in.status_code == 200 and signed_in.url == link
    assert "R-1001" in signed_in.text and "4217" in signed_in.text
    decided = alice.post(
        link, data={"csrf": csrf_of(signed_in.text), "decision": "approve", "comment": "Looks right"}
    )
    assert decided.status_code == 200 and "approved" in decided.text

    done = stepstone.wait_done(execution)
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    assert output["approval"]["approved"] is True
    assert output["approval"]["approvedBy"] == "alice"
    assert output["approval"]["comment"] == "Looks right"
    assert output["approval"]["decidedAt"].endswith("Z")

    # first decision wins: the other manager sees who decided and cannot decide again
    carol = stepstone.sign_in("carol")
    later = carol.get(link)
    assert later.status_code == 200 and "alice" in later.text and 'name="decision"' not in later.text
    again = carol.post(link, data={"csrf": csrf_of(later.text), "decision": "reject"}, allow_redirects=False)
    assert again.status_code == 409 and "already approved by alice" in again.text
    assert json.loads(stepstone.wait_done(execution)["output"]) == output


def test_a_rejection_fails_the_task_with_a_named_error_that_catch_routes(
    stepstone: Stepstone, smtp: tuple[Inbox, int]
) -> None:
    execution = start(stepstone, (EXAMPLES / "approval-builtin.asl.json").read_text(), "R-2002")
    link = next(
        approval_link(m) for m in smtp[0].wait_for("alice@example.com", 2) if "R-2002" in str(m["Subject"])
    )
    alice = stepstone.sign_in("alice")
    page = alice.get(link)
    alice.post(link, data={"csrf": csrf_of(page.text), "decision": "reject", "comment": "Too much"})
    done = stepstone.wait_done(execution)
    assert done["status"] == "FAILED" and done["error"] == "Rejected"  # the Catch's Fail state
    history = stepstone.sfn().get_execution_history(executionArn=execution)["events"]
    failed = next(e for e in history if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert failed["error"] == "Approval.Rejected"
    assert json.loads(failed["cause"])["approvedBy"] == "alice"


def test_the_timeout_variant_routes_through_catch_and_the_page_then_refuses(
    stepstone: Stepstone, smtp: tuple[Inbox, int]
) -> None:
    definition = (EXAMPLES / "approval-builtin-timeout.asl.json").read_text().replace("86400", "1")
    execution = start(stepstone, definition, "R-3003")
    done = stepstone.wait_done(execution)
    assert done["status"] == "FAILED" and done["error"] == "ApprovalTimedOut"
    history = stepstone.sfn().get_execution_history(executionArn=execution)["events"]
    assert any(e["type"] == "TaskTimedOut" for e in history)
    link = next(
        approval_link(m) for m in smtp[0].wait_for("alice@example.com", 3) if "R-3003" in str(m["Subject"])
    )
    alice = stepstone.sign_in("alice")
    page = alice.get(link)
    assert "no longer waiting" in page.text and 'name="decision"' not in page.text
    late = alice.post(link, data={"csrf": csrf_of(page.text), "decision": "approve"}, allow_redirects=False)
    assert late.status_code == 409
    assert stepstone.wait_done(execution)["error"] == "ApprovalTimedOut"

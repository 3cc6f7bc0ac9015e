"""Approval policies end to end: two of three approvers, a self-approval refused, a reminder and an
escalation fired on the virtual clock (`serve --clock virtual`, `stepstone clock advance`), on SQLite
and PostgreSQL, with a real SMTP server and the approval pages."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.approvals.conftest import PASSWORD, Inbox, Stepstone, approval_link, csrf_of, smtp
from tests.callbacks.conftest import Node, machine, wait_for

pytestmark = pytest.mark.slow
__all__ = ["smtp"]  # the SMTP server fixture, shared with tests/approvals
POLICY = {
    "Type": "Task",
    "Resource": "arn:stepstone:states:::approval:request.waitForTaskToken",
    "Parameters": {
        "Approvers": ["group:managers"], "Subject": "Buy a boat", "Required": 2,
        "RequestedBy.$": "$.requester", "RemindAfterSeconds": 1800,
        "EscalateAfterSeconds": 3600, "EscalateTo": ["group:directors"],
    },
    "End": True,
}  # fmt: skip


class Virtual(Node):
    """A server on a virtual clock e-mailing approvals to the test SMTP server, and its approval pages."""

    def __init__(self, tmp: Path, db: str, smtp_port: int) -> None:
        super().__init__(tmp, db, ["--clock", "virtual"])
        self.url = self.endpoint
        assert self.env is not None
        self.env.update(
            STEPSTONE_SMTP_HOST="127.0.0.1", STEPSTONE_SMTP_PORT=str(smtp_port),
            STEPSTONE_SMTP_BACKOFF="0.05", STEPSTONE_PUBLIC_URL=self.url,
            AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
        )  # fmt: skip
        suffix = secrets.token_hex(3)  # the SMTP inbox is shared by the module: addresses of this test only
        self.names = {n: f"{n}-{suffix}" for n in ("alice", "bob", "carol", "dave")}

    def add_user(self, name: str, group: str) -> None:
        args = (
            "users",
            "add",
            self.names[name],
            "--group",
            group,
            "--email",
            f"{self.names[name]}@example.com",
        )
        done = self.cli(*args, "--password-stdin", stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr

    def advance(self, duration: str) -> None:
        done = self.cli("clock", "advance", duration, "--endpoint", self.url, db=False)
        assert done.returncode == 0, done.stderr

    def sign_in(self, name: str) -> requests.Session:
        return Stepstone.sign_in(self, self.names[name])  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgres"])
def virtual(request: pytest.FixtureRequest, tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[Virtual]:
    db = request.getfixturevalue("pg_dsn") if request.param == "postgres" else str(tmp_path / "stepstone.db")
    server = Virtual(tmp_path, db, smtp[1])
    for name, group in (
        ("alice", "managers"),
        ("bob", "managers"),
        ("carol", "managers"),
        ("dave", "directors"),
    ):
        server.add_user(name, group)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def decide(browser: requests.Session, link: str, decision: str) -> requests.Response:
    csrf = csrf_of(browser.get(link).text)
    return browser.post(link, data={"csrf": csrf, "decision": decision}, allow_redirects=False)


def test_two_of_three_no_self_approval_and_an_escalation(virtual: Virtual, smtp: tuple[Inbox, int]) -> None:
    inbox = smtp[0]
    names = virtual.names
    mail = {n: f"{u}@example.com" for n, u in names.items()}
    sfn = virtual.sfn()
    arn = machine(sfn, "boat", {"StartAt": "Ask", "States": {"Ask": POLICY}})
    ex = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"requester": names["alice"]}))[
        "executionArn"
    ]
    link = approval_link(inbox.wait_for(mail["bob"])[0])
    inbox.wait_for(mail["alice"])
    assert not [m for m in inbox.messages if m["To"] == mail["dave"]]  # not yet an approver

    # the requester is a manager but may not approve their own request
    alice = virtual.sign_in("alice")
    refused = decide(alice, link, "approve")
    assert refused.status_code == 403 and "requested this approval" in refused.text
    # one approval of the two required: still waiting; the same approver again is refused
    bob = virtual.sign_in("bob")
    assert decide(bob, link, "approve").status_code == 303
    assert decide(bob, link, "approve").status_code == 409
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"

    # half an hour later: a reminder to the managers who have not voted, none to bob
    virtual.advance("31m")
    reminders = inbox.wait_for(mail["carol"], count=2)
    assert reminders[-1]["Subject"] == "Reminder: Approval requested: Buy a boat"
    assert [m["Subject"] for m in inbox.messages if m["To"] == mail["bob"]] == [
        "Approval requested: Buy a boat"
    ]
    dave = virtual.sign_in("dave")
    assert dave.get(link).status_code == 403  # not escalated yet

    # an hour in: escalated to the directors, who may now decide
    virtual.advance("30m")
    [escalated] = inbox.wait_for(mail["dave"])
    assert escalated["Subject"] == "Escalated: Approval requested: Buy a boat"
    assert decide(dave, link, "approve").status_code == 303
    done = wait_for(sfn, ex)
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    assert output["approved"] is True and output["approvedBy"] == f"{names['bob']}, {names['dave']}"

    entries = [
        (e["principal"], e["action"], e["outcome"]) for e in virtual.audit() if e["executionArn"] == ex
    ]
    assert (names["alice"], "ApprovalDecision", "refused") in entries
    assert entries.count((names["bob"], "ApprovalDecision", "accepted")) == 1
    assert (names["bob"], "ApprovalDecision", "refused") in entries
    assert ("anonymous", "ApprovalReminder", "accepted") in entries
    assert ("anonymous", "ApprovalEscalation", "accepted") in entries
    assert (names["dave"], "ApprovalDecision", "accepted") in entries
    raw: list[dict[str, Any]] = []  # the wire's events: botocore drops the details it has no shape for
    sfn.meta.events.register(
        "after-call.sfn.GetExecutionHistory", lambda http_response, **_: raw.extend(
            json.loads(http_response.content)["events"]
        ),
    )  # fmt: skip
    history = sfn.get_execution_history(executionArn=ex)["events"]  # boto3 still parses it
    took = (history[-1]["timestamp"] - history[0]["timestamp"]).total_seconds()
    assert took >= 3600  # an hour passed on the virtual clock
    notes = [e["approvalNoteEventDetails"] for e in raw if e["type"] == "ApprovalNote"]
    assert [e["type"] for e in history].count("ApprovalNote") == len(notes) == 4
    assert [(n["kind"], n.get("approver"), n.get("decision")) for n in notes] == [
        ("vote", names["bob"], "approve"), ("reminder", None, None), ("escalation", None, None),
        ("vote", names["dave"], "approve"),
    ]  # fmt: skip
    assert notes[1]["to"] == ["group:managers"] and notes[2]["to"] == ["group:directors"]
    types = [e["type"] for e in raw]
    assert types.index("ApprovalNote") > types.index("TaskSubmitted")  # while the task was open
    assert types.index("TaskSucceeded") > max(i for i, t in enumerate(types) if t == "ApprovalNote")
    assert "token" not in json.dumps(notes).lower()


def test_an_unanswered_request_expires_into_a_catch(virtual: Virtual, smtp: tuple[Inbox, int]) -> None:
    ask = {
        "Type": "Task", "Resource": "arn:stepstone:states:::approval:request.waitForTaskToken",
        "Parameters": {"Approvers": ["group:managers"], "Subject": "Expiring", "ExpireAfterSeconds": 600},
        "Catch": [{"ErrorEquals": ["Approval.Expired"], "ResultPath": "$.why", "Next": "Expired"}],
        "End": True,
    }  # fmt: skip
    sfn = virtual.sfn()
    arn = machine(
        sfn, "expiring", {"StartAt": "Ask", "States": {"Ask": ask, "Expired": {"Type": "Pass", "End": True}}}
    )
    ex = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    link = approval_link(smtp[0].wait_for(f"{virtual.names['carol']}@example.com")[0])
    virtual.advance("9m")
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    virtual.advance("2m")
    done = wait_for(sfn, ex)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"])["why"]["Error"] == "Approval.Expired"
    late = decide(virtual.sign_in("carol"), link, "approve")
    assert late.status_code == 409  # decided: expired
    assert ("anonymous", "ApprovalExpired", "accepted") in [
        (e["principal"], e["action"], e["outcome"]) for e in virtual.audit() if e["executionArn"] == ex
    ]


def test_an_advance_fires_approval_timers_in_order_before_it_returns(
    virtual: Virtual, smtp: tuple[Inbox, int]
) -> None:
    """One advance past an expiry (600 s) and the 60 s Wait its Catch leads to: both fire in order, and
    the execution has ended when the advance returns (no polling of the approval timers)."""
    ask = {
        "Type": "Task", "Resource": "arn:stepstone:states:::approval:request.waitForTaskToken",
        "Parameters": {"Approvers": ["group:managers"], "Subject": "In order", "ExpireAfterSeconds": 600},
        "Catch": [{"ErrorEquals": ["Approval.Expired"], "ResultPath": "$.why", "Next": "Later"}],
        "End": True,
    }  # fmt: skip
    states = {"Ask": ask, "Later": {"Type": "Wait", "Seconds": 60, "End": True}}
    sfn = virtual.sfn()
    ex = sfn.start_execution(stateMachineArn=machine(sfn, "ordered", {"StartAt": "Ask", "States": states}))[
        "executionArn"
    ]
    smtp[0].wait_for(f"{virtual.names['carol']}@example.com")
    virtual.advance("12m")
    assert sfn.describe_execution(executionArn=ex)["status"] == "SUCCEEDED"  # at once, not a poll later
    events = sfn.get_execution_history(executionArn=ex)["events"]
    at = {e["type"]: (e["timestamp"] - events[0]["timestamp"]).total_seconds() for e in events}
    # the expiry fired at its due time (600 s after the request was made), not at the advance's end
    assert 600 <= at["TaskFailed"] < 601
    assert at["WaitStateExited"] - at["TaskFailed"] == 60

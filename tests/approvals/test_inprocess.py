"""The approval integration, service and pages in one process: parameters, e-mail retries, proxy sign-in."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

import pytest

from stepstone.engine.tokens import KeyRing
from stepstone.integrations.approvals import APPROVAL_RESOURCE, ApprovalIntegration
from stepstone.integrations.base import Registry, TaskRequest
from stepstone.integrations.email import (
    EmailError,
    RecordingMailer,
    SmtpMailer,
    SmtpSettings,
    send_with_retry,
)
from stepstone.runtime.clock import SystemClock
from stepstone.runtime.worker import Worker
from stepstone.service import Service
from stepstone.service.approvals import ApprovalClosed, DeadlinePassed, NotAnApprover
from stepstone.service.users import Viewer
from stepstone.store.memory import MemoryStore
from stepstone.web.approve import ApprovalApp
from stepstone.web.auth import WebAuthSettings
from tests.approvals.conftest import EXAMPLES, Inbox, free_port

ROLE = "arn:aws:iam::123456789012:role/r"


@dataclass
class Kit:
    store: MemoryStore
    service: Service
    worker: Worker
    mailer: Any
    integration: ApprovalIntegration

    async def run(self, definition: str | dict[str, Any], data: dict[str, Any]) -> str:
        text = definition if isinstance(definition, str) else json.dumps(definition)
        name = f"m{len(self.store.machines)}"
        arn = (await self.service.create_state_machine({"name": name, "definition": text, "roleArn": ROLE}))[
            "stateMachineArn"
        ]
        started = await self.service.start_execution({"stateMachineArn": arn, "input": json.dumps(data)})
        await self.worker.run_until_idle()
        return str(started["executionArn"])

    async def describe(self, arn: str) -> dict[str, Any]:
        await self.worker.run_until_idle()
        return await self.service.describe_execution({"executionArn": arn})


async def kit(mailer: Any = None) -> Kit:
    store = MemoryStore()
    keys = KeyRing({"k1": b"k" * 32}, "k1")
    registry = Registry()
    clock = SystemClock()
    worker = Worker(store, registry, keys, clock=clock)
    service = Service(store, worker, keys, clock)
    mailer = mailer if mailer is not None else RecordingMailer()
    integration = ApprovalIntegration(store, mailer, "http://approvals.test", attempts=3, backoff=0.01)
    integration.register_into(registry)
    await service.add_user("alice", email="alice@example.com", groups=["managers"], password="pw-alice-123")
    await service.add_user("bob", email="bob@example.com", groups=["engineers"])
    return Kit(store, service, worker, mailer, integration)


def task(**parameters: Any) -> dict[str, Any]:
    return {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": APPROVAL_RESOURCE + ".waitForTaskToken",
                "Parameters": {"Approvers": ["group:managers"], "Subject": "Ship it?", **parameters},
                "End": True,
            }
        },
    }


def test_a_repeated_dispatch_finds_the_request_made_the_first_time() -> None:
    async def main() -> None:
        k = await kit()
        request = TaskRequest(
            "t1", "arn:aws:states:us-east-1:123456789012:execution:m:e", "Ask", APPROVAL_RESOURCE,
            "wait_for_token", {"Approvers": ["alice", "x@example.com"], "Subject": "S"}, token="tok.en",
        )  # fmt: skip
        first = await k.integration.invoke(request)
        second = await k.integration.invoke(request)
        assert first.output == second.output and len(k.store.approvals) == 1
        row = next(iter(k.store.approvals.values()))
        assert "tok.en" not in json.dumps(row.__repr__()) and row.token_hash != "tok.en"
        assert sorted(m["To"] for m in k.mailer.sent) == ["alice@example.com"] * 2 + ["x@example.com"] * 2

    asyncio.run(main())


@pytest.mark.parametrize(
    ("parameters", "cause"),
    [
        ({"Approvers": []}, "Approvers"),
        ({"Approvers": "nobody-known"}, "e-mail address"),
        ({"Subject": ""}, "Subject"),
        ({"Deadline": "tomorrow"}, "Deadline"),
        ({"OnReject": "Shrug"}, "OnReject"),
    ],
)
def test_bad_parameters_fail_the_task_with_approval_invalid_request(
    parameters: dict[str, Any], cause: str
) -> None:
    async def main() -> None:
        k = await kit()
        done = await k.describe(await k.run(task(**parameters), {}))
        assert done["status"] == "FAILED" and done["error"] == "Approval.InvalidRequest"
        assert cause in done["cause"]
        assert not k.mailer.sent

    asyncio.run(main())


def test_without_wait_for_task_token_the_resource_is_refused() -> None:
    async def main() -> None:
        k = await kit()
        definition = task()
        definition["States"]["Ask"]["Resource"] = APPROVAL_RESOURCE
        done = await k.describe(await k.run(definition, {}))
        assert done["error"] == "Approval.InvalidRequest" and "waitForTaskToken" in done["cause"]

    asyncio.run(main())


def test_a_rejection_can_succeed_with_approved_false() -> None:
    async def main() -> None:
        k = await kit()
        arn = await k.run(task(OnReject="Succeed", Details={"amount": 3}), {})
        row = next(iter(k.store.approvals.values()))
        view = await k.service.approval(row.id, await k.service.viewer("alice"))
        assert view.details == {"amount": 3} and view.open
        await k.service.decide_approval(row.id, await k.service.viewer("alice"), approve=False, comment="no")
        done = await k.describe(arn)
        output = json.loads(done["output"])
        assert done["status"] == "SUCCEEDED"
        assert output["approved"] is False and output["approvedBy"] == "alice" and output["comment"] == "no"
        audit = [e for e in await k.service.list_audit() if e.action == "ApprovalDecision"]
        assert [(e.principal, e.outcome, e.execution_arn) for e in audit] == [("alice", "accepted", arn)]

    asyncio.run(main())


def test_after_the_deadline_or_once_the_tasks_key_left_the_ring_nobody_can_decide() -> None:
    async def main() -> None:
        k = await kit()
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        await k.run(task(Deadline=past), {})
        await k.run(task(), {})
        late, rotated = sorted(k.store.approvals.values(), key=lambda r: r.deadline is None)
        alice = await k.service.viewer("alice")
        with pytest.raises(DeadlinePassed):
            await k.service.decide_approval(late.id, alice, approve=True)
        k.service.keys = KeyRing({"k2": b"n" * 32}, "k2")  # k1, which signed the task, is gone
        with pytest.raises(ApprovalClosed):
            await k.service.decide_approval(rotated.id, alice, approve=True)
        with pytest.raises(NotAnApprover):
            await k.service.decide_approval(rotated.id, Viewer("mallory"), approve=True)
        assert all(r.status == "pending" for r in k.store.approvals.values())
        refused = [e for e in await k.service.list_audit() if e.action == "ApprovalDecision"]
        assert [(e.principal, e.outcome) for e in refused] == [("alice", "refused")] * 2 + [
            ("mallory", "refused")
        ]
        assert "DeadlinePassed" in refused[0].reason

    asyncio.run(main())


def test_a_key_rotation_while_the_request_waits_changes_nothing() -> None:
    async def main() -> None:
        k = await kit()
        arn = await k.run(task(), {})
        [row] = k.store.approvals.values()
        rotated = KeyRing({"k1": b"k" * 32, "k2": b"n" * 32}, "k2")  # k1 signed the task; k2 signs now
        k.service.keys = k.worker.keys = rotated
        await k.service.decide_approval(row.id, await k.service.viewer("alice"), approve=True)
        assert (await k.describe(arn))["status"] == "SUCCEEDED"

    asyncio.run(main())


def test_smtp_delivery_is_retried_with_backoff_until_it_goes_through(tmp_path: Any) -> None:
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    inbox.refuse = 2
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    try:
        message = EmailMessage()
        message["To"], message["Subject"] = "alice@example.com", "hello"
        message.set_content("body")
        mailer = SmtpMailer(SmtpSettings("127.0.0.1", port, sender="stepstone@example.com"))
        attempts = asyncio.run(send_with_retry(mailer, message, attempts=4, backoff=0.5, sleep=sleep))
    finally:
        controller.stop()
    assert attempts == 3 and inbox.attempts == 3 and pauses == [0.5, 1.0]
    assert inbox.messages[0]["From"] == "stepstone@example.com"


def test_when_the_email_cannot_be_sent_the_task_fails_with_approval_email_failed() -> None:
    async def main() -> None:
        dead = SmtpMailer(SmtpSettings("127.0.0.1", free_port(), timeout=2))
        with pytest.raises(EmailError) as raised:
            await send_with_retry(dead, EmailMessage(), attempts=2, backoff=0.01)
        assert raised.value.transient and "after 2 attempt(s)" in str(raised.value)
        k = await kit(dead)
        definition = (EXAMPLES / "approval-builtin-timeout.asl.json").read_text()
        done = await k.describe(await k.run(definition, {"requestId": "R-9"}))
        assert done["status"] == "FAILED" and done["error"] == "ApprovalNotDelivered"  # via Catch
        history = (await k.service.get_execution_history({"executionArn": done["executionArn"]}))["events"]
        failed = next(e for e in history if e["type"] == "TaskFailed")["taskFailedEventDetails"]
        assert failed["error"] == "Approval.EmailFailed" and "alice@example.com" in failed["cause"]

    asyncio.run(main())


# the trusted identity proxy, through the ASGI app -----------------------------------------------------


async def call(
    app: ApprovalApp,
    method: str,
    path: str,
    *,
    client: str,
    headers: dict[str, str],
    form: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    body = urlencode(form or {}).encode()
    scope = {
        "type": "http", "method": method, "path": path, "query_string": b"", "client": (client, 40000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    head = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], head, sent[1]["body"].decode()


def test_the_proxy_user_header_counts_only_from_a_trusted_proxy() -> None:
    async def main() -> None:
        k = await kit()
        app = ApprovalApp(k.service, WebAuthSettings(trusted_proxies=("10.0.0.0/8", "::1")))
        arn = await k.run(task(Approvers=["erin@example.com"], Details={"amount": 77}), {})
        row = next(iter(k.store.approvals.values()))
        path = f"/approve/r/{row.id}"
        as_erin = {"X-Forwarded-User": "erin", "X-Forwarded-Email": "erin@example.com"}

        status, _, html = await call(app, "GET", path, client="192.168.1.9", headers=as_erin)
        assert status == 200 and "An approval request exists" in html and "77" not in html

        status, head, html = await call(app, "GET", path, client="10.1.2.3", headers=as_erin)
        assert status == 200 and "77" in html and 'name="decision"' in html
        cookie = head["set-cookie"].split(";")[0]
        csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        status, head, _ = await call(
            app, "POST", path, client="10.1.2.3", headers={**as_erin, "Cookie": cookie},
            form={"csrf": csrf, "decision": "approve"},
        )  # fmt: skip
        assert status == 303 and head["location"] == path
        done = await k.describe(arn)
        assert done["status"] == "SUCCEEDED" and json.loads(done["output"])["approvedBy"] == "erin"

    asyncio.run(main())

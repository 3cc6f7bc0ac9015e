"""Built-in human approvals: `arn:stepstone:states:::approval:request.waitForTaskToken`.

    "Type": "Task",
    "Resource": "arn:stepstone:states:::approval:request.waitForTaskToken",
    "Parameters": {
      "Approvers": ["alice", "group:managers", "carol@example.com"],   required: people or groups
      "Subject.$": "States.Format('Expense {}', $.requestId)",        required: the e-mail subject
      "Details.$": "$",                                               optional: shown after sign-in
      "Deadline": "2026-01-31T17:00:00Z",                             optional: no decision after it
      "OnReject": "Fail" | "Succeed",                                 optional, default "Fail"
      "RejectError": "Approval.Rejected"                              optional: the error of "Fail"
    },
    "TimeoutSeconds": 86400

The task records an approval request bound to its approvers and to the task's token (its hash only;
the token itself is minted again when the decision is made) and e-mails each approver a link to
`<public url>/approve/r/<request id>`: the link names the request, never the token, and the e-mail
carries the subject, never the details. The task then waits; the approval pages complete it.

Failures the workflow can Catch: `Approval.InvalidRequest` (bad Parameters, no reachable approver),
`Approval.EmailFailed` (an e-mail could not be sent after its retries).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Protocol

from stepstone.asl.json import JSON
from stepstone.engine.tokens import token_hash
from stepstone.integrations.approval_policy import ApprovalPolicy, parse_policy
from stepstone.integrations.base import Registry, TaskRequest, TaskResult
from stepstone.integrations.email import EmailError, Mailer, send_with_retry
from stepstone.store.approval_policies import ApprovalPolicyStore
from stepstone.store.approvals import ApprovalRow, ApprovalStore, RejectMode, UserRow

__all__ = [
    "APPROVAL_RESOURCE",
    "EMAIL_FAILED",
    "INVALID_REQUEST",
    "REJECTED",
    "ApprovalIntegration",
    "recipients",
]

APPROVAL_RESOURCE = "arn:stepstone:states:::approval:request"
INVALID_REQUEST = "Approval.InvalidRequest"
EMAIL_FAILED = "Approval.EmailFailed"
REJECTED = "Approval.Rejected"
GROUP_PREFIX = "group:"

log = logging.getLogger("stepstone.approvals")


class _BadRequest(ValueError):
    pass


def _parse(payload: JSON) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise _BadRequest("Parameters must be an object")
    approvers = payload.get("Approvers")
    if isinstance(approvers, str):
        approvers = [approvers]
    if (
        not isinstance(approvers, list)
        or not approvers
        or not all(isinstance(a, str) and a for a in approvers)
    ):
        raise _BadRequest(
            "Approvers must be a non-empty list of user names, 'group:NAME' or e-mail addresses"
        )
    subject = payload.get("Subject")
    if not isinstance(subject, str) or not subject.strip():
        raise _BadRequest("Subject must be a non-empty string")
    deadline = payload.get("Deadline")
    when: datetime | None = None
    if deadline is not None:
        try:
            when = datetime.fromisoformat(str(deadline).replace("Z", "+00:00"))
        except ValueError as exc:
            raise _BadRequest(f"Deadline is not an ISO 8601 timestamp: {deadline!r}") from exc
        when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    mode = str(payload.get("OnReject", "Fail")).lower()
    if mode not in ("fail", "succeed"):
        raise _BadRequest("OnReject must be 'Fail' or 'Succeed'")
    error = payload.get("RejectError", REJECTED)
    if not isinstance(error, str) or not error:
        raise _BadRequest("RejectError must be a non-empty string")
    try:
        policy = parse_policy(payload)
    except ValueError as exc:
        raise _BadRequest(str(exc)) from exc
    return {
        "policy": policy,
        "approvers": tuple(dict.fromkeys(approvers)),
        "subject": " ".join(subject.split())[:200],  # one line: it becomes a mail header
        "details": json.dumps(payload.get("Details", {}), separators=(",", ":")),
        "deadline": when,
        "on_reject": mode,
        "reject_error": error,
    }


def recipients(approvers: tuple[str, ...], users: list[UserRow]) -> list[str]:
    """The approvers' e-mail addresses: named users, every member of a named group, literal addresses."""
    by_name = {u.name: u for u in users}
    found: list[str] = []
    for entry in approvers:
        if entry.startswith(GROUP_PREFIX):
            group = entry.removeprefix(GROUP_PREFIX)
            found += [u.email for u in users if group in u.groups and u.email]
        elif "@" in entry:
            found.append(entry)
        elif (user := by_name.get(entry)) is not None and user.email:
            found.append(user.email)
    return list(dict.fromkeys(found))


class ApprovalStores(ApprovalStore, ApprovalPolicyStore, Protocol):
    """The store parts approvals use: requests and users, and their policies."""


@dataclass(slots=True)
class ApprovalIntegration:
    """Records approval requests and e-mails their approvers."""

    store: ApprovalStores
    mailer: Mailer
    public_url: str = "http://127.0.0.1:8083"
    attempts: int = 4
    backoff: float = 1.0
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def register_into(self, registry: Registry) -> None:
        registry.register(APPROVAL_RESOURCE, self)

    def link(self, approval_id: str) -> str:
        return f"{self.public_url.rstrip('/')}/approve/r/{approval_id}"

    async def invoke(self, request: TaskRequest) -> TaskResult:
        if request.pattern != "wait_for_token" or request.token is None:
            return TaskResult.fail(
                INVALID_REQUEST, f"{APPROVAL_RESOURCE} is used with .waitForTaskToken only"
            )
        try:
            fields = _parse(request.payload)
        except _BadRequest as exc:
            return TaskResult.fail(INVALID_REQUEST, str(exc))
        to = recipients(fields["approvers"], await self.store.list_users())
        if not to:
            return TaskResult.fail(INVALID_REQUEST, "None of the approvers has an e-mail address")
        on_reject: RejectMode = "succeed" if fields["on_reject"] == "succeed" else "fail"
        row = await self.store.create_approval(
            ApprovalRow(
                id=secrets.token_urlsafe(16),
                execution_arn=request.execution_arn,
                task_id=request.task_id,
                state_name=request.state_name,
                token_hash=token_hash(request.token),
                approvers=fields["approvers"],
                subject=fields["subject"],
                details=fields["details"],
                on_reject=on_reject,
                reject_error=fields["reject_error"],
                created=self.now(),
                deadline=fields["deadline"],
            )
        )  # a repeated dispatch (after a crash) finds the request made the first time
        policy: ApprovalPolicy = fields["policy"]
        if policy != ApprovalPolicy():
            await self.store.put_approval_policy(row.id, policy.to_json(), policy.timers(row.created))
        for address in to:
            try:
                await send_with_retry(
                    self.mailer, self._message(row, address), attempts=self.attempts, backoff=self.backoff
                )
            except EmailError as exc:
                log.warning("approval %s: no e-mail to %s: %s", row.id, address, exc)
                return TaskResult.fail(EMAIL_FAILED, f"Could not e-mail {address}: {exc}")
        return TaskResult.ok({"ApprovalId": row.id, "Notified": len(to)})

    async def notify(
        self, row: ApprovalRow, approvers: tuple[str, ...], why: str, skip: frozenset[str] = frozenset()
    ) -> int:
        """E-mail `approvers` (less the users in `skip`: they voted) about the request again (`why`:
        "Reminder", "Escalated"); how many e-mails were sent.

        A failed e-mail is logged and skipped: a reminder must not fail the workflow.
        """
        sent = 0
        users = [u for u in await self.store.list_users() if u.name not in skip]
        for address in recipients(approvers, users):
            try:
                await send_with_retry(
                    self.mailer,
                    self._message(row, address, why),
                    attempts=self.attempts,
                    backoff=self.backoff,
                )
                sent += 1
            except EmailError as exc:
                log.warning("approval %s: no %s e-mail to %s: %s", row.id, why.lower(), address, exc)
        return sent

    def _message(self, row: ApprovalRow, address: str, why: str = "") -> EmailMessage:
        message = EmailMessage()
        message["To"] = address
        message["Subject"] = f"{why + ': ' if why else ''}Approval requested: {row.subject}"
        deadline = f"\nPlease decide before {row.deadline.isoformat()}.\n" if row.deadline else ""
        message.set_content(
            f"Your approval is requested: {row.subject}\n\n"
            f"Review the request and decide here (you will be asked to sign in):\n\n"
            f"    {self.link(row.id)}\n{deadline}\n"
            "This link does not approve anything by itself; only a listed approver can decide.\n"
        )
        return message

"""Approval requests as the approval pages see them, and the decision that completes the task.

    ApprovalNotFound    404  no request with this id
    NotAnApprover       403  the viewer is signed in but is not one of the request's approvers
    AlreadyDecided      409  someone decided first (the message says who); nothing changes
    ApprovalClosed      409  the workflow no longer waits (the task timed out, failed or was stopped)
    DeadlinePassed      409  the request's Deadline is over
    SelfApproval        403  the viewer requested it (the policy's RequestedBy)
    AlreadyVoted        409  the viewer already voted on a request that needs several approvals

A viewer who is not signed in learns only that the request exists. A decision is recorded first
(first decision wins, atomically in the store), then completes the task through the same path as
SendTaskSuccess / SendTaskFailure, with the token minted again from the execution and task id and
checked against the hash the request holds. Output: {"approved", "approvedBy", "comment", "decidedAt"};
a rejection either succeeds with approved: false or fails with the request's RejectError.

With a policy (`stepstone.integrations.approval_policy`), approvals are votes, one per approver;
the request is approved when `Required` distinct approvers approved (`approvedBy` names them all,
comma-separated) and rejected at the first rejection. Once escalated, EscalateTo are approvers too.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from typing import Any

from stepstone import errors as E
from stepstone.asl.json import JSON
from stepstone.engine.events import ApprovalNote
from stepstone.errors import ServiceError
from stepstone.integrations.approval_policy import ApprovalPolicy
from stepstone.integrations.approvals import GROUP_PREFIX
from stepstone.runtime.codec import encode_event
from stepstone.service.audit import AuditOperations, Caller
from stepstone.service.callbacks import CallbackOperations
from stepstone.service.users import SignInRequired, Viewer
from stepstone.store.approval_policies import InboxNote, VoteRow
from stepstone.store.approvals import ApprovalRow, ApprovalStatus

__all__ = [
    "AlreadyDecided",
    "AlreadyVoted",
    "ApprovalClosed",
    "ApprovalNotFound",
    "ApprovalOperations",
    "ApprovalRow",
    "ApprovalView",
    "DeadlinePassed",
    "NotAnApprover",
    "SelfApproval",
    "is_approver",
]

log = logging.getLogger("stepstone.approvals")


def approval_note(row: ApprovalRow, kind: str, **details: JSON) -> InboxNote:
    """A vote, reminder, escalation or expiry as an `ApprovalNote` for the request's history, queued in
    the transaction that records it; its details are {kind, approver, comment, ...}, never a token."""
    return row.execution_arn, encode_event(ApprovalNote(row.task_id, {"kind": kind, **details}))


class ApprovalNotFound(ServiceError):
    """There is no such approval request."""

    code, status = "ApprovalNotFound", 404


class NotAnApprover(ServiceError):
    """You are not an approver of this request."""

    code, status = "NotAnApprover", 403


class AlreadyDecided(ServiceError):
    """This request has already been decided."""

    code, status = "AlreadyDecided", 409


class ApprovalClosed(ServiceError):
    """The workflow no longer waits for this approval."""

    code, status = "ApprovalClosed", 409


class SelfApproval(ServiceError):
    """You may not decide a request you made."""

    code, status = "SelfApproval", 403


class AlreadyVoted(ServiceError):
    """You have already voted on this request."""

    code, status = "AlreadyVoted", 409


class DeadlinePassed(ServiceError):
    """The deadline of this request has passed."""

    code, status = "DeadlinePassed", 409


@dataclass(frozen=True, slots=True)
class ApprovalView:
    """What a page may show: `request` only to an approver; otherwise just that the request exists."""

    approval_id: str
    request: ApprovalRow | None = None
    details: Any = None
    open: bool = False  # the task still waits for a decision


def is_approver(row: ApprovalRow, viewer: Viewer) -> bool:
    """Whether the viewer is listed by name, by e-mail address or through one of their groups."""
    for entry in row.approvers:
        if entry.startswith(GROUP_PREFIX):
            if entry.removeprefix(GROUP_PREFIX) in viewer.groups:
                return True
        elif entry == viewer.name or (viewer.email is not None and entry.lower() == viewer.email.lower()):
            return True
    return False


def decision_output(row: ApprovalRow) -> dict[str, Any]:
    decided = row.decided_at.isoformat().replace("+00:00", "Z") if row.decided_at else None
    return {
        "approved": row.status == "approved",
        "approvedBy": row.decided_by,
        "comment": row.comment or "",
        "decidedAt": decided,
    }


class ApprovalOperations(AuditOperations, CallbackOperations):
    """The approval pages' operations; decisions complete tasks through the callback path."""

    async def policy_of(self, row: ApprovalRow) -> tuple[ApprovalRow, ApprovalPolicy]:
        """The request with its approvers as they stand (escalated or not), and its policy."""
        found = await self.store.get_approval_policy(row.id)
        if found is None:
            return row, ApprovalPolicy()
        policy = ApprovalPolicy.from_json(found.policy)
        if found.escalated:
            row = dataclasses.replace(row, approvers=tuple(dict.fromkeys(row.approvers + policy.escalate_to)))
        return row, policy

    async def approval(self, approval_id: str, viewer: Viewer | None) -> ApprovalView:
        """The request as `viewer` may see it: existence only until signed in as one of its approvers."""
        row = await self.store.get_approval(approval_id)
        if row is None:
            raise ApprovalNotFound()
        row, _policy = await self.policy_of(row)
        if viewer is None:
            return ApprovalView(approval_id)
        if not is_approver(row, viewer):
            raise NotAnApprover()
        task = await self.store.get_task(row.execution_arn, row.task_id)
        is_open = task is not None and task.status == "open" and row.status == "pending"
        return ApprovalView(approval_id, row, json.loads(row.details), is_open)

    async def approvals_for(self, viewer: Viewer) -> list[ApprovalRow]:
        """The pending requests this viewer may decide."""
        rows = [(await self.policy_of(row))[0] for row in await self.store.list_approvals("pending")]
        return [row for row in rows if is_approver(row, viewer)]

    async def decide_approval(
        self,
        approval_id: str,
        viewer: Viewer | None,
        *,
        approve: bool,
        comment: str = "",
        address: str | None = None,
    ) -> ApprovalRow:
        """Record the viewer's decision and complete the task; the first decision wins. Audited either way."""
        if viewer is None:
            raise SignInRequired()
        caller = Caller(viewer.name, address)
        try:
            decided = await self._decide(approval_id, viewer, approve, comment)
        except ServiceError as error:
            row = await self.store.get_approval(approval_id)
            await self.record_audit(
                "ApprovalDecision", accepted=False, reason=f"{error.code}: {error.message} ({approval_id})",
                execution_arn=None if row is None else row.execution_arn,
                state_name=None if row is None else row.state_name, caller=caller,
            )  # fmt: skip
            raise
        await self.record_audit(
            "ApprovalDecision", accepted=True, reason=f"{decided.status} (request {approval_id})"
            if decided.status != "pending" else f"approve: {decided.comment} (request {approval_id})",
            execution_arn=decided.execution_arn, state_name=decided.state_name, caller=caller,
        )  # fmt: skip
        return decided

    async def _decide(self, approval_id: str, viewer: Viewer, approve: bool, comment: str) -> ApprovalRow:
        view = await self.approval(approval_id, viewer)
        row = view.request
        assert row is not None
        if row.status != "pending":
            raise AlreadyDecided(f"This request was already {row.status} by {row.decided_by}.")
        now = self.clock.now()
        if row.deadline is not None and now > row.deadline:
            raise DeadlinePassed()
        if not view.open:
            raise ApprovalClosed()
        # the key that signed the task's token, even if another key became active since
        token = self.keys.remint(row.execution_arn, row.task_id, row.token_hash)
        if token is None:  # that key was removed from the ring: the task's token is void
            raise ApprovalClosed("The request can no longer be decided here: its token key was removed.")
        _row, policy = await self.policy_of(row)
        if policy.requested_by is not None and policy.requested_by in (viewer.name, viewer.email):
            raise SelfApproval(f"{viewer.name} requested this approval and may not decide it.")
        by = viewer.name
        if policy.required > 1:
            if any(v.voter == viewer.name for v in await self.store.list_approval_votes(approval_id)):
                raise AlreadyVoted(f"{viewer.name} already voted on this request.")
            # one vote per voter is the store's unique key: a concurrent second vote changes nothing
            vote = VoteRow(approval_id, viewer.name, approve, comment[:2000], now)
            decision = "approve" if approve else "reject"
            note = approval_note(row, "vote", approver=viewer.name, decision=decision, comment=vote.comment)
            votes = await self.store.add_approval_vote(vote, note)
            self.worker.wake()
            approvers = [v.voter for v in votes if v.approve]
            if approve and len(approvers) < policy.required:
                return dataclasses.replace(row, comment=f"vote {len(approvers)} of {policy.required}")
            by = ", ".join(approvers) if approve else viewer.name
        status: ApprovalStatus = "approved" if approve else "rejected"
        decided, won = await self.store.decide_approval(approval_id, status, by, comment[:2000], now)
        assert decided is not None
        if not won:
            raise AlreadyDecided(f"This request was already {decided.status} by {decided.decided_by}.")
        await self._complete(decided, token)
        return decided

    async def _complete(self, row: ApprovalRow, token: str) -> None:
        output = decision_output(row)
        try:
            if row.status == "approved" or row.on_reject == "succeed":
                await self.send_task_success({"taskToken": token, "output": json.dumps(output)})
            else:
                cause = json.dumps(output)
                await self.send_task_failure({"taskToken": token, "error": row.reject_error, "cause": cause})
        except (E.TaskTimedOut, E.InvalidToken) as exc:  # the task closed between our check and now
            log.warning("approval %s decided but its task had closed: %s", row.id, exc.message)
            raise ApprovalClosed() from exc

"""The approval policies' timers: reminders, escalations and expiries, fired from durable rows.

`fire_approval_timers()` fires every timer due on the service's clock (`Stepstone.AdvanceClock` calls
it at each step, so `serve --clock virtual` and `stepstone clock advance` fire them in order with the
engine's timers before returning); `approval_timer_loop` calls it while the
server runs, waking at the next timer's due time and at least every `APPROVAL_TIMER_POLL` seconds
(the clock may jump). Each timer is claimed in the store before it acts (`fire_approval_timer`),
so it acts once across restarts and nodes. Every reminder, escalation and expiry is audited.
"""

from __future__ import annotations

import asyncio
import json
import logging

from stepstone.asl.json import JSON
from stepstone.integrations.approval_policy import EXPIRED
from stepstone.integrations.approvals import ApprovalIntegration
from stepstone.service.approvals import ApprovalOperations, approval_note, decision_output
from stepstone.store.approvals import ApprovalRow

__all__ = ["APPROVAL_TIMER_POLL", "ApprovalTimerOperations", "approval_timer_loop"]

APPROVAL_TIMER_POLL = 0.5
log = logging.getLogger("stepstone.approvals")
#: The history note's kind for each timer.
NOTES = {"remind": "reminder", "escalate": "escalation", "expire": "expiry"}


class ApprovalTimerOperations(ApprovalOperations):
    """Reminders, escalations and expiries of approval requests."""

    _approval_mail: ApprovalIntegration | None = None
    _approval_timers_firing: asyncio.Lock | None = None

    def use_approval_mail(self, integration: ApprovalIntegration) -> None:
        """E-mail reminders and escalations through the approval integration (the composition root)."""
        self._approval_mail = integration

    async def fire_approval_timers(self) -> int:
        """Fire every approval timer due now; how many fired.

        One round at a time: `AdvanceClock` and the timer loop both call this, and an advance must not
        go on while the loop's round (which claimed a timer) is still sending its decision.
        """
        if self._approval_timers_firing is None:
            self._approval_timers_firing = asyncio.Lock()
        async with self._approval_timers_firing:
            return await self._fire_due()

    async def _fire_due(self) -> int:
        fired = 0
        for approval_id, kind in await self.store.due_approval_timers(self.clock.now()):
            row = await self.store.get_approval(approval_id)
            note = None  # the history note, queued as the timer is claimed: only for an open task
            if row is not None and row.status == "pending":
                task = await self.store.get_task(row.execution_arn, row.task_id)
                if task is not None and task.status == "open":
                    note = approval_note(row, NOTES[kind], **await self._recipients(row, kind))
            if not await self.store.fire_approval_timer(approval_id, kind, note):
                continue  # another node (or an earlier round) fired it
            fired += 1
            self.worker.wake()
            if row is None or note is None:
                continue
            row, policy = await self.policy_of(row)
            if kind == "expire":
                await self._expire(row)
                continue
            if kind == "remind":
                voted = frozenset(v.voter for v in await self.store.list_approval_votes(row.id))
                to, why, action = row.approvers, "Reminder", "ApprovalReminder"
            else:
                voted, to, why, action = frozenset(), policy.escalate_to, "Escalated", "ApprovalEscalation"
            sent = await self._approval_mail.notify(row, to, why, voted) if self._approval_mail else 0
            await self.record_audit(
                action, accepted=True, reason=f"{why.lower()} e-mailed to {sent} (request {row.id})",
                execution_arn=row.execution_arn, state_name=row.state_name,
            )  # fmt: skip
        return fired

    async def _recipients(self, row: ApprovalRow, kind: str) -> dict[str, JSON]:
        if kind == "expire":
            return {}
        _row, policy = await self.policy_of(row)
        return {"to": list(row.approvers if kind == "remind" else policy.escalate_to)}

    async def _expire(self, row: ApprovalRow) -> None:
        now = self.clock.now()
        decided, won = await self.store.decide_approval(
            row.id, "rejected", "stepstone (expired)", "expired", now
        )
        if not won or decided is None:
            return
        token = self.keys.remint(row.execution_arn, row.task_id, row.token_hash)
        if token is not None:
            cause = json.dumps(decision_output(decided))
            await self.send_task_failure({"taskToken": token, "error": EXPIRED, "cause": cause})
        await self.record_audit(
            "ApprovalExpired", accepted=True, reason=f"expired (request {row.id})",
            execution_arn=row.execution_arn, state_name=row.state_name,
        )  # fmt: skip


async def approval_timer_loop(service: ApprovalTimerOperations) -> None:
    """Fire approval timers as they fall due, until cancelled."""
    while True:
        try:
            await service.fire_approval_timers()
            due = await service.store.next_approval_timer_due()
        except Exception:  # a store hiccup must not end the loop: try again at the next poll
            log.exception("approval timers")
            due = None
        wait = APPROVAL_TIMER_POLL
        if due is not None:
            wait = min(wait, max((due - service.clock.now()).total_seconds(), 0.0))
        await asyncio.sleep(wait)

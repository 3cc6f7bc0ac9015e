"""Approval policies' rows: the policy of a request, each approver's vote, and durable timers.

Part of the `Store` protocol. A request with a policy keeps it as JSON (`stepstone.integrations.
approval_policy` reads it); each approver votes once (`(approval id, voter)` is unique, a second vote
changes nothing); reminders, escalations and expiries are timer rows that fire once
(`fire_approval_timer` is guarded on `fired = 0`, so of two nodes exactly one acts on a timer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["ApprovalPolicyStore", "PolicyRow", "VoteRow"]


@dataclass(frozen=True, slots=True)
class PolicyRow:
    approval_id: str
    policy: str  # JSON text
    escalated: bool = False


@dataclass(frozen=True, slots=True)
class VoteRow:
    approval_id: str
    voter: str
    approve: bool
    comment: str
    at: datetime


#: An engine event queued with a vote or a timer: (execution ARN, the encoded event).
InboxNote = tuple[str, str]


class ApprovalPolicyStore(Protocol):
    """Policies, votes and timers of approval requests; each method is one transaction."""

    async def put_approval_policy(
        self, approval_id: str, policy: str, timers: Sequence[tuple[str, datetime]]
    ) -> None:
        """Keep the policy and arm its timers (kind, due); a repeat (a repeated dispatch) changes nothing."""
        ...

    async def get_approval_policy(self, approval_id: str) -> PolicyRow | None: ...

    async def add_approval_vote(self, vote: VoteRow, note: InboxNote | None = None) -> list[VoteRow]:
        """Record the vote unless this voter already voted; every vote of the request, oldest first.

        A recorded vote queues `note` for its execution in the same transaction.
        """
        ...

    async def list_approval_votes(self, approval_id: str) -> list[VoteRow]: ...

    async def due_approval_timers(self, now: datetime) -> list[tuple[str, str]]:
        """(approval id, kind) of the timers due by `now` and not fired yet."""
        ...

    async def next_approval_timer_due(self) -> datetime | None: ...

    async def fire_approval_timer(self, approval_id: str, kind: str, note: InboxNote | None = None) -> bool:
        """Mark the timer fired (an `escalate` timer also marks the request escalated); False if it was.

        Firing it queues `note` for its execution in the same transaction.
        """
        ...

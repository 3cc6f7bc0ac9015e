"""Approval policies: the optional Parameters of the approval resource beyond who and what.

    "Required": 2,                          approvals needed, from distinct approvers (default 1);
                                            one rejection rejects the request
    "RequestedBy.$": "$.requester",         this user may not approve (nor reject) their own request
    "RemindAfterSeconds": 3600,             e-mail the approvers who have not voted yet, once
    "EscalateAfterSeconds": 86400,          then add EscalateTo to the approvers and e-mail them
    "EscalateTo": ["group:directors"],
    "ExpireAfterSeconds": 172800            then the request is rejected and the task fails with
                                            Approval.Expired (a Catch can route it)

Reminders, escalations and expiries are durable timer rows (`approval_timers`), armed with the
request; a restart or another node fires each exactly once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["EXPIRED", "ApprovalPolicy", "parse_policy"]

EXPIRED = "Approval.Expired"
_MAX_SECONDS = 366 * 86400


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    """What a request requires beyond one approval."""

    required: int = 1
    requested_by: str | None = None
    remind_after: int | None = None
    escalate_after: int | None = None
    escalate_to: tuple[str, ...] = ()
    expire_after: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ApprovalPolicy:
        raw = json.loads(text)
        return cls(**{**raw, "escalate_to": tuple(raw.get("escalate_to", ()))})

    def timers(self, created: datetime) -> list[tuple[str, datetime]]:
        """The timer rows to arm: (kind, due)."""
        timers = [
            ("remind", self.remind_after),
            ("escalate", self.escalate_after),
            ("expire", self.expire_after),
        ]
        return [(kind, created + timedelta(seconds=s)) for kind, s in timers if s is not None]


def _seconds(payload: dict[str, Any], member: str) -> int | None:
    value = payload.get(member)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_SECONDS:
        raise ValueError(f"{member} must be a whole number of seconds from 1 to {_MAX_SECONDS}")
    return value


def parse_policy(payload: dict[str, Any]) -> ApprovalPolicy:
    """The policy of the Parameters; ValueError naming the member that is wrong."""
    required = payload.get("Required", 1)
    if isinstance(required, bool) or not isinstance(required, int) or required < 1:
        raise ValueError("Required must be a positive whole number")
    by = payload.get("RequestedBy")
    if by is not None and (not isinstance(by, str) or not by):
        raise ValueError("RequestedBy must be a user name")
    escalate_to = payload.get("EscalateTo", [])
    if isinstance(escalate_to, str):
        escalate_to = [escalate_to]
    if not isinstance(escalate_to, list) or not all(isinstance(e, str) and e for e in escalate_to):
        raise ValueError("EscalateTo must be a list of user names, 'group:NAME' or e-mail addresses")
    escalate_after = _seconds(payload, "EscalateAfterSeconds")
    if (escalate_after is None) != (not escalate_to):
        raise ValueError("EscalateAfterSeconds and EscalateTo go together")
    return ApprovalPolicy(
        required=required, requested_by=by, remind_after=_seconds(payload, "RemindAfterSeconds"),
        escalate_after=escalate_after, escalate_to=tuple(dict.fromkeys(escalate_to)),
        expire_after=_seconds(payload, "ExpireAfterSeconds"),
    )  # fmt: skip

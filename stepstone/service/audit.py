"""The audit log: who did what to which execution, from where, and whether it was accepted.

Every callback (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) is recorded by
`stepstone.service.guard`; other features (approval decisions) call `record_audit` themselves. The
caller (principal and address) of the operation being served is set by the edge with `set_caller`
and read with `current_caller`; outside a request it is the local, anonymous caller.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from stepstone.service.base import ServiceBase
from stepstone.store.security import AuditRow


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: an access key id, a user name or "anonymous", and the client's address."""

    principal: str = "anonymous"
    address: str | None = None


LOCAL = Caller()
_caller: ContextVar[Caller] = ContextVar("stepstone_caller", default=LOCAL)


def current_caller() -> Caller:
    """The caller of the operation being served (LOCAL outside a request)."""
    return _caller.get()


def set_caller(caller: Caller) -> None:
    """Name the caller of the operation about to be served (the edges call this)."""
    _caller.set(caller)


class AuditOperations(ServiceBase):
    """Appending to and reading the audit log."""

    async def record_audit(
        self,
        action: str,
        *,
        accepted: bool,
        reason: str,
        execution_arn: str | None = None,
        state_name: str | None = None,
        caller: Caller | None = None,
    ) -> int:
        """Append one entry, now; `caller` defaults to the current caller. Returns the entry's id.

        `reason` says why in words a person reads in `stepstone audit list` (never a token or secret).
        """
        who = caller if caller is not None else current_caller()
        row = AuditRow(
            0, self.clock.now(), who.principal, who.address, action, "accepted" if accepted else "refused",
            reason, execution_arn, state_name,
        )  # fmt: skip
        return await self.store.append_audit(row)

    async def list_audit(
        self, execution_arn: str | None = None, *, after: int = 0, limit: int = 1000
    ) -> list[AuditRow]:
        """Entries oldest first, those with id > `after`, optionally of one execution only."""
        return await self.store.list_audit(execution_arn, after=after, limit=limit)

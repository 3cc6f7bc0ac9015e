"""What the API's guard keeps: access keys (never their secrets) and the audit log of callbacks.

Part of the `Store` protocol (`Store` extends `SecurityStore`). An access key row holds only a
random salt; the secret is derived from it with the server's access master key (see
`stepstone.service.keys`), so a stolen database alone signs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

AuditOutcome = Literal["accepted", "refused"]


@dataclass(frozen=True, slots=True)
class AccessKeyRow:
    """A SigV4 access key: what it may do (`allow`: action names or patterns, `state_machines`: ARNs,
    empty meaning every state machine) and whether it was revoked."""

    key_id: str
    name: str
    salt: str
    allow: tuple[str, ...]
    state_machines: tuple[str, ...]
    created: datetime
    revoked: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One audited action: who, from where, when, on which execution and state, and the outcome."""

    id: int
    at: datetime
    principal: str
    address: str | None
    action: str
    outcome: AuditOutcome
    reason: str
    execution_arn: str | None = None
    state_name: str | None = None


class SecurityStore(Protocol):
    """Access keys and the audit log. Every method is one transaction."""

    async def create_access_key(self, row: AccessKeyRow) -> None:
        """Insert a new key; the key id is fresh (random), so a clash is a bug and raises."""
        ...

    async def get_access_key(self, key_id: str) -> AccessKeyRow | None: ...
    async def list_access_keys(self) -> list[AccessKeyRow]: ...
    async def revoke_access_key(self, key_id: str, when: datetime) -> bool:
        """Mark the key revoked; False if there is no such key or it was revoked already."""
        ...

    async def has_active_access_keys(self) -> bool: ...
    async def append_audit(self, row: AuditRow) -> int:
        """Append (the row's id is ignored); returns the id given to it, increasing."""
        ...

    async def list_audit(self, execution_arn: str | None, *, after: int, limit: int) -> list[AuditRow]:
        """Entries with id > `after`, oldest first, optionally only those of one execution."""
        ...

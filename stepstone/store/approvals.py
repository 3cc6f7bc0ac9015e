"""What the built-in approvals keep: local users, web sessions, sign-in failures, approval requests.

Part of the `Store` protocol (`Store` extends `ApprovalStore`). Secrets never reach these rows in
clear: a user's password only as its KDF hash, a session id only as its SHA-256, a task token only
as its hash (the token is minted again from the execution and task id when the decision is made).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

ApprovalStatus = Literal["pending", "approved", "rejected"]
RejectMode = Literal["fail", "succeed"]


@dataclass(frozen=True, slots=True)
class UserRow:
    """A local user; `password_hash` None means the user signs in only through the trusted proxy."""

    name: str
    email: str | None
    password_hash: str | None
    groups: tuple[str, ...]
    created: datetime


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A browser session, by the hash of its cookie value. `user` None: not signed in yet."""

    id_hash: str
    user: str | None
    csrf: str
    created: datetime
    expires: datetime


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    """One approval request, bound to its approvers and to its task (by the token's hash)."""

    id: str
    execution_arn: str
    task_id: str
    state_name: str
    token_hash: str
    approvers: tuple[str, ...]
    subject: str
    details: str  # JSON text, shown to signed-in approvers only
    on_reject: RejectMode
    reject_error: str
    created: datetime
    deadline: datetime | None = None
    status: ApprovalStatus = "pending"
    decided_by: str | None = None
    comment: str | None = None
    decided_at: datetime | None = None


class ApprovalStore(Protocol):
    """The approvals' part of the store. Every method is one transaction."""

    # users
    async def put_user(self, row: UserRow) -> None:
        """Insert or replace the user named `row.name`."""
        ...

    async def get_user(self, name: str) -> UserRow | None: ...
    async def list_users(self) -> list[UserRow]: ...
    async def delete_user(self, name: str) -> bool: ...

    # sessions
    async def put_session(self, row: SessionRow, *, replaces: str | None = None) -> None:
        """Store the session, deleting the session `replaces` (a hash) in the same transaction."""
        ...

    async def get_session(self, id_hash: str) -> SessionRow | None: ...
    async def delete_session(self, id_hash: str) -> None: ...

    # sign-in throttling
    async def add_login_failure(self, key: str, at: datetime, since: datetime) -> int:
        """Record a failed sign-in under `key`, forget those before `since`; how many remain."""
        ...

    async def count_login_failures(self, key: str, since: datetime) -> int: ...
    async def clear_login_failures(self, key: str) -> None: ...

    # approval requests
    async def create_approval(self, row: ApprovalRow) -> ApprovalRow:
        """Insert; when the task already has a request (a repeated dispatch), return that one instead."""
        ...

    async def get_approval(self, approval_id: str) -> ApprovalRow | None: ...
    async def list_approvals(self, status: ApprovalStatus | None) -> list[ApprovalRow]: ...
    async def decide_approval(
        self, approval_id: str, status: ApprovalStatus, by: str, comment: str | None, at: datetime
    ) -> tuple[ApprovalRow | None, bool]:
        """Record the decision if the request is still pending: (row after, whether this call decided)."""
        ...

"""Local users, browser sessions and sign-in for the approval pages.

    SignInRequired          401  the page needs a signed-in user
    InvalidCredentials      401  unknown user or wrong password (the same answer for both)
    TooManySignInAttempts   429  too many failures for this user or this address: wait
    InvalidUser             400  a user name, e-mail or group that cannot be stored

Sessions are random 256-bit ids kept only as their SHA-256; each carries its own CSRF token. Signing in
always starts a *new* session and deletes the one the browser had (no session fixation). Failed
sign-ins are counted per user and per client address in the store, so every node shares the throttle.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from stepstone.errors import ServiceError
from stepstone.service.base import ServiceBase
from stepstone.service.passwords import hash_password, verify_password
from stepstone.store.approvals import SessionRow, UserRow

__all__ = [
    "InvalidCredentials",
    "InvalidUser",
    "SessionRow",
    "SignInRequired",
    "TooManySignInAttempts",
    "UserOperations",
    "Viewer",
    "session_hash",
]

_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class SignInRequired(ServiceError):
    """Sign in to continue."""

    code, status = "SignInRequired", 401


class InvalidCredentials(ServiceError):
    """The user name or the password is not right."""

    code, status = "InvalidCredentials", 401


class TooManySignInAttempts(ServiceError):
    """Too many failed sign-ins. Wait a few minutes and try again."""

    code, status = "TooManySignInAttempts", 429


class InvalidUser(ServiceError):
    """The user cannot be stored."""

    code, status = "InvalidUser", 400


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who looks at an approval page: a signed-in local user or a user named by the trusted proxy."""

    name: str
    email: str | None = None
    groups: tuple[str, ...] = ()


def session_hash(session_id: str) -> str:
    """What the store keeps instead of the session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class UserOperations(ServiceBase):
    """Local users, sessions and the sign-in throttle."""

    SESSION_TTL = timedelta(hours=8)
    ANONYMOUS_SESSION_TTL = timedelta(hours=1)
    THROTTLE_WINDOW = timedelta(minutes=15)
    MAX_FAILURES_PER_USER = 5
    MAX_FAILURES_PER_ADDRESS = 20

    # users ------------------------------------------------------------------------------------------

    async def add_user(
        self, name: str, *, email: str | None = None, groups: Iterable[str] = (), password: str | None = None
    ) -> UserRow:
        """Create or replace a local user; without a password the user signs in only through the proxy."""
        if not _USER_NAME.match(name) or name.startswith("group:"):
            raise InvalidUser(f"Invalid user name: {name!r}")
        if email is not None and (not re.match(r"^[^@\s]+@[^@\s]+$", email)):
            raise InvalidUser(f"Invalid e-mail address: {email!r}")
        clean = tuple(dict.fromkeys(groups))
        if not all(_GROUP.match(g) for g in clean):
            raise InvalidUser(f"Invalid group name in {list(clean)!r}")
        hashed = None if password is None else await asyncio.to_thread(hash_password, password)
        existing = await self.store.get_user(name)
        row = UserRow(name, email, hashed, clean, existing.created if existing else self.clock.now())
        await self.store.put_user(row)
        return row

    async def remove_user(self, name: str) -> bool:
        return await self.store.delete_user(name)

    async def list_users(self) -> list[UserRow]:
        return await self.store.list_users()

    async def viewer(self, name: str, email: str | None = None) -> Viewer:
        """The viewer for a user name; a name unknown locally (a proxy user) has no groups."""
        user = await self.store.get_user(name)
        if user is None:
            return Viewer(name, email)
        return Viewer(user.name, user.email or email, user.groups)

    # sessions ---------------------------------------------------------------------------------------

    async def start_session(
        self, user: str | None = None, *, replaces: str | None = None
    ) -> tuple[str, SessionRow]:
        """A new session (id, row); the session id `replaces` (if any) is deleted in the same transaction."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        ttl = self.ANONYMOUS_SESSION_TTL if user is None else self.SESSION_TTL
        row = SessionRow(session_hash(session_id), user, secrets.token_urlsafe(32), now, now + ttl)
        await self.store.put_session(row, replaces=None if replaces is None else session_hash(replaces))
        return session_id, row

    async def session(self, session_id: str | None) -> SessionRow | None:
        """The live session with this id, or None (unknown or expired)."""
        if not session_id or len(session_id) > 128:
            return None
        row = await self.store.get_session(session_hash(session_id))
        if row is None:
            return None
        if row.expires <= self.clock.now():
            await self.store.delete_session(row.id_hash)
            return None
        return row

    async def end_session(self, session_id: str) -> None:
        await self.store.delete_session(session_hash(session_id))

    # sign-in ----------------------------------------------------------------------------------------

    async def sign_in(
        self, name: str, password: str, *, address: str, replaces: str | None = None
    ) -> tuple[str, SessionRow]:
        """Check the password and start a fresh signed-in session (the old one is dropped)."""
        now = self.clock.now()
        since = now - self.THROTTLE_WINDOW
        user_key, address_key = f"user:{name.lower()}", f"addr:{address}"
        if (
            await self.store.count_login_failures(user_key, since) >= self.MAX_FAILURES_PER_USER
            or await self.store.count_login_failures(address_key, since) >= self.MAX_FAILURES_PER_ADDRESS
        ):
            raise TooManySignInAttempts()
        user = await self.store.get_user(name)
        ok = await asyncio.to_thread(verify_password, password, None if user is None else user.password_hash)
        if user is None or not ok:
            await self.store.add_login_failure(user_key, now, since)
            await self.store.add_login_failure(address_key, now, since)
            raise InvalidCredentials()
        await self.store.clear_login_failures(user_key)
        return await self.start_session(user.name, replaces=replaces)

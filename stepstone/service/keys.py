"""Access keys for SigV4: create (the secret shown once), list, revoke, and look up for verification.

A SigV4 signature is an HMAC keyed by the secret, so the server must be able to recompute the secret:
a one-way password hash cannot verify it. stepstone derives each secret instead of storing it:

    secret = base64(HMAC-SHA256(access master key, "stepstone access key" \\n key id \\n salt))[:40]

The database keeps only the key id and a random salt; the access master key (32 random bytes) lives
in the data directory (`stepstone-access.key`, mode 0600) or in `STEPSTONE_ACCESS_MASTER_KEY` (hex).
A stolen database alone therefore yields no secret; replacing the master key invalidates every key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from stepstone import errors as E
from stepstone.service.base import _SM_ARN, ServiceBase
from stepstone.store.security import AccessKeyRow

__all__ = [
    "AccessKeyRow", "KeyOperations", "derive_secret", "load_access_master", "state_machine_of",
]  # fmt: skip

MASTER_FILE = "stepstone-access.key"
MASTER_ENV = "STEPSTONE_ACCESS_MASTER_KEY"
KEY_ID_PREFIX = "SSAK"
_KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+=-]{0,63}$")
_ACTION = re.compile(r"^(?:states:)?(?:\*|[A-Z][A-Za-z]*\*?)$")


def load_access_master(directory: Path | None) -> bytes:
    """The access master key: from the environment, the data directory, or generated into it.

    Without a data directory (an in-memory server) the key is ephemeral, like every key made with it.
    """
    env = os.environ.get(MASTER_ENV)
    if env:
        return bytes.fromhex(env)
    if directory is None:
        return secrets.token_bytes(32)
    path = directory / MASTER_FILE
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (the server, the CLI) made it first
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as out:
        out.write(key.hex())
    return key


def derive_secret(master: bytes, key_id: str, salt: str) -> str:
    """The secret access key of `key_id`: 40 characters, like AWS's."""
    mac = hmac.new(master, f"stepstone access key\n{key_id}\n{salt}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac[:30]).decode("ascii")


def state_machine_of(arn: str) -> str | None:
    """The state machine an ARN belongs to: itself (or the machine of a version or alias), or the
    machine of an execution; None for any other ARN."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "states" or not parts[6]:
        return None
    if parts[5] == "stateMachine":
        return ":".join(parts[:7])
    if parts[5] in ("execution", "express"):
        return ":".join([*parts[:5], "stateMachine", parts[6]])
    return None


class KeyOperations(ServiceBase):
    """Access key management (the `stepstone keys` command) and the lookups the API guard makes."""

    _access_master: bytes | None = None

    def use_access_master(self, master: bytes) -> None:
        """Set the key every access key secret is derived from (the composition root calls this)."""
        if len(master) < 16:
            raise ValueError("the access master key is shorter than 16 bytes")
        self._access_master = master

    def _master(self) -> bytes:
        if self._access_master is None:
            raise E.ServiceError("No access master key is configured.")
        return self._access_master

    async def create_access_key(
        self, name: str, allow: list[str], state_machines: list[str] | None = None
    ) -> tuple[AccessKeyRow, str]:
        """A new key allowed `allow` (action names or patterns such as `SendTask*`), on `state_machines`
        only when given. Returns the row and the secret, which is never shown again."""
        if not _KEY_NAME.match(name or ""):
            raise E.ValidationException(f"Invalid key name: {name!r}")
        if not allow:
            raise E.ValidationException("A key must allow at least one action (use '*' for every action).")
        for action in allow:
            if not _ACTION.match(action):
                raise E.ValidationException(f"Invalid action: {action!r}")
        machines = list(state_machines or [])
        for arn in machines:
            if not _SM_ARN.match(arn):
                raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        key_id = KEY_ID_PREFIX + "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(16))
        salt = secrets.token_hex(16)
        row = AccessKeyRow(
            key_id, name, salt, tuple(a.removeprefix("states:") for a in allow), tuple(machines),
            self.clock.now(),
        )  # fmt: skip
        await self.store.create_access_key(row)
        return row, derive_secret(self._master(), key_id, salt)

    async def list_access_keys(self) -> list[AccessKeyRow]:
        return await self.store.list_access_keys()

    async def revoke_access_key(self, key_id: str) -> AccessKeyRow:
        """Revoke a key: requests signed with it are refused from now on."""
        if not await self.store.revoke_access_key(key_id, self.clock.now()):
            row = await self.store.get_access_key(key_id)
            if row is None:
                raise E.ResourceNotFound(f"Access key not found: '{key_id}'")
            return row
        revoked = await self.store.get_access_key(key_id)
        assert revoked is not None
        return revoked

    async def has_access_keys(self) -> bool:
        """Whether any key was ever created: then every API request must be signed. Revoked keys
        count, so that revoking the last key closes the API instead of opening it to everyone."""
        return bool(await self.store.list_access_keys())

    async def signing_secret(self, key_id: str) -> tuple[AccessKeyRow, str] | None:
        """The active key `key_id` and its secret, to verify a signature; None if unknown or revoked."""
        row = await self.store.get_access_key(key_id)
        if row is None or row.revoked is not None:
            return None
        return row, derive_secret(self._master(), row.key_id, row.salt)

    def state_machine_of_token(self, token: object) -> str | None:
        """The state machine whose task a (valid) task token names; None for anything else."""
        if not isinstance(token, str):
            return None
        try:
            claims = self.keys.verify(token)
        except ValueError:
            return None
        return state_machine_of(claims.execution_arn)

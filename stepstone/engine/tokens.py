"""Task tokens: signed, URL-safe bearer secrets that name an execution's task.

A token is `<payload>.<mac>`, both base64url without padding (no `+`, `/` or `=`). The payload holds
the key id, the execution ARN and the task id; the mac is HMAC-SHA256 over the payload with the key
that the key id names. Keys live in a `KeyRing` (several keys, one active) so they rotate: new tokens
are signed with the active key, old tokens verify while their key stays in the ring.

Minting is deterministic (same key, execution and task give the same token), so the runtime never has
to store a token: it stores `token_hash(token)` and mints the token again when a worker asks for it.
The stored hash records which key signed the task: `remint` finds that key in the ring (the active one
first), so a task that waits across a key rotation is handed the very token its hash names, for as
long as its key stays in the ring. Pure: the keys are injected, nothing here reads a clock or draws
randomness.

The durable runtime goes one step further: `decide` is given `token_reference` as its minter, so what
a transition stores (history, outbox, activity queue, variables) holds a reference that names the
task, never the bearer secret. `resolve_token_references` swaps each reference for the real token at
the last moment, in what is handed to the resource or to the activity worker.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: AWS accepts task tokens up to 2,048 characters; ours stay well under for any valid ARN.
MAX_TOKEN_LENGTH = 2048
_SEPARATOR = "\n"


class InvalidTokenError(ValueError):
    """The token is malformed, signed with an unknown key, or its signature does not match."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token names."""

    key_id: str
    execution_arn: str
    task_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class KeyRing:
    """Signing keys by id; `active` signs new tokens, every key in the ring verifies."""

    __slots__ = ("_active", "_keys")

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if active not in keys:
            raise ValueError(f"the active key {active!r} is not in the ring")
        for key_id, key in keys.items():
            if not key_id or _SEPARATOR in key_id or "." in key_id:
                raise ValueError(f"bad key id {key_id!r}")
            if len(key) < 16:
                raise ValueError(f"key {key_id!r} is shorter than 16 bytes")
        self._keys = dict(keys)
        self._active = active

    @property
    def active(self) -> str:
        return self._active

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def mint(self, execution_arn: str, task_id: str, *, key_id: str | None = None) -> str:
        """The token for this execution's task, signed with `key_id` (default: the active key).

        InvalidTokenError when `key_id` is not in the ring (it was removed: its tokens are void).
        """
        signer = self._active if key_id is None else key_id
        key = self._keys.get(signer)
        if key is None:
            raise InvalidTokenError("unknown key")
        payload = _SEPARATOR.join((signer, execution_arn, task_id)).encode()
        mac = hmac.new(key, payload, hashlib.sha256).digest()
        return f"{_b64(payload)}.{_b64(mac)}"

    def remint(self, execution_arn: str, task_id: str, stored_hash: str | None) -> str | None:
        """The token of a waiting task again: the one whose `token_hash` is `stored_hash`.

        Tries the active key first, then the others, so a key rotation while the task waits changes
        nothing. None when no key in the ring signed it (its key was removed) or nothing is stored;
        `mint` for the active key's token when `stored_hash` is None is the caller's choice.
        """
        if stored_hash is None:
            return None
        for key_id in (self._active, *(k for k in self._keys if k != self._active)):
            token = self.mint(execution_arn, task_id, key_id=key_id)
            if hmac.compare_digest(token_hash(token), stored_hash):
                return token
        return None

    def verify(self, token: str) -> TokenClaims:
        """The claims of a token this ring signed; InvalidTokenError for anything else."""
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise InvalidTokenError("malformed token")
        payload_text, mac_text = token.split(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
            key_id, execution_arn, task_id = payload.decode().split(_SEPARATOR)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidTokenError("malformed token") from exc
        key = self._keys.get(key_id)
        if key is None:
            raise InvalidTokenError("unknown key")
        expected = hmac.new(key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, mac):
            raise InvalidTokenError("bad signature")
        return TokenClaims(key_id, execution_arn, task_id)


def key_id_of(token: str) -> str | None:
    """The key id a token claims to be signed with (unverified), or None when it is malformed."""
    try:
        return _unb64(token.split(".", 1)[0]).decode().split(_SEPARATOR)[0] or None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def token_hash(token: str) -> str:
    """What the store keeps instead of the token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


_REFERENCE = re.compile(r"\{\{stepstone\.task-token:([^{}]+)\}\}")


def token_reference(execution_arn: str, task_id: str) -> str:
    """What stands for a task token in anything the runtime stores (a `TokenMinter` for `decide`)."""
    return f"{{{{stepstone.task-token:{task_id}}}}}"


def resolve_token_references(value: Any, mint: Callable[[str], str]) -> Any:
    """`value` with every token reference replaced by `mint(task_id)`; untouched parts are shared."""
    if isinstance(value, str):
        return (
            _REFERENCE.sub(lambda m: mint(m.group(1)), value) if "{{stepstone.task-token:" in value else value
        )
    if isinstance(value, dict):
        return {k: resolve_token_references(v, mint) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_token_references(v, mint) for v in value]
    return value

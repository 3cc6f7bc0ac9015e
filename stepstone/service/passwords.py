"""Password hashing with scrypt (memory-hard; in the standard library), self-describing and salted.

A hash reads `scrypt$<log2 n>$<r>$<p>$<salt>$<key>` (salt and key base64url), so the cost can grow
later while old hashes still verify. Verification compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["hash_password", "verify_password"]

_LOG_N, _R, _P, _KEY_LEN = 15, 8, 1, 32  # 32 MiB of memory per hash: ~0.1 s, costly to brute-force
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, log_n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**log_n, r=r, p=p, maxmem=_MAXMEM, dklen=length)


def hash_password(password: str) -> str:
    """A new salted scrypt hash of `password`."""
    salt = secrets.token_bytes(16)
    key = _derive(password, salt, _LOG_N, _R, _P, _KEY_LEN)
    return f"scrypt${_LOG_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str | None) -> bool:
    """Whether `password` matches the hash; False for a missing or malformed hash (after the same work)."""
    try:
        scheme, log_n, r, p, salt, key = (encoded or "").split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        expected = _unb64(key)
        actual = _derive(password, _unb64(salt), int(log_n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        _derive(password, b"\0" * 16, _LOG_N, _R, _P, _KEY_LEN)  # same cost: no user enumeration by timing
        return False
    return hmac.compare_digest(actual, expected)

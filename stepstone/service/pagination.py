"""Opaque, tamper-evident page tokens: a signed cursor instead of an offset anyone can edit.

A token holds the operation and the request it pages (the state machine, the filter), where the
next page starts and when it was issued, signed with HMAC-SHA256 under a secret derived from the
token key ring (so every node sharing the ring accepts every node's tokens). A token that was
altered, belongs to another listing or is older than a day is `InvalidToken`, as on AWS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from stepstone import errors as E
from stepstone.engine.tokens import KeyRing

#: AWS: "Each pagination token expires after 24 hours."
TOKEN_LIFETIME = timedelta(hours=24)
_SIG_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PageTokens:
    """Issues and reads the `nextToken` of every listing."""

    def __init__(self, keys: KeyRing) -> None:
        # mint() is a deterministic HMAC under the active key: a secret of its own for page tokens
        self._secret = keys.mint("stepstone:page-tokens", "cursor").encode()

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()[:_SIG_BYTES]

    def issue(self, scope: str, position: Any, now: datetime) -> str:
        """A token for the page starting at `position` of the listing named by `scope`."""
        body = json.dumps({"s": scope, "p": position, "t": int(now.timestamp())}, separators=(",", ":"))
        raw = body.encode()
        return f"{_b64(raw)}.{_b64(self._sign(raw))}"

    def read(self, token: str, scope: str, now: datetime) -> Any:
        """The position a token names; InvalidToken when it is not one of ours for this listing."""
        try:
            body_text, sig_text = token.split(".")
            raw, sig = _unb64(body_text), _unb64(sig_text)
        except ValueError:
            raise E.InvalidToken("Invalid Token: the token is malformed") from None
        if not hmac.compare_digest(sig, self._sign(raw)):
            raise E.InvalidToken("Invalid Token: the token was not issued by this service or was altered")
        claims = json.loads(raw)
        if claims.get("s") != scope:
            raise E.InvalidToken("Invalid Token: the token belongs to another request")
        if now.timestamp() - claims.get("t", 0) > TOKEN_LIFETIME.total_seconds():
            raise E.InvalidToken("Invalid Token: the token has expired")
        return claims["p"]

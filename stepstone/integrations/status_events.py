"""Execution status changes delivered to an HTTP endpoint, signed, as EventBridge would deliver them.

Each delivery is a POST of the event (JSON) with two headers: `X-Stepstone-Timestamp` (Unix seconds)
and `X-Stepstone-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the shared secret>`.
A receiver recomputes the signature, compares in constant time and refuses old timestamps (replays).
Any 2xx answer is delivery; anything else is tried again with doubling back-off, `attempts` times in
all, and then the event becomes a dead letter. The event's `id` is the same on every attempt, so a
receiver that saw it already can tell (delivery is at least once).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

TIMESTAMP_HEADER = "X-Stepstone-Timestamp"
SIGNATURE_HEADER = "X-Stepstone-Signature"


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    return "v1=" + hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class EventEndpoint:
    """Where status changes go, the secret that signs them, and how hard to try."""

    url: str
    secret: bytes
    attempts: int = 5
    backoff: float = 1.0  # seconds before the second attempt; doubles after each failure
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a delivery ended: `error` is None when the endpoint took it."""

    attempts: int
    error: str | None


class EventDelivery:
    """POSTs events to one endpoint, retrying; one method, like every integration."""

    def __init__(self, endpoint: EventEndpoint) -> None:
        self.endpoint = endpoint

    def _post(self, body: bytes) -> str | None:
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: signature(self.endpoint.secret, stamp, body),
        }
        request = urllib.request.Request(self.endpoint.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.endpoint.timeout) as answer:
                return None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
        except urllib.error.HTTPError as failed:
            return f"HTTP {failed.code}"
        except (urllib.error.URLError, OSError) as exc:
            return f"cannot reach {self.endpoint.url}: {getattr(exc, 'reason', exc)}"

    async def deliver(self, body: bytes) -> Delivery:
        """Try until the endpoint answers 2xx or the attempts run out."""
        error: str | None = None
        for attempt in range(1, self.endpoint.attempts + 1):
            error = await asyncio.to_thread(self._post, body)
            if error is None:
                return Delivery(attempt, None)
            if attempt < self.endpoint.attempts:
                await asyncio.sleep(self.endpoint.backoff * 2 ** (attempt - 1))
        return Delivery(self.endpoint.attempts, error)

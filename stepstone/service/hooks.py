"""Signed webhooks in: `POST /hooks/<source>` turns a third party's delivery into a published message.

Sources are configured in a TOML file given to `stepstone serve --hooks FILE`:

    [sources.payments]
    secret_env = "PAYMENTS_WEBHOOK_SECRET"     # or secret_file = "...", or secret = "..." (avoid)
    header = "Stepstone-Signature"             # default
    tolerance_seconds = 300                    # the replay window, default 300
    message_name = "PaymentConfirmed"          # or message_name_path = "$.type"
    correlation_key_path = "$.data.orderId"    # required
    message_id_path = "$.id"                   # default: the SHA-256 of the body
    ttl_seconds = 3600                         # default 0

The signature header is Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
(several `v1=` entries are allowed, for a secret being rotated). A delivery is refused, audited and
changes nothing when the source is unknown, the header is missing or malformed, no `v1` matches
(constant-time comparison), `t` is outside the window, or the same signature was already received
within the window (a replay; remembered durably in `hook_deliveries`). An accepted delivery is
published as a message whose payload is the body. Secrets are never logged, audited or repr'd.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stepstone import errors as E
from stepstone.asl.env import Env
from stepstone.asl.paths import PathNotFound, PathSyntaxError, parse_reference_path
from stepstone.integrations.messages import correlation_text
from stepstone.service.audit import AuditOperations, Caller
from stepstone.service.messages import MessageOperations

__all__ = ["DEFAULT_HEADER", "HookOperations", "HookSource", "load_hooks", "sign"]

DEFAULT_HEADER = "Stepstone-Signature"
MAX_BODY = 256 * 1024


@dataclass(frozen=True, slots=True)
class HookSource:
    """One webhook source: its secret (never shown), signature header, window and payload mapping."""

    name: str
    secret: bytes = field(repr=False)
    correlation_key_path: str
    message_name: str | None = None
    message_name_path: str | None = None
    message_id_path: str | None = None
    header: str = DEFAULT_HEADER
    tolerance_seconds: int = 300
    ttl_seconds: int = 0


def _secret(name: str, raw: dict[str, Any], base: Path) -> bytes:
    if "secret_env" in raw:
        value = os.environ.get(str(raw["secret_env"]))
        if not value:
            raise ValueError(f"hook source {name!r}: ${raw['secret_env']} is not set")
        return value.encode()
    if "secret_file" in raw:
        return (base / str(raw["secret_file"])).read_text().strip().encode()
    if "secret" in raw:
        return str(raw["secret"]).encode()
    raise ValueError(f"hook source {name!r}: give secret_env, secret_file or secret")


def load_hooks(path: Path) -> dict[str, HookSource]:
    """The sources of a hooks file; ValueError naming the source and member that is wrong."""
    document = tomllib.loads(path.read_text())
    sources: dict[str, HookSource] = {}
    for name, raw in dict(document.get("sources", {})).items():
        if not isinstance(raw, dict):
            raise ValueError(f"hook source {name!r} must be a table")
        for member in ("correlation_key_path", "message_name_path", "message_id_path"):
            if member in raw:
                try:
                    parse_reference_path(str(raw[member]))
                except PathSyntaxError as exc:
                    raise ValueError(f"hook source {name!r}: {member}: {exc}") from exc
        if "correlation_key_path" not in raw or ("message_name" in raw) == ("message_name_path" in raw):
            raise ValueError(
                f"hook source {name!r}: needs correlation_key_path and one of message_name, message_name_path"
            )
        sources[name] = HookSource(
            name=name, secret=_secret(name, raw, path.parent),
            correlation_key_path=str(raw["correlation_key_path"]),
            message_name=raw.get("message_name"), message_name_path=raw.get("message_name_path"),
            message_id_path=raw.get("message_id_path"), header=str(raw.get("header", DEFAULT_HEADER)),
            tolerance_seconds=int(raw.get("tolerance_seconds", 300)),
            ttl_seconds=int(raw.get("ttl_seconds", 0)),
        )  # fmt: skip
    return sources


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for a delivery (what a sender computes; the tests use it too)."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _parse_header(value: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    macs: list[str] = []
    for part in value.split(","):
        key, _, item = part.strip().partition("=")
        if key == "t" and item.isdigit():
            timestamp = int(item)
        elif key == "v1" and item:
            macs.append(item)
    if timestamp is None or not macs:
        raise E.AccessDeniedException("Malformed signature header: expected t=<seconds>,v1=<hex>")
    return timestamp, macs


def _pick(source: HookSource, path: str, payload: Any, member: str) -> Any:
    try:
        return parse_reference_path(path).get(payload, Env())
    except PathNotFound as exc:
        raise E.ValidationException(f"{member} {path} selects nothing in the delivery") from exc


class HookOperations(MessageOperations, AuditOperations):
    """Receiving signed webhook deliveries."""

    hook_sources: dict[str, HookSource] = {}

    def use_hooks(self, sources: dict[str, HookSource]) -> None:
        """Set the configured webhook sources (the composition root calls this)."""
        self.hook_sources = dict(sources)

    async def receive_hook(
        self, source_name: str, headers: dict[str, str], body: bytes, client: str | None
    ) -> dict[str, Any]:
        """Verify and publish one delivery; a refusal raises a ServiceError and is audited."""
        caller = Caller(f"hook:{source_name}", client)
        try:
            answer = await self._receive(source_name, headers, body)
        except E.ServiceError as error:
            await self.record_audit(
                "Webhook", accepted=False, reason=f"{error.code}: {error.message}", caller=caller
            )
            raise
        await self.record_audit(
            "Webhook", accepted=True, reason=f"message {answer['messageId']}", caller=caller
        )
        return answer

    async def _receive(self, source_name: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        source = self.hook_sources.get(source_name)
        if source is None:
            raise E.ResourceNotFound(f"No webhook source named {source_name!r}")
        if len(body) > MAX_BODY:
            raise E.ValidationException("The delivery exceeds 262144 bytes")
        header = headers.get(source.header.lower())
        if header is None:
            raise E.AccessDeniedException(f"Missing signature header {source.header}")
        timestamp, macs = _parse_header(header)
        expected = sign(source.secret, timestamp, body).partition(",v1=")[2]
        if not any(hmac.compare_digest(expected, mac) for mac in macs):
            raise E.AccessDeniedException("Signature mismatch")
        now = self.clock.now()
        window = timedelta(seconds=source.tolerance_seconds)
        if abs(now - datetime.fromtimestamp(timestamp, UTC)) > window:
            raise E.AccessDeniedException("Timestamp outside the tolerance window")
        digest = hashlib.sha256(header.encode()).hexdigest()
        if not await self.store.record_hook_delivery(source.name, digest, now, now - 2 * window):
            raise E.AccessDeniedException("Replayed delivery: this signature was already received")
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise E.ValidationException(f"The delivery is not JSON: {exc}") from exc
        name = source.message_name
        if source.message_name_path is not None:
            name = str(_pick(source, source.message_name_path, payload, "message_name_path"))
        key = correlation_text(_pick(source, source.correlation_key_path, payload, "correlation_key_path"))
        if source.message_id_path is not None:
            message_id = correlation_text(_pick(source, source.message_id_path, payload, "message_id_path"))
        else:
            message_id = hashlib.sha256(body).hexdigest()
        return await self.publish_message({
            "messageName": name, "correlationKey": key, "payload": body.decode(), "messageId": message_id,
            "timeToLiveSeconds": source.ttl_seconds,
        })  # fmt: skip

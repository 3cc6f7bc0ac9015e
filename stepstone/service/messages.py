"""`Stepstone.PublishMessage`: a message by name and correlation key resumes the tasks waiting for it.

    {"messageName": "PaymentConfirmed", "correlationKey": "order-42", "payload": "{\"paid\": true}",
     "messageId": "evt_123", "timeToLiveSeconds": 3600}
    -> {"messageId": "evt_123", "duplicate": false, "delivered": 1, "buffered": false}

`messageId` (default: a new one) makes a repeat harmless: the same id again is a `duplicate` and
changes nothing. `timeToLiveSeconds` (default 0) keeps a message nobody waits for yet, for a wait
that starts within that time. See `stepstone.integrations.messages` for the waiting side.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from stepstone import errors as E
from stepstone.engine.events import TaskSucceeded
from stepstone.runtime.codec import dumps, encode_event
from stepstone.service.audit import AuditOperations
from stepstone.service.base import MAX_PAYLOAD
from stepstone.store.messages import MessageRow

__all__ = ["MAX_TTL_SECONDS", "MessageOperations", "message_delivery"]

MAX_TTL_SECONDS = 30 * 86400
_MAX_TEXT = 256


def message_delivery(task_id: str, payload: str) -> tuple[str, str]:
    """(stored result, encoded success event) of a task closed by a message: its payload is the output."""
    value = json.loads(payload)
    return dumps({"success": value}), encode_event(TaskSucceeded(task_id, value))


def _text(request: dict[str, Any], member: str, *, required: bool = True) -> str | None:
    value = request.get(member)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT:
        raise E.ValidationException(f"{member} must be a string of 1 to {_MAX_TEXT} characters")
    return value


class MessageOperations(AuditOperations):
    """Publishing messages."""

    async def publish_message(self, request: dict[str, Any]) -> dict[str, Any]:
        """Deliver a message to the waits on its name and key, or buffer it while its TTL lasts."""
        name = _text(request, "messageName")
        key = request.get("correlationKey")
        if not isinstance(key, str) or len(key) > MAX_PAYLOAD:
            raise E.ValidationException("correlationKey must be a string")
        message_id = _text(request, "messageId", required=False) or str(uuid.uuid4())
        payload = request.get("payload", "{}")
        if not isinstance(payload, str) or len(payload.encode()) > MAX_PAYLOAD:
            raise E.ValidationException("payload must be a JSON text of at most 262144 bytes")
        try:
            json.loads(payload)
        except ValueError as exc:
            raise E.ValidationException(f"payload is not JSON: {exc}") from exc
        ttl = request.get("timeToLiveSeconds", 0)
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL_SECONDS:
            raise E.ValidationException(f"timeToLiveSeconds must be an integer from 0 to {MAX_TTL_SECONDS}")
        now = self.clock.now()
        assert name is not None
        row = MessageRow(name, message_id, key, payload, now, now + timedelta(seconds=ttl))
        outcome = await self.store.publish_message(row, message_delivery)
        if outcome.delivered:
            self.worker.wake()
        for execution_arn, task_id in outcome.delivered:
            await self.record_audit(
                "PublishMessage", accepted=True, reason=f"message {name}/{message_id} closed {task_id}",
                execution_arn=execution_arn,
            )  # fmt: skip
        return {
            "messageId": message_id,
            "duplicate": outcome.duplicate,
            "delivered": len(outcome.delivered),
            "buffered": outcome.buffered,
        }

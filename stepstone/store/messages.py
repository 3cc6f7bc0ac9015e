"""Messages by correlation key: the rows and the port (`MessageStore`), mixed into `Store`.

A `message:wait` task registers a `MessageWaitRow` (one row per waiting execution, nothing in memory);
a published message closes the open tasks whose waits match its name and correlation key, or, when
none matches and it has a time-to-live, stays buffered for a wait that starts before it expires.
Every delivery closes the task row (guarded on `status = 'open'`, as a callback is) and queues the
task's success event in the same transaction, so a delivery and its task close are one commit and of
two publishers racing for one wait exactly one wins. `(message name, message id)` is unique: a
repeated publish with the same id changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["Delivery", "MessageRow", "MessageStore", "MessageWaitRow", "PublishOutcome"]

#: (task id, payload JSON text) -> (the task's stored result, the encoded success event)
Delivery = Callable[[str, str], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class MessageWaitRow:
    """A task waiting for a message; `resume_all`: one message resumes every such wait, not only one."""

    execution_arn: str
    task_id: str
    message_name: str
    correlation_key: str
    resume_all: bool
    created: datetime


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A published message; it waits for a matching wait until `expires` (publish time + TTL)."""

    message_name: str
    message_id: str
    correlation_key: str
    payload: str
    published: datetime
    expires: datetime


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """What a publish did: nothing (a repeated message id), resumed tasks, and/or buffered the message."""

    duplicate: bool
    delivered: tuple[tuple[str, str], ...] = ()  # (execution ARN, task id)
    buffered: bool = False


class MessageStore(Protocol):
    """Waits and messages; each method is one transaction."""

    async def wait_for_message(self, wait: MessageWaitRow, deliver: Delivery, now: datetime) -> bool:
        """Register the wait (a repeat is harmless); if an unexpired buffered message matches, consume
        the oldest and close the task with it at once. True when it did."""
        ...

    async def publish_message(self, message: MessageRow, deliver: Delivery) -> PublishOutcome:
        """Deliver to the oldest matching open wait (and, if it resumes all, every other such wait),
        or buffer the message while its TTL lasts; nothing at all for a repeated message id."""
        ...

    async def record_hook_delivery(
        self, source: str, signature: str, received: datetime, forget_before: datetime
    ) -> bool:
        """Remember a webhook delivery's signature (forgetting those received before `forget_before`);
        False when it was seen already: a replay."""
        ...


def chosen(waits: list[MessageWaitRow]) -> list[MessageWaitRow]:
    """The waits one message resumes: the oldest, and with it every other that resumes all."""
    if not waits:
        return []
    first = waits[0]
    return [first] if not first.resume_all else [first, *(w for w in waits[1:] if w.resume_all)]

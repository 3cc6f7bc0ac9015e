"""The SQLite side of `MessageStore`: the two transactions, run by `SqliteStore` on its writer thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from stepstone.store.messages import Delivery, MessageRow, MessageWaitRow, PublishOutcome, chosen

Stamp = Callable[[datetime], str | None]


def _wait(r: sqlite3.Row) -> MessageWaitRow:
    created = datetime.fromisoformat(r["created"])
    return MessageWaitRow(
        r["execution_arn"],
        r["task_id"],
        r["message_name"],
        r["correlation_key"],
        bool(r["resume_all"]),
        created,
    )


def _deliver(
    c: sqlite3.Connection, q: Mapping[str, str], ts: Stamp, wait: MessageWaitRow, payload: str,
    deliver: Delivery, now: datetime,
) -> bool:  # fmt: skip
    result, event = deliver(wait.task_id, payload)
    params: dict[str, Any] = {"execution_arn": wait.execution_arn, "task_id": wait.task_id}
    c.execute(q["delete_message_wait"], params)
    if not c.execute(q["close_task_by_id"], {**params, "result": result, "closed": ts(now)}).rowcount:
        return False  # closed meanwhile (a timeout, a stop): the wait is gone, nothing delivered
    c.execute(q["enqueue"], {"execution_arn": wait.execution_arn, "event": event})
    return True


def wait_params(wait: MessageWaitRow, ts: Stamp) -> dict[str, Any]:
    """The `insert_message_wait` parameters of a wait (also used by `commit_transition`)."""
    return {
        "execution_arn": wait.execution_arn, "task_id": wait.task_id, "message_name": wait.message_name,
        "correlation_key": wait.correlation_key, "resume_all": int(wait.resume_all),
        "created": ts(wait.created),
    }  # fmt: skip


def wait_tx(
    c: sqlite3.Connection, q: Mapping[str, str], ts: Stamp, wait: MessageWaitRow, deliver: Delivery,
    now: datetime,
) -> bool:  # fmt: skip
    """`MessageStore.wait_for_message` inside the writer's transaction."""
    task = c.execute(q["get_task"], {"execution_arn": wait.execution_arn, "task_id": wait.task_id}).fetchone()
    if task is None or task["status"] != "open":
        return False  # a message (or a timeout) closed it already: nothing to wait for
    c.execute(q["insert_message_wait"], wait_params(wait, ts))
    key = {"message_name": wait.message_name, "correlation_key": wait.correlation_key}
    found = c.execute(q["buffered_message"], {**key, "now": ts(now)}).fetchone()
    if found is None:
        return False
    c.execute(q["consume_message"], {"message_name": wait.message_name, "message_id": found["message_id"]})
    return _deliver(c, q, ts, wait, found["payload"], deliver, now)


def publish_tx(
    c: sqlite3.Connection, q: Mapping[str, str], ts: Stamp, message: MessageRow, deliver: Delivery
) -> PublishOutcome:
    """`MessageStore.publish_message` inside the writer's transaction."""
    key = {"message_name": message.message_name, "correlation_key": message.correlation_key}
    ids = {"message_name": message.message_name, "message_id": message.message_id}
    inserted = c.execute(q["insert_message"], {
        **key, **ids, "payload": message.payload, "published": ts(message.published),
        "expires": ts(message.expires),
    }).rowcount  # fmt: skip
    if not inserted:
        return PublishOutcome(duplicate=True)
    waits = [_wait(r) for r in c.execute(q["matching_waits"], key).fetchall()]
    now = message.published
    delivered = tuple(
        (w.execution_arn, w.task_id)
        for w in chosen(waits)
        if _deliver(c, q, ts, w, message.payload, deliver, now)
    )
    buffered = not delivered and message.expires > message.published
    if not buffered:
        c.execute(q["consume_message"], ids)
    return PublishOutcome(False, delivered, buffered)

"""The PostgreSQL side of `MessageStore`, mixed into `PostgresStore`.

Matching waits are locked (`FOR UPDATE OF w`) and a buffered message is taken with `SKIP LOCKED`, so
two nodes publishing, or a publish racing a wait's start, deliver each message and close each task once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from stepstone.store.messages import Delivery, MessageRow, MessageWaitRow, PublishOutcome, chosen
from stepstone.store.postgres.connection import Conn, Database, Q


def _wait(r: DictRow) -> MessageWaitRow:
    return MessageWaitRow(
        r["execution_arn"], r["task_id"], r["message_name"], r["correlation_key"], bool(r["resume_all"]),
        r["created"],
    )  # fmt: skip


def wait_params(wait: MessageWaitRow) -> dict[str, Any]:
    """The `insert_message_wait` parameters of a wait (also used by `commit_transition`)."""
    return {
        "execution_arn": wait.execution_arn, "task_id": wait.task_id, "message_name": wait.message_name,
        "correlation_key": wait.correlation_key, "resume_all": int(wait.resume_all), "created": wait.created,
    }  # fmt: skip


class MessagesMixin:
    """Waits and messages over `self.db`; `_enqueue` queues an event and wakes the nodes."""

    db: Database

    async def _enqueue(self, c: Conn, execution_arn: str, event: str) -> int:
        raise NotImplementedError  # PostgresStore's

    async def _deliver(
        self, c: Conn, wait: MessageWaitRow, payload: str, deliver: Delivery, now: datetime
    ) -> bool:
        result, event = deliver(wait.task_id, payload)
        params: dict[str, Any] = {"execution_arn": wait.execution_arn, "task_id": wait.task_id}
        await c.execute(Q["delete_message_wait"], params)
        closed = await c.execute(Q["close_task_by_id"], {**params, "result": result, "closed": now})
        if not closed.rowcount:
            return False  # closed meanwhile (a timeout, a stop): the wait is gone, nothing delivered
        await self._enqueue(c, wait.execution_arn, event)
        return True

    async def wait_for_message(self, wait: MessageWaitRow, deliver: Delivery, now: datetime) -> bool:
        key = {"message_name": wait.message_name, "correlation_key": wait.correlation_key}
        async with self.db.transaction() as c:
            ids = {"execution_arn": wait.execution_arn, "task_id": wait.task_id}
            task = await (await c.execute(Q["get_task"], ids)).fetchone()
            if task is None or task["status"] != "open":
                return False  # a message (or a timeout) closed it already: nothing to wait for
            await c.execute(Q["insert_message_wait"], wait_params(wait))
            found = await (await c.execute(Q["buffered_message"], {**key, "now": now})).fetchone()
            if found is None:
                return False
            ids = {"message_name": wait.message_name, "message_id": found["message_id"]}
            await c.execute(Q["consume_message"], ids)
            return await self._deliver(c, wait, found["payload"], deliver, now)

    async def publish_message(self, message: MessageRow, deliver: Delivery) -> PublishOutcome:
        key = {"message_name": message.message_name, "correlation_key": message.correlation_key}
        ids = {"message_name": message.message_name, "message_id": message.message_id}
        async with self.db.transaction() as c:
            inserted = await c.execute(Q["insert_message"], {
                **key, **ids, "payload": message.payload, "published": message.published,
                "expires": message.expires,
            })  # fmt: skip
            if not inserted.rowcount:
                return PublishOutcome(duplicate=True)
            waits = [_wait(r) for r in await (await c.execute(Q["matching_waits"], key)).fetchall()]
            delivered: list[tuple[str, str]] = []
            for wait in chosen(waits):
                if await self._deliver(c, wait, message.payload, deliver, message.published):
                    delivered.append((wait.execution_arn, wait.task_id))
            buffered = not delivered and message.expires > message.published
            if not buffered:
                await c.execute(Q["consume_message"], ids)
            return PublishOutcome(False, tuple(delivered), buffered)

    async def record_hook_delivery(
        self, source: str, signature: str, received: datetime, forget_before: datetime
    ) -> bool:
        async with self.db.transaction() as c:
            await c.execute(Q["forget_hook_deliveries"], {"source": source, "before": forget_before})
            params = {"source": source, "signature": signature, "received": received}
            return bool((await c.execute(Q["insert_hook_delivery"], params)).rowcount)

"""The PostgreSQL plumbing: a connection pool, one-transaction helpers, and the LISTEN loop.

Every store method borrows a pooled connection for one transaction. Wake-ups travel on one
channel (`stepstone`): `pg_notify` inside a transaction is delivered only if it commits, so a node
is never woken for work that did not happen. One extra connection per node listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from stepstone.store.postgres.schema import load_queries

log = logging.getLogger("stepstone.store.postgres")
CHANNEL = "stepstone"
Q: dict[str, bytes] = {name: sql.encode() for name, sql in load_queries().items()}

# Generic plans: psycopg prepares a statement on its fifth run, and PostgreSQL's default may still plan
# it afresh with each run's values (benchmarks/scaling.py: the database's CPU per transition fell from
# 1.8 ms to 1.4-1.7 ms on a noisy machine, RESULTS.md §10). No query's plan depends on its parameters'
# values: a filter that could be absent is its own statement (`list_all_tasks`), and ranges are read
# through an index (`any_timer_due`); tests/store/test_postgres_plans.py checks those plans.
_OPTIONS = "-c timezone=UTC -c plan_cache_mode=force_generic_plan"

Conn = psycopg.AsyncConnection[DictRow]
Listener = Callable[[str], None]


class Database:
    """A pool of connections to one database (UTC sessions, rows as dicts)."""

    def __init__(self, dsn: str, *, min_size: int = 2, max_size: int = 10) -> None:
        self.dsn = dsn
        self.pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            open=False,
            # autocommit: a lone statement is its own transaction (no BEGIN/COMMIT round trips);
            # `transaction()` opens an explicit one when a method needs several statements
            kwargs={"row_factory": dict_row, "options": _OPTIONS, "autocommit": True},
            connection_class=psycopg.AsyncConnection[DictRow],
            name="stepstone",
        )

    async def open(self) -> None:
        await self.pool.open(wait=True, timeout=30)

    async def close(self) -> None:
        await self.pool.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """One transaction on a pooled connection: committed on exit, rolled back on error."""
        async with self.pool.connection() as conn, conn.transaction():
            yield conn

    async def one(self, query: str, **params: Any) -> DictRow | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(Q[query], params)
            return await cur.fetchone()

    async def run(self, query: str, **params: Any) -> int:
        """A lone statement (its own transaction); the rows it touched."""
        async with self.pool.connection() as conn:
            return (await conn.execute(Q[query], params)).rowcount

    async def all(self, query: str, **params: Any) -> list[DictRow]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(Q[query], params)
            return await cur.fetchall()


async def notify(conn: Conn, sender: str, key: str) -> None:
    """Queue a wake-up for every node; delivered when (and only if) the transaction commits.

    The payload is "<sender> <key>": a node ignores its own (it woke itself in-process already).
    """
    await conn.execute(Q["notify"], {"key": f"{sender} {key}"})


class NotificationListener:
    """LISTEN on the channel and hand each payload to `on_notify`; reconnects with a back-off.

    After a (re)connect it calls `on_notify("work")` once: notifications sent while it was away are
    lost, so the node looks for work itself.
    """

    def __init__(self, dsn: str, owner: str, on_notify: Listener) -> None:
        self.dsn = dsn
        self.owner = owner
        self.on_notify = on_notify
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="stepstone-pg-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    delay = 0.1
                    self.on_notify("work")
                    async for note in conn.notifies():
                        sender, _, key = note.payload.partition(" ")
                        if sender != self.owner:
                            self.on_notify(key)
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("LISTEN connection lost (%s); reconnecting in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

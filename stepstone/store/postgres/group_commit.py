"""Group commit: one-statement writes handed over together share one PostgreSQL transaction.

Committing is most of what a small write costs PostgreSQL (BEGIN, COMMIT, a WAL flush) and much of
what it costs the node (a pooled connection, a round trip). The writes that are each one statement
and their own transaction (`transition`, `complete_outbox`, `create_execution`) go through
`GroupCommit.one`: the first goes out at once; those that arrive while a send is in flight (the rest
of a worker round, the results of other tasks, other requests' StartExecution) go out together in
the next send, in one pipeline and one transaction (benchmarks/pg_transition.py, RESULTS.md §11).

Each write still commits or fails by itself:

- every statement is self-contained, and one whose guard fails writes nothing (a `transition` that
  lost its version), so the group commits the others and that caller alone sees the outcome;
- an error in any statement (a unique key, a deadlock with another node, a dropped connection) undoes
  the group, and then each of its writes is sent alone, in its own transaction, and raises its own.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from psycopg.rows import DictRow

from stepstone.store.postgres.connection import Database, Q

log = logging.getLogger("stepstone.store.postgres")

#: Statements per group: the pipeline holds every parameter set and result until it syncs.
MAX_GROUP = 256
#: A long queue (a round of due timers) is split into this many groups sent at once, on as many
#: connections, so that the database works on them side by side; none smaller than MIN_SPLIT.
PARALLEL = 4
MIN_SPLIT = 32

Params = dict[str, Any]
_Pending = tuple[str, Params, "asyncio.Future[DictRow | None]"]


class GroupCommit:
    """Runs named one-statement writes, grouped as they arrive; each caller gets its first row."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[_Pending] = []
        self._sender: asyncio.Task[None] | None = None

    async def one(self, query: str, params: Params) -> DictRow | None:
        """Run `query` (a single statement) and return its first row, as `Database.one` does."""
        future: asyncio.Future[DictRow | None] = asyncio.get_running_loop().create_future()
        self._queue.append((query, params, future))
        if self._sender is None or self._sender.done():
            # Started, not run: the rest of a worker round reaches this point before it first runs.
            self._sender = asyncio.create_task(self._send(), name="stepstone-pg-group-commit")
        # A caller that gives up cancels its future, not its write: the group it is in still commits.
        return await future

    async def close(self) -> None:
        """Wait for what was handed over to be sent."""
        if self._sender is not None:
            await asyncio.gather(self._sender, return_exceptions=True)

    async def _send(self) -> None:
        taken: list[_Pending] = []
        try:
            while self._queue:
                taken, self._queue = self._queue[: MAX_GROUP * PARALLEL], self._queue[MAX_GROUP * PARALLEL :]
                size = min(MAX_GROUP, max(MIN_SPLIT, -(-len(taken) // PARALLEL)))
                await asyncio.gather(
                    *(self._send_group(taken[i : i + size]) for i in range(0, len(taken), size))
                )
        finally:  # cancelled (the loop is closing): nothing may wait for ever
            for _, _, future in [*taken, *self._queue]:
                if not future.done():
                    future.cancel()

    async def _send_group(self, group: list[_Pending]) -> None:
        if len(group) > 1:
            try:
                rows = await self._together(group)
            except Exception as exc:  # each write, sent alone, raises what is its own to its caller
                log.debug("a group of %d writes failed (%s); sending each alone", len(group), exc)
            else:
                for (_, _, future), row in zip(group, rows, strict=True):
                    if not future.done():
                        future.set_result(row)
                return
        await self._each_alone(group)

    async def _together(self, group: list[_Pending]) -> list[DictRow | None]:
        # One lock order on every node (by execution), so two groups that meet cannot deadlock.
        order = sorted(range(len(group)), key=lambda i: str(group[i][1].get("arn", "")))
        rows: list[DictRow | None] = [None] * len(group)
        async with self.db.pool.connection() as conn, conn.pipeline() as pipe, conn.transaction():
            cursors = [(i, await conn.execute(Q[group[i][0]], group[i][1])) for i in order]
            await pipe.sync()
            for i, cursor in cursors:
                rows[i] = await cursor.fetchone() if cursor.description else None
        return rows

    async def _each_alone(self, group: list[_Pending]) -> None:
        for query, params, future in group:
            try:
                row = await self.db.one(query, **params)
            except Exception as exc:  # handed to the one caller it belongs to
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(row)

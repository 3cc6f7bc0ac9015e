"""The SQLite store's operations: the gauges' levels, the schema version, retention batches.

A mixin of `SqliteStore`; queries in `sql/sqlite/ops.sql`. A retention batch is one write on the
writer thread, so it shares a group commit with the worker's transitions instead of holding the
file: keep batches small (the caller's `limit`) and the worker never waits long behind one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from stepstone.store.base import OpsSnapshot
from stepstone.store.sqlite_sql import _dt, dt, load_queries, migrations, ts

T = TypeVar("T")
OPS = load_queries("sqlite", "ops.sql")
#: Per execution, the rows that belong to it, deleted before the execution row itself.
_CHILDREN = (
    "prune_history", "prune_tasks", "prune_timers", "prune_activity_tasks", "prune_approvals", "prune_tags",
)  # fmt: skip


def known_migrations() -> set[int]:
    """The migrations this code ships."""
    return {version for version, _ in migrations()}


class SqliteOps:
    """Operations of `SqliteStore`; it supplies `_read` and `_write`."""

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def ops_snapshot(self, now: datetime) -> OpsSnapshot:
        def read(c: sqlite3.Connection) -> OpsSnapshot:
            tasks = {r["resource"]: (r["n"], _dt(r["oldest"])) for r in c.execute(OPS["ops_open_tasks"])}
            r = c.execute(OPS["ops_levels"], {"now": ts(now)}).fetchone()
            return OpsSnapshot(
                tasks, r["activity_tasks"], dt(r["oldest_activity_task"]), r["outbox"], r["inbox"],
                r["timers"], r["timers_due"], dt(r["next_timer"]),
            )  # fmt: skip

        return await self._read(read)

    async def schema_status(self) -> tuple[list[int], int]:
        def read(c: sqlite3.Connection) -> set[int]:
            return {int(r["version"]) for r in c.execute(OPS["ops_schema_versions"])}

        applied = await self._read(read)
        return sorted(known_migrations() - applied), max(applied, default=0)

    async def prune_closed(self, before: datetime, limit: int) -> int:
        def tx(c: sqlite3.Connection) -> int:
            rows = c.execute(OPS["prunable_executions"], {"before": ts(before), "limit": limit}).fetchall()
            keys = [{"arn": r["arn"]} for r in rows]
            for name in _CHILDREN:
                c.executemany(OPS[name], keys)
            c.executemany(OPS["prune_execution"], keys)
            return len(keys)

        return await self._write(tx)

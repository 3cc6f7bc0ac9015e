"""The PostgreSQL store's operations: the gauges' levels, the schema version, retention, leases.

A mixin of `PostgresStore`; queries in `sql/postgres/ops.sql`. Every node reads the same rows, so
the gauges built from `ops_snapshot` agree across nodes. `release_leases` runs at a clean shutdown:
the executions and commands this node held are free at once (not when the lease runs out) and a
NOTIFY wakes the other nodes to take them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from stepstone.store.base import OpsSnapshot
from stepstone.store.postgres.connection import Database
from stepstone.store.postgres.schema import load_queries, migrations

OPS: dict[str, bytes] = {name: sql.encode() for name, sql in load_queries("ops.sql").items()}


class PostgresOps:
    """Operations of `PostgresStore`, over `self.db` as `self.owner`."""

    db: Database
    owner: str

    async def _ops(self, query: str, **params: Any) -> list[DictRow]:
        async with self.db.pool.connection() as conn:
            cur = await conn.execute(OPS[query], params)
            return await cur.fetchall()

    async def ops_snapshot(self, now: datetime) -> OpsSnapshot:
        tasks = {r["resource"]: (r["n"], r["oldest"]) for r in await self._ops("ops_open_tasks")}
        (r,) = await self._ops("ops_levels", now=now)
        return OpsSnapshot(
            tasks, r["activity_tasks"], r["oldest_activity_task"], r["outbox"], r["inbox"], r["timers"],
            r["timers_due"], r["next_timer"],
        )  # fmt: skip

    async def schema_status(self) -> tuple[list[int], int]:
        applied = {int(r["version"]) for r in await self._ops("ops_schema_versions")}
        known = {version for version, _, _ in migrations()}
        return sorted(known - applied), max(applied, default=0)

    async def prune_closed(self, before: datetime, limit: int) -> int:
        return len(await self._ops("prune_closed", before=before, limit=limit))

    async def release_leases(self) -> tuple[int, int]:
        """Let go of every lease this node holds and wake the others: (executions, commands)."""
        (r,) = await self._ops("release_leases", owner=self.owner, wake=f"{self.owner} work")
        return int(r["executions"]), int(r["commands"])

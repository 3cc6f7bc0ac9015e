"""PostgreSQL plans every statement generically (connection.py): the ones whose filters could be
read through an index only with their parameters' values known must still be, once prepared."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import psycopg

from stepstone.store.postgres import PostgresStore
from stepstone.store.postgres.connection import Database, Q
from tests.store.conftest import run_opened
from tests.store.test_postgres_schema import as_sent

# psycopg prepares a statement on its fifth run (prepare_threshold); the sixth runs the prepared one
RUNS = 6


def _fill(dsn: str, n: int) -> None:
    """N timers due in an hour, N tasks (one in ten open), N executions with two queued events each:
    enough rows that a scan of any of them shows."""
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(
            "INSERT INTO executions (arn, state_machine_arn, name, revision_id, status, input, start_date) "
            "SELECT 'arn:e:' || g, 'arn:m', 'e' || g, 'r', 'RUNNING', '{}', now() "
            "FROM generate_series(1, %s) g",
            (n,),
        )
        c.execute(
            "INSERT INTO inbox (execution_arn, event) "
            "SELECT 'arn:e:' || (g %% %s + 1), '{}' FROM generate_series(1, %s) g",
            (n, 2 * n),
        )
        c.execute(
            "INSERT INTO timers (execution_arn, timer_id, due) SELECT 'arn:e:' || g, 't', "
            "now() + interval '1 hour' + g * interval '1 ms' FROM generate_series(1, %s) g",
            (n,),
        )
        c.execute(
            "INSERT INTO tasks (execution_arn, task_id, state_name, resource, since, token_hash, status) "
            "SELECT 'arn:e:' || g, 't', 'S', 'r', now(), md5(g::text), "
            "CASE WHEN g %% 10 = 0 THEN 'open' ELSE 'closed' END FROM generate_series(1, %s) g",
            (n,),
        )
        c.execute("ANALYZE")


async def _prepared_plans(dsn: str, runs: list[tuple[str, dict[str, Any], str]]) -> dict[str, Any]:
    """Each (query, params, EXPLAIN arguments) run RUNS times on one pooled connection; then, on that
    connection, psycopg's prepared statement for it: its plan counts and its generic plan."""
    db = Database(dsn, min_size=1, max_size=1)
    await db.open()
    try:
        for query, params, _ in runs:
            for _ in range(RUNS):
                await db.all(query, **params)
        found: dict[str, Any] = {}
        async with db.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements"
            )
            prepared = await cur.fetchall()
            for query, _, args in runs:
                (row,) = [r for r in prepared if r["statement"] == as_sent(Q[query].decode())]
                plan = await conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE {row['name']}({args})")
                explained = await plan.fetchone()
                assert explained is not None
                found[query] = {**row, "plan": json.dumps(explained["QUERY PLAN"])}
        return found
    finally:
        await db.close()


def test_hot_statements_run_on_generic_plans_that_still_use_the_indexes(pg_dsn: str) -> None:
    run_opened(PostgresStore(pg_dsn), lambda _: asyncio.sleep(0))  # opening migrates
    _fill(pg_dsn, 20_000)
    now = datetime.now(UTC)
    found = asyncio.run(
        _prepared_plans(
            pg_dsn,
            [
                ("any_timer_due", {"now": now}, "now()"),
                ("list_tasks", {"execution_arn": "arn:e:5", "status": None}, "'arn:e:5', NULL"),
                ("list_all_tasks", {"status": "open"}, "'open'"),
                ("claim_work", {"owner": "me", "lease": 30, "limit": 64}, "'me', 30, 64"),
                ("claim_executions", {"owner": "me", "lease": 30, "limit": 64}, "'me', 30, 64"),
            ],
        )
    )
    for query, row in found.items():
        assert row["generic_plans"] >= 1 and row["custom_plans"] == 0, (query, row)
    # nothing is due: one end of the index answers, not a scan of 20,000 timers
    assert "Seq Scan" not in found["any_timer_due"]["plan"], found["any_timer_due"]["plan"]
    assert "timers_by_due" in found["any_timer_due"]["plan"]
    # one execution's tasks are read by its key
    assert "Seq Scan" not in found["list_tasks"]["plan"], found["list_tasks"]["plan"]
    # a claim reads the oldest queued events up to its limit, not all 40,000 of them, and updates by key
    for claim in ("claim_work", "claim_executions"):
        assert "Seq Scan" not in found[claim]["plan"], found[claim]["plan"]
        assert "inbox_pkey" in found[claim]["plan"] and "executions_pkey" in found[claim]["plan"]

#!/usr/bin/env python3
"""What one PostgreSQL transition commit costs the node and the database, by how it is sent.

    .venv/bin/python benchmarks/pg_transition.py [--n 2000] [--rounds 3] [--pg postgresql://...]

Each variant gets a fresh database with N started executions; then N `commit_transition` calls, one
per execution, each a Task state's result (five history events, one command to the outbox). Reported
per commit: the node's CPU (this process's thread time), the database's (its backends' utime+stime
from /proc), and the wall time. Variants, interleaved round by round so a drifting machine drifts
for all of them:

- `auto-text`: PostgreSQL's default plan choice, arrays in psycopg's text form (the code before);
- `generic-text`: generic plans (`plan_cache_mode=force_generic_plan`), arrays as text;
- `generic-binary`: generic plans, arrays in binary (the code now).

`--together 1,8,32` runs every variant with its commits handed over K at a time (`asyncio.gather`, as a
worker round does): PostgreSQL commits each such group in one transaction (`group_commit.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from stepstone.store.base import ExecutionRow, HistoryRow, StateMachineRow, Transition
from stepstone.store.postgres import PostgresStore, connection

SM = "arn:aws:states:us-east-1:123456789012:stateMachine:bench"
BINARY_TRANSITION = connection.Q["transition"]
TEXT_TRANSITION = re.sub(rb"%\((\w+)\)b::", rb"%(\1)s::", BINARY_TRANSITION)
VARIANTS = {
    "auto-text": ("-c timezone=UTC", TEXT_TRANSITION),
    "generic-text": ("-c timezone=UTC -c plan_cache_mode=force_generic_plan", TEXT_TRANSITION),
    "generic-binary": ("-c timezone=UTC -c plan_cache_mode=force_generic_plan", BINARY_TRANSITION),
}


def backend_cpu(dsn: str, db: str) -> float:
    """CPU seconds of every backend connected to `db` (PostgreSQL runs on this machine)."""
    with psycopg.connect(dsn, autocommit=True) as c:
        pids = [r[0] for r in c.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (db,))]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def history(first: int, at: datetime) -> list[HistoryRow]:
    output = json.dumps({"orderId": "o-1", "items": [{"sku": 'a"b', "n": 2}], "note": "x\\y"})
    kinds = ["TaskSucceeded", "TaskStateExited", "TaskStateEntered", "TaskScheduled", "TaskStarted"]
    return [
        HistoryRow(first + i, at, json.dumps({"type": kind, "id": first + i, "details": {"output": output}}))
        for i, kind in enumerate(kinds)
    ]


async def measure(admin_dsn: str, variant: str, n: int, together: int) -> dict[str, float]:
    options, transition = VARIANTS[variant]
    db = f"stepstone_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{db}"')
    dsn = re.sub(r"/[^/]*$", f"/{db}", admin_dsn)
    connection._OPTIONS = options
    connection.Q["transition"] = transition
    store = PostgresStore(dsn)
    await store.open()
    try:
        now = datetime.now(UTC)
        await store.create_state_machine(
            StateMachineRow(SM, "bench", "STANDARD", "role", "{}", "r1", now, now)
        )
        rows = []
        for i in range(n):
            arn = SM.replace("stateMachine", "execution") + f":e{i}"
            row, _ = await store.create_execution(
                ExecutionRow(arn, SM, f"e{i}", "r1", "RUNNING", "{}", now), "{}"
            )
            inbox = await store.next_inbox(arn)
            assert inbox is not None
            rows.append((row, inbox.id))
        state = json.dumps({"status": "RUNNING", "input": {"orderId": "o-1"}, "current": "Next"})
        transitions = [
            Transition(row.arn, row.version, inbox, state, "RUNNING", history=history(2, now), outbox=["{}"])
            for row, inbox in rows
        ]
        cpu0, db0, wall0 = time.thread_time(), backend_cpu(admin_dsn, db), time.perf_counter()
        for first in range(0, n, together):
            await asyncio.gather(*map(store.commit_transition, transitions[first : first + together]))
        wall = time.perf_counter() - wall0
        cpu, db_cpu = time.thread_time() - cpu0, backend_cpu(admin_dsn, db) - db0
    finally:
        await store.close()
        with psycopg.connect(admin_dsn, autocommit=True) as c:
            c.execute(f'DROP DATABASE "{db}"')
    return {"node_us": cpu / n * 1e6, "db_us": db_cpu / n * 1e6, "wall_us": wall / n * 1e6}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--together", default="1", help="comma-separated: commits handed over at once")
    ap.add_argument(
        "--variants", default=",".join(VARIANTS), help="comma-separated, of: " + ", ".join(VARIANTS)
    )
    ap.add_argument(
        "--pg", default=os.environ.get("STEPSTONE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = ap.parse_args()
    sizes = [int(k) for k in args.together.split(",")]
    results: dict[tuple[str, int], list[dict[str, float]]] = {
        (v, k): [] for v in args.variants.split(",") for k in sizes
    }
    for _ in range(args.rounds):
        for variant, together in results:
            results[variant, together].append(asyncio.run(measure(args.pg, variant, args.n, together)))
    print("| variant | handed over at once | node CPU us/commit | database CPU us/commit | wall us/commit |")
    print("|---|---|---|---|---|")
    for (variant, together), runs in results.items():
        cells = [statistics.median(r[k] for r in runs) for k in ("node_us", "db_us", "wall_us")]
        print(f"| {variant} | {together} | " + " | ".join(f"{c:,.0f}" for c in cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

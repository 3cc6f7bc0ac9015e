#!/usr/bin/env python3
"""N task timeouts due at the same instant, drained by one SQLite node or K PostgreSQL nodes.

    .venv/bin/python benchmarks/timers.py --n 100000                        # SQLite, one node
    .venv/bin/python benchmarks/timers.py --n 100000 --pg postgresql://... --nodes 2

Parks N executions on an activity task with a one-hour TimeoutSeconds (through the service layer,
no HTTP), then starts K node processes on the same database whose clocks stand past every deadline,
releases them at once and times the drain: each node fires the due timers it can claim and makes the
timeout transitions (Catch -> Pass -> succeeded) until none is left. The figure is the time from the
release to the moment the last node is idle, and every execution is checked to have succeeded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from stepstone.app import build, settle_heap  # noqa: E402
from stepstone.config import Config  # noqa: E402
from stepstone.runtime.clock import SystemClock  # noqa: E402

DEFINITION = {
    "StartAt": "Wait",
    "States": {
        "Wait": {
            "Type": "Task", "Resource": "ACTIVITY", "TimeoutSeconds": 3600, "ResultPath": "$.cb",
            "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.err", "Next": "TimedOut"}],
            "End": True,
        },
        "TimedOut": {"Type": "Pass", "End": True},
    },
}  # fmt: skip


class LaterClock(SystemClock):
    """The system clock, moved past every parked deadline."""

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=3700)


def _config(db: str) -> Config:
    if db.startswith("postgresql://"):
        return Config(dsn=db, port=0)  # the nodes' shared token keys: STEPSTONE_TOKEN_KEYS (main)
    return Config(db=Path(db), port=0)


async def park(db: str, n: int) -> str:
    server = build(_config(db))
    await server.store.open()
    try:
        service = server.service
        activity = (await service.create_activity({"name": "timers"}))["activityArn"]
        definition = json.dumps(DEFINITION).replace("ACTIVITY", activity)
        machine = await service.create_state_machine(
            {"name": "timers", "definition": definition, "roleArn": "arn:aws:iam::1:role/r"}
        )
        arn = machine["stateMachineArn"]
        for i in range(n):
            await service.start_execution({"stateMachineArn": arn, "name": f"e{i}", "input": "{}"})
        await server.worker.run_until_idle()  # every execution parked on its task
        return str(arn)
    finally:
        await server.store.close()


async def _drain(db: str, ready: Any, go: Any) -> dict[str, float]:
    server = build(_config(db))
    await server.store.open()
    try:
        server.worker.clock = LaterClock()
        settle_heap()  # as `stepstone serve` does once it has started
        ready.release()
        while not go.is_set():  # the release, without blocking this process's event loop
            await asyncio.sleep(0.001)
        made = await server.worker.run_until_idle(max_rounds=1_000_000)
        return {"end": time.time(), "transitions": made}
    finally:
        await server.store.close()


def node(db: str, ready: Any, go: Any, out: Any) -> None:
    out.put(asyncio.run(_drain(db, ready, go)))


async def outcome(db: str, machine: str) -> dict[str, int]:
    server = build(_config(db))
    await server.store.open()
    try:
        counts: dict[str, int] = {}
        token = None
        while True:
            page = await server.store.list_executions(machine, None, 1000, token)
            for row in page.rows:
                counts[row.status] = counts.get(row.status, 0) + 1
            token = page.next_after
            if token is None:
                return counts
    finally:
        await server.store.close()


def run(db: str, n: int, nodes: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    machine = asyncio.run(park(db, n))
    park_s = time.perf_counter() - t0
    ctx = mp.get_context("spawn")
    ready, go, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=node, args=(db, ready, go, out)) for _ in range(nodes)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    released = time.time()
    go.set()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return {
        "executions": n,
        "nodes": nodes,
        "park_s": round(park_s, 1),
        "drain_s": round(max(r["end"] for r in results) - released, 3),
        "transitions_by_node": [r["transitions"] for r in results],
        "transitions_per_s": round(n / (max(r["end"] for r in results) - released), 1),
        "statuses": asyncio.run(outcome(db, machine)),
        "loadavg_1m_before": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--pg", default=None, help="a PostgreSQL server's URL (a throwaway database is made)")
    ap.add_argument("--nodes", type=int, default=1)
    args = ap.parse_args(argv)
    if args.pg is None:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps({"store": "sqlite", **run(str(Path(tmp) / "timers.db"), args.n, args.nodes)}))
        return 0
    import psycopg

    keys = {"active": "k1", "keys": {"k1": secrets.token_hex(32)}}
    os.environ.setdefault("STEPSTONE_TOKEN_KEYS", json.dumps(keys))  # every node verifies every token
    name = f"stepstone_timers_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        dsn = urlunsplit(urlsplit(args.pg)._replace(path=f"/{name}"))  # a URL: that is how serve tells
        print(json.dumps({"store": "postgres", **run(dsn, args.n, args.nodes)}))
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Figures for docs/operating.md's sizing table: what an execution costs on disk, what a scrape costs,
how fast retention deletes and a backup copies.

    .venv/bin/python benchmarks/ops_sizing.py [--parked 10000] [--closed 10000] [--dsn postgresql://...]

On a temporary SQLite file (or the PostgreSQL database `--dsn` names; it must be empty), through the
service layer and the worker, no HTTP: parks N executions on an activity task, measures the file,
one /metrics render (its database snapshot included); closes N executions of the 20-Pass chain,
measures again; prunes them all and times it; copies the file with `stepstone db backup`'s call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from profile_server import def_chain  # noqa: E402

from stepstone.app import build  # noqa: E402
from stepstone.config import Config  # noqa: E402
from stepstone.runtime.retention import prune  # noqa: E402
from stepstone.web.ops import OpsApp  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/r"


def size(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        return int(conn.execute("PRAGMA page_count").fetchone()[0]) * int(page)


async def timed_scrape(ops: OpsApp, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        await ops.metrics()
        best = min(best, time.perf_counter() - t0)
    return best


async def measure(db: Path | None, dsn: str | None, parked: int, closed: int) -> dict[str, Any]:
    server = build(Config(db=db, dsn=dsn, port=0))
    await server.store.open()
    out: dict[str, Any] = {"store": "postgresql" if dsn else "sqlite"}
    try:
        service, ops = server.service, OpsApp(server.health)
        activity = await service.create_activity({"name": "wait"})
        task = {"Type": "Task", "Resource": activity["activityArn"], "End": True}
        definition = json.dumps({"StartAt": "A", "States": {"A": task}})
        waits = await service.create_state_machine(
            {"name": "waits", "roleArn": ROLE, "definition": definition}
        )
        chain = await service.create_state_machine(
            {"name": "chain", "definition": json.dumps(def_chain()), "roleArn": ROLE}
        )
        base = size(db) if db else 0
        out["scrape_empty_s"] = round(await timed_scrape(ops), 4)
        for i in range(parked):
            await service.start_execution({"stateMachineArn": waits["stateMachineArn"], "name": f"p{i}"})
        await server.worker.run_until_idle()
        if db:
            out["bytes_per_parked_execution"] = round((size(db) - base) / max(parked, 1))
        out["parked"] = parked
        out["scrape_with_parked_s"] = round(await timed_scrape(ops), 4)
        before = size(db) if db else 0
        payload = json.dumps({"payload": {"a": 1, "tag": "x" * 32}})
        for i in range(closed):
            await service.start_execution(
                {"stateMachineArn": chain["stateMachineArn"], "name": f"c{i}", "input": payload}
            )
        await server.worker.run_until_idle()
        if db:
            out["bytes_per_closed_execution_20_states"] = round((size(db) - before) / max(closed, 1))
        t0 = time.perf_counter()
        pruned = await prune(server.store, server.worker.clock.now() + timedelta(seconds=1))
        elapsed = time.perf_counter() - t0
        out["pruned"] = pruned
        out["prune_executions_per_s"] = round(pruned / elapsed)
        out["scrape_after_prune_s"] = round(await timed_scrape(ops), 4)
        if db:
            copy = db.with_name("copy.db")
            t0 = time.perf_counter()
            src, dst = sqlite3.connect(db), sqlite3.connect(copy)
            src.backup(dst)
            src.close()
            dst.close()
            seconds = time.perf_counter() - t0
            out["backup_mb"] = round(copy.stat().st_size / 1e6, 1)
            out["backup_mb_per_s"] = round(copy.stat().st_size / 1e6 / seconds)
    finally:
        await server.store.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parked", type=int, default=10_000)
    ap.add_argument("--closed", type=int, default=10_000)
    ap.add_argument("--dsn", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = None if args.dsn else Path(tmp) / "sizing.db"
        print(json.dumps(asyncio.run(measure(db, args.dsn, args.parked, args.closed))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

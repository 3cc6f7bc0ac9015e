#!/usr/bin/env python3
"""Where a task-timeout transition's time goes (the W5same workload), without HTTP or a client.

    .venv/bin/python benchmarks/profile_timeouts.py [--n 10000] [--profile cprofile|pyinstrument|none]

Builds the real server on a temporary SQLite file, parks N executions on an activity task with a
one-hour TimeoutSeconds, then moves the worker's clock past the deadline and times the drain: every
timer fires at once and each execution makes its timeout transition (Catch -> Pass -> succeeded).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.timers import LaterClock, park  # noqa: E402
from stepstone.app import build, settle_heap  # noqa: E402
from stepstone.config import Config  # noqa: E402


async def measure(db: Path, n: int, profile: str, pause: float = 0.0) -> dict[str, Any]:
    await park(str(db), n)  # N executions parked on their tasks, by a server that then stops
    server = build(Config(db=db, port=0))
    await server.store.open()
    settle_heap()  # as `stepstone serve` does once it has started
    try:
        server.worker.clock = LaterClock()
        if pause:  # time to attach a sampling profiler to this process (py-spy record --pid)
            print(f"parked; draining in {pause} s", flush=True)
            await asyncio.sleep(pause)
        t0 = time.perf_counter()
        report = ""
        if profile == "cprofile":
            prof = cProfile.Profile()
            prof.enable()
            made = await server.worker.run_until_idle()
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(35)
            report = out.getvalue()
        elif profile == "pyinstrument":
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled")
            profiler.start()
            made = await server.worker.run_until_idle()
            profiler.stop()
            report = profiler.output_text(unicode=False, color=False)
        else:
            made = await server.worker.run_until_idle()
        drain = time.perf_counter() - t0
    finally:
        await server.store.close()
    return {
        "executions": n,
        "timeout_transitions": made,
        "drain_s": round(drain, 3),
        "transitions_per_s": round(made / drain, 1),
        "profile": report,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--profile", choices=("cprofile", "pyinstrument", "none"), default="none")
    ap.add_argument("--pause", type=float, default=0.0, help="seconds to wait before the drain")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(Path(tmp) / "timeouts.db", args.n, args.profile, args.pause))
    report = result.pop("profile")
    print(json.dumps(result))
    if report:
        print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

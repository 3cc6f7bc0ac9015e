#!/usr/bin/env python3
"""Where the durable server's time goes, without HTTP or a client in the way.

    .venv/bin/python benchmarks/profile_server.py [--n 2000] [--profile cprofile|pyinstrument|none]

Builds the real server (`stepstone.app.build`) on a temporary SQLite file, starts N executions of the
20-Pass chain through the service layer (what the API handler calls), then lets the worker drain
them, and reports the worker's durable transitions per second (each execution is one transaction,
20 AWS state transitions). With --profile, the drain phase runs under cProfile (top functions by
own time) or pyinstrument (a call tree).

The HTTP edge and threads are seen best from outside, on a running `stepstone serve`:

    py-spy record --pid PID --gil -f raw -o profile.txt -d 10    # while benchmarks/server.py runs W1
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

from stepstone.app import build  # noqa: E402
from stepstone.config import Config  # noqa: E402

CHAIN_LEN = 20


def def_chain(n_states: int = CHAIN_LEN) -> dict[str, Any]:
    """The W1 definition of the peer harness: Pass states with Parameters and ResultPath."""
    states: dict[str, Any] = {}
    for i in range(1, n_states + 1):
        state: dict[str, Any] = {
            "Type": "Pass",
            "Parameters": {"step": i, "a.$": "$.payload.a", "tag.$": "$.payload.tag"},
            "ResultPath": "$.last",
        }
        if i < n_states:
            state["Next"] = f"S{i + 1:02d}"
        else:
            state["End"] = True
        states[f"S{i:02d}"] = state
    return {"StartAt": "S01", "States": states}


async def measure(db: Path, n: int, profile: str) -> dict[str, Any]:
    server = build(Config(db=db, port=0))
    # The worker is driven by hand (run_until_idle), not by run_forever, so the drain can be timed.
    await server.store.open()
    try:
        service = server.service
        machine = await service.create_state_machine(
            {"name": "chain", "definition": json.dumps(def_chain()), "roleArn": "arn:aws:iam::1:role/r"}
        )
        t0 = time.perf_counter()
        for i in range(n):
            await service.start_execution(
                {
                    "stateMachineArn": machine["stateMachineArn"],
                    "name": f"e{i}",
                    "input": json.dumps({"payload": {"a": i, "tag": "x" * 32}}),
                }
            )
        t_started = time.perf_counter()
        report = ""
        if profile == "cprofile":
            prof = cProfile.Profile()
            prof.enable()
            made = await server.worker.run_until_idle()
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(30)
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
        t_done = time.perf_counter()
    finally:
        await server.store.close()
    drain = t_done - t_started
    return {
        "executions": n,
        "worker_transactions": made,
        "start_phase_s": round(t_started - t0, 3),
        "starts_per_s": round(n / (t_started - t0), 1),
        "drain_s": round(drain, 3),
        "executions_per_s": round(n / drain, 1),
        "state_transitions_per_s": round(n * CHAIN_LEN / drain, 1),
        "profile": report,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--profile", choices=("cprofile", "pyinstrument", "none"), default="none")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(Path(tmp) / "profile.db", args.n, args.profile))
    report = result.pop("profile")
    print(json.dumps(result))
    if report:
        print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

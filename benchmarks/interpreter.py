#!/usr/bin/env python3
"""Interpreter throughput: state transitions per second of `decide`, beside two peers, in one run.

    .venv/bin/python benchmarks/interpreter.py [--install-als] [--json OUT] [--quick]

Workloads (each execution's full history is built, as the runtime would store it):
  chain  20 Pass states with Parameters + ResultPath; many executions, one Start event each
  loop   a Choice loop: Pass adds 1 with States.MathAdd, Choice NumericLessThanPath; 5,000 iterations

Peers: aws-local-stepfunctions (npm, in-process Node; `--install-als` installs it into a scratch dir
with peers/install_als.sh) and moto 5.2.1's interpreter (pip `moto[server]==5.2.1`, driven in-process
by peers/moto_inproc.py). moto is slow, so it runs fewer executions / iterations; the rate is what
compares. A peer that is not installed is reported as unavailable, with the reason.

Prints the machine, a table and a JSON document, then a cProfile of our loop workload.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from stepstone.engine.commands import ArmTimer  # noqa: E402
from stepstone.engine.decide import decide  # noqa: E402
from stepstone.engine.events import ExecutionInfo, Start, TimerFired  # noqa: E402
from stepstone.engine.program import load_program  # noqa: E402

CHAIN_LEN = 20
LOOP_N = 5_000
INFO = ExecutionInfo(
    execution_arn="arn:aws:states:us-east-1:123456789012:execution:bench:one",
    name="one",
    state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:bench",
    state_machine_name="bench",
)


def def_chain(n_states: int = CHAIN_LEN) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i in range(1, n_states + 1):
        state: dict[str, Any] = {
            "Type": "Pass",
            "Parameters": {"step": i, "a.$": "$.payload.a", "tag.$": "$.payload.tag"},
            "ResultPath": "$.last",
        }
        state.update({"Next": f"S{i + 1:02d}"} if i < n_states else {"End": True})
        states[f"S{i:02d}"] = state
    return {"Comment": "chain", "StartAt": "S01", "States": states}


def def_loop() -> dict[str, Any]:
    return {
        "Comment": "Choice loop",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Parameters": {"i": 0, "n.$": "$.n"}, "Next": "Add"},
            "Add": {
                "Type": "Pass",
                "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"},
                "Next": "Check",
            },
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Add"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


CHAIN_INPUT = {"payload": {"a": 1, "tag": "x" * 32}}


def chain_transitions(executions: int) -> int:
    return executions * CHAIN_LEN


def loop_transitions(n: int) -> int:
    return 2 * n + 2  # Init, n x (Add, Check), Done


# ----------------------------------------------------------------------------- ours
def _mint(task_id: str) -> str:
    return f"token-{task_id}"


def run_ours(definition: dict[str, Any], payload: Any, executions: int) -> tuple[Any, int]:
    """Run executions through decide; returns the last output and the history events built."""
    program = load_program(definition)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    output: Any = None
    events = 0
    for seed in range(executions):
        decision = decide(program, None, Start(payload, INFO), now=now, seed=seed, mint_token=_mint)
        events += len(decision.history)
        # decide yields after MAX_TRANSITIONS synchronous states through an immediate timer: fire it.
        while decision.state.status == "RUNNING":
            timers = [c.timer_id for c in decision.commands if isinstance(c, ArmTimer)]
            if len(timers) != 1:
                raise RuntimeError(f"our execution waits on {decision.commands}")
            decision = decide(
                program, decision.state, TimerFired(timers[0]), now=now, seed=seed, mint_token=_mint
            )
            events += len(decision.history)
        if decision.state.status != "SUCCEEDED":
            raise RuntimeError(f"our execution ended {decision.state.status}: {decision.state.cause}")
        output = decision.state.output
    return output, events


def best_of(repeats: int, fn: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


# ----------------------------------------------------------------------------- peers
def als_dir() -> Path:
    return Path(os.environ.get("ALS_DIR") or Path(os.environ.get("TMPDIR", "/tmp")) / "stepstone-bench-als")


def run_als(definition: dict[str, Any], payload: Any, executions: int, repeats: int) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        return {"unavailable": "node is not installed"}
    directory = als_dir()
    if not (directory / "node_modules" / "aws-local-stepfunctions").is_dir():
        return {
            "unavailable": f"aws-local-stepfunctions not installed (run with --install-als, dir {directory})"
        }
    proc = subprocess.run(
        [
            node,
            str(HERE / "peers" / "als_run.mjs"),
            json.dumps(definition),
            json.dumps(payload),
            str(executions),
            str(repeats),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "ALS_DIR": str(directory)},
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        return {"unavailable": f"node failed: {proc.stderr.strip()[-300:]}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_moto(definition: dict[str, Any], payload: Any, executions: int) -> dict[str, Any]:
    try:
        from benchmarks.peers.moto_inproc import time_executions
    except ImportError as exc:  # moto or boto3 missing
        return {"unavailable": f"moto is not installed ({exc}); pip install 'moto[server]==5.2.1'"}
    try:
        return time_executions(definition, payload, executions)
    except Exception as exc:  # a peer's failure is reported, not fatal
        return {"unavailable": f"moto failed: {type(exc).__name__}: {exc}"}


# ----------------------------------------------------------------------------- report
def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    node = shutil.which("node")
    node_version = (
        subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
        if node
        else None
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "node": node_version,
    }


def profile_loop(n: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    run_ours(def_loop(), {"n": n}, 1)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chain-executions", type=int, default=2_000)
    ap.add_argument("--loop-n", type=int, default=LOOP_N)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--moto-chain-executions", type=int, default=10)
    ap.add_argument("--moto-loop-n", type=int, default=100)
    ap.add_argument("--install-als", action="store_true", help="install aws-local-stepfunctions first")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--profile-top", type=int, default=20)
    ap.add_argument("--json", dest="json_out", default=None, help="also write the JSON document here")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    a = ap.parse_args(argv)
    if a.quick:
        a.chain_executions, a.loop_n, a.repeats, a.moto_chain_executions, a.moto_loop_n = 50, 200, 1, 2, 10
    if a.install_als:
        subprocess.run(["bash", str(HERE / "peers" / "install_als.sh"), str(als_dir())], check=True)

    rows: list[dict[str, Any]] = []

    def add(engine: str, workload: str, transitions: int, figures: dict[str, Any]) -> None:
        if "unavailable" in figures:
            rows.append({"engine": engine, "workload": workload, "unavailable": figures["unavailable"]})
            return
        seconds = figures["seconds"]
        rows.append(
            {
                "engine": engine,
                "workload": workload,
                "transitions": transitions,
                "seconds": round(seconds, 4),
                "transitions_per_s": round(transitions / seconds, 1),
                **{k: v for k, v in figures.items() if k not in ("seconds", "output")},
            }
        )

    seconds, (output, events) = best_of(
        a.repeats, lambda: run_ours(def_chain(), CHAIN_INPUT, a.chain_executions)
    )
    assert output["last"]["step"] == CHAIN_LEN, output
    add(
        "stepstone decide",
        "chain",
        chain_transitions(a.chain_executions),
        {"seconds": seconds, "history_events": events},
    )
    seconds, (output, events) = best_of(a.repeats, lambda: run_ours(def_loop(), {"n": a.loop_n}, 1))
    assert output["i"] == a.loop_n, output
    add(
        "stepstone decide", "loop", loop_transitions(a.loop_n), {"seconds": seconds, "history_events": events}
    )

    if not a.no_peers:
        als = run_als(def_chain(), CHAIN_INPUT, a.chain_executions, a.repeats)
        add("aws-local-stepfunctions", "chain", chain_transitions(a.chain_executions), als)
        als = run_als(def_loop(), {"n": a.loop_n}, 1, a.repeats)
        add("aws-local-stepfunctions", "loop", loop_transitions(a.loop_n), als)
        moto = run_moto(def_chain(), CHAIN_INPUT, a.moto_chain_executions)
        add("moto 5.2.1", "chain", chain_transitions(a.moto_chain_executions), moto)
        moto = run_moto(def_loop(), {"n": a.moto_loop_n}, 1)
        add("moto 5.2.1", "loop", loop_transitions(a.moto_loop_n), moto)

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, node {info['node']}")
    print(f"{'engine':<26} {'workload':<8} {'transitions':>11} {'seconds':>9} {'transitions/s':>14}")
    for row in rows:
        if "unavailable" in row:
            print(f"{row['engine']:<26} {row['workload']:<8} unavailable: {row['unavailable']}")
        else:
            print(
                f"{row['engine']:<26} {row['workload']:<8} {row['transitions']:>11} "
                f"{row['seconds']:>9.3f} {row['transitions_per_s']:>14,.0f}"
            )
    document = {"machine": info, "results": rows}
    print(json.dumps(document))
    if a.json_out:
        Path(a.json_out).write_text(json.dumps(document, indent=1))
    print(f"\ncProfile of our loop workload ({a.loop_n} iterations), by own time:")
    print(profile_loop(a.loop_n, a.profile_top))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""`stepstone run` on a Pass + Choice loop, in JSONPath and in JSONata, beside aws-local-stepfunctions.

    .venv/bin/python benchmarks/run_loop.py [--transitions 8000] [--rounds 3] [--profile jsonpath|jsonata]

Each round runs, back to back so that they see the same load: the JSONPath loop and the JSONata loop
through the `stepstone run` command in this process (`stepstone.cli.main`, definition file read,
validated and loaded, output printed to /dev/null), the same loops through `InProcessRunner` alone,
and the JSONPath loop in aws-local-stepfunctions (peers/als_loop.mjs, a copy of the shared bench's;
install it with peers/install_als.sh, or start_als.sh DIR and ALS_DIR=DIR). Each figure is the best
of 3 tries within the round; the table shows the median over the rounds, and the JSONata/JSONPath
ratio is the median of each round's own ratio. `--profile` prints a cProfile of one runner pass instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.interpreter import def_loop as jsonpath_loop  # noqa: E402
from stepstone.cli.main import main as cli_main  # noqa: E402
from stepstone.integrations.base import Registry  # noqa: E402
from stepstone.runtime.inprocess import InProcessRunner  # noqa: E402


def jsonata_loop() -> dict[str, Any]:
    """The loop of interpreter.py (`def_loop`) in JSONata."""
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Output": {"i": 0, "n": "{% $states.input.n %}"}, "Next": "Add"},
            "Add": {
                "Type": "Pass",
                "Output": {"i": "{% $states.input.i + 1 %}", "n": "{% $states.input.n %}"},
                "Next": "Check",
            },
            "Check": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.i < $states.input.n %}", "Next": "Add"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


LOOPS = {"jsonpath": jsonpath_loop, "jsonata": jsonata_loop}


def iterations(transitions: int) -> int:
    return (transitions - 2) // 2  # Init, n x (Add, Check), Done


def best_of(tries: int, once: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(tries):
        t0 = time.perf_counter()
        once()
        best = min(best, time.perf_counter() - t0)
    return best


def via_command(path: Path, n: int) -> Callable[[], None]:
    def once() -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli_main(["run", str(path), "--input", json.dumps({"n": n})])
        result = json.loads(out.getvalue())
        assert code == 0 and result["output"] == {"i": n, "n": n}, result

    return once


def via_runner(definition: dict[str, Any], n: int) -> Callable[[], None]:
    def once() -> None:
        runner = InProcessRunner(definition, registry=Registry())
        runner.start({"n": n})
        result = asyncio.run(runner.run_until_idle())
        assert result.status == "SUCCEEDED" and result.output == {"i": n, "n": n}, result

    return once


def via_als(definition: dict[str, Any], n: int) -> float | None:
    """Seconds of the best of 5 runs in aws-local-stepfunctions, or None when it is not installed."""
    node = shutil.which("node")
    directory = os.environ.get("ALS_DIR") or str(Path(tempfile.gettempdir()) / "stepstone-bench-als")
    if node is None or not (Path(directory) / "node_modules" / "aws-local-stepfunctions").is_dir():
        return None
    proc = subprocess.run(
        [node, str(HERE / "peers" / "als_loop.mjs"), json.dumps(definition), str(n)],
        capture_output=True, text=True, check=True, env={**os.environ, "ALS_DIR": directory},
    )  # fmt: skip
    return float(proc.stdout.strip().splitlines()[-1])


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc {os.cpu_count()}, {model}, Python {platform.python_version()}, load average {load}"


def profile(name: str, n: int) -> None:
    once = via_runner(LOOPS[name](), n)
    once()  # warm caches, as every measured try after the first is
    profiler = cProfile.Profile()
    profiler.runcall(once)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transitions", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=sorted(LOOPS))
    args = parser.parse_args(argv)
    n = iterations(args.transitions)
    transitions = 2 * n + 2
    if args.profile:
        profile(args.profile, n)
        return 0
    print(f"machine at start: {machine()}")
    figures: dict[str, list[float]] = {}
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        paths = {}
        for name, build in LOOPS.items():
            paths[name] = Path(scratch) / f"{name}.asl.json"
            paths[name].write_text(json.dumps(build()))
        for _ in range(args.rounds):
            rates = {}
            for name, build in LOOPS.items():
                rates[f"stepstone run, {name}"] = transitions / best_of(3, via_command(paths[name], n))
                rates[f"InProcessRunner, {name}"] = transitions / best_of(3, via_runner(build(), n))
            als = via_als(jsonpath_loop(), n)
            if als is not None:
                rates["aws-local-stepfunctions, jsonpath"] = transitions / als
            ratios.append(rates["stepstone run, jsonpath"] / rates["stepstone run, jsonata"])
            for key, value in rates.items():
                figures.setdefault(key, []).append(value)
    print(f"machine at end:   {machine()}")
    print(f"{'loop of ' + format(transitions, ',') + ' transitions':<40} {'median tr/s':>12}  rounds")
    for key, values in figures.items():
        rounds = ", ".join(f"{v:,.0f}" for v in values)
        print(f"{key:<40} {statistics.median(values):>12,.0f}  {rounds}")
    print(f"JSONata time / JSONPath time through `stepstone run`: median {statistics.median(ratios):.2f} "
          f"({', '.join(f'{r:.2f}' for r in ratios)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

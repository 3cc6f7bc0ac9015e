#!/usr/bin/env python3
"""A 20-state chain in JSONata beside the same chain in JSONPath: transitions per second of `decide`.

    .venv/bin/python benchmarks/jsonata_chain.py [--executions N] [--repeats R]

Pure decide, history included (each execution's events are built as the runtime would store them).
Both chains do the same work per state: build {"step", "a", "tag"} from the input and put it under
`last`; the JSONata chain also assigns one variable per state. Expressions are compiled once, by
load_program, so the figure is the cost of evaluating them (jlens) plus `$states` and the context.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepstone.engine.decide import decide
from stepstone.engine.events import ExecutionInfo, Start
from stepstone.engine.program import load_program

CHAIN_LEN = 20
INPUT = {"payload": {"a": 1, "tag": "x" * 32}}
INFO = ExecutionInfo(
    execution_arn="arn:aws:states:us-east-1:123456789012:execution:bench:one",
    name="one",
    state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:bench",
    state_machine_name="bench",
)


def _link(i: int) -> dict[str, Any]:
    return {"Next": f"S{i + 1:02d}"} if i < CHAIN_LEN else {"End": True}


def jsonpath_chain() -> dict[str, Any]:
    states = {
        f"S{i:02d}": {
            "Type": "Pass",
            "Parameters": {"step": i, "a.$": "$.payload.a", "tag.$": "$.payload.tag"},
            "ResultPath": "$.last",
            **_link(i),
        }
        for i in range(1, CHAIN_LEN + 1)
    }
    return {"StartAt": "S01", "States": states}


def jsonata_chain() -> dict[str, Any]:
    states = {
        f"S{i:02d}": {
            "Type": "Pass",
            "Output": {
                "payload": "{% $states.input.payload %}",
                "last": {
                    "step": i,
                    "a": "{% $states.input.payload.a %}",
                    "tag": "{% $states.input.payload.tag %}",
                },
            },
            "Assign": {"count": f"{{% $states.input.payload.a + {i} %}}"},
            **_link(i),
        }
        for i in range(1, CHAIN_LEN + 1)
    }
    return {"QueryLanguage": "JSONata", "StartAt": "S01", "States": states}


def rate(definition: dict[str, Any], executions: int, repeats: int) -> tuple[float, Any]:
    program = load_program(definition)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    best = float("inf")
    output: Any = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        for seed in range(executions):
            decision = decide(
                program, None, Start(INPUT, INFO), now=now, seed=seed, mint_token=lambda a, b: ""
            )
            assert decision.state.status == "SUCCEEDED", decision.state.cause
            output = decision.state.output
        best = min(best, time.perf_counter() - t0)
    return executions * CHAIN_LEN / best, output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--executions", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    jsonpath, out_path = rate(jsonpath_chain(), args.executions, args.repeats)
    jsonata, out_ata = rate(jsonata_chain(), max(args.executions // 5, 1), args.repeats)
    assert out_path == out_ata, (out_path, out_ata)  # the two chains compute the same output
    print(f"{'chain (20 Pass states)':<28} {'transitions/s':>14}")
    print(f"{'JSONPath':<28} {jsonpath:>14,.0f}")
    print(f"{'JSONata':<28} {jsonata:>14,.0f}")
    print(f"JSONata / JSONPath: {jsonata / jsonpath:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

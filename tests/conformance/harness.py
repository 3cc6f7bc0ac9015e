"""Load the recorded AWS conformance cases and run one through the in-process runner.

The comparison rules are run.py's own (imported from the cases' directory, never copied), so a case
passes here exactly when it would pass against a server.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from stepstone.integrations.base import Registry
from stepstone.integrations.functions import FunctionIntegration
from stepstone.runtime.inprocess import run_execution

REPO = Path(__file__).resolve().parents[2]

#: needs -> why we do not run such cases: they call services stepstone does not offer.
UNSUPPORTED = {
    "sqs": "needs Amazon SQS",
    "sns": "needs Amazon SNS",
    "dynamodb": "needs Amazon DynamoDB",
    "aws-sdk": "needs aws-sdk service integrations",
    "ItemReader": "needs S3 (runs against moto in tests/aws/test_distributed_map_conformance.py)",
    "ResultWriter": "needs an S3 ResultWriter",
    "sfn": "needs nested Step Functions executions (states:startExecution)",
    "events": "needs Amazon EventBridge",
    "apigateway": "needs Amazon API Gateway",
    "other-service": "needs another AWS service",
    "activity": "needs activity workers",
}


def cases_dir() -> Path:
    return Path(os.environ.get("STEPSTONE_CONFORMANCE_DIR") or REPO.parent / "shared" / "conformance")


def load_cases(directory: Path) -> list[dict[str, Any]]:
    with open(directory / "public.jsonl") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_run_module(directory: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("stepstone_conformance_run", directory / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: What a `stepstone serve` process offers beyond the in-process runner (which has no store to start
#: nested executions in).
SERVER_SUPPORTS = frozenset({"sfn"})


def skip_reason(case: dict[str, Any], supported: frozenset[str] = frozenset()) -> str | None:
    """Why a case cannot run here (`supported`: needs this runner offers beyond the default), or None."""
    for need in case["needs"]:
        if need in UNSUPPORTED and need not in supported:
            return UNSUPPORTED[need]
    if "Timestamp" in case["definition"] and _placeholders(
        json.loads(case["definition"]), json.loads(case["input"])
    ):
        # The recorder replaced timestamps with a placeholder word: the comparison AWS made is lost.
        return "a timestamp operand was replaced by a placeholder when the case was recorded"
    if "lambda" in case["needs"] and not case.get("resources"):
        # The recorder replaced the function name with a placeholder and kept no mapping: which
        # function AWS ran cannot be known, so the case cannot be reproduced.
        return "the recorded Lambda function name was normalised away (no resources entry)"
    return None


def _placeholders(*values: Any) -> bool:
    """True when a string value is one of the recorder's wildcard words (run.py's WILDCARD_WORDS)."""
    for value in values:
        if isinstance(value, str) and value in ("date", "datetime", "timestamp"):
            return True
        if isinstance(value, dict) and _placeholders(*value.values()):
            return True
        if isinstance(value, list) and _placeholders(*value):
            return True
    return False


@dataclass
class Outcomes:
    """What each case did this session, for the summary by feature."""

    label: str = "in-process"
    by_id: dict[str, str] = field(default_factory=dict)  # id -> passed / failed / xfailed / skipped
    needs: dict[str, list[str]] = field(default_factory=dict)

    def record(self, case: dict[str, Any], outcome: str) -> None:
        self.by_id[case["id"]] = outcome
        self.needs[case["id"]] = case["needs"]

    def table(self) -> list[str]:
        per: dict[str, dict[str, int]] = {}
        for case_id, outcome in self.by_id.items():
            for need in self.needs[case_id]:
                per.setdefault(need, {"passed": 0, "failed": 0, "xfailed": 0, "skipped": 0})[outcome] += 1
        lines = [f"{'feature':<18} {'passed':>7} {'failed':>7} {'xfail':>6} {'skipped':>8} {'rate':>7}"]
        for need in sorted(per):
            c = per[need]
            ran = c["passed"] + c["failed"] + c["xfailed"]
            rate = f"{100.0 * c['passed'] / ran:6.1f}%" if ran else "      -"
            lines.append(
                f"{need:<18} {c['passed']:>7} {c['failed']:>7} {c['xfailed']:>6} {c['skipped']:>8} {rate}"
            )
        counts = {
            k: sum(1 for o in self.by_id.values() if o == k)
            for k in ("passed", "failed", "xfailed", "skipped")
        }
        ran = counts["passed"] + counts["failed"] + counts["xfailed"]
        lines.append(
            f"conformance ({self.label}): {counts['passed']}/{ran} passed "
            f"({100.0 * counts['passed'] / ran if ran else 0.0:.1f}%), "
            f"{counts['xfailed']} known gaps, {counts['skipped']} skipped (reasons above)"
        )
        return lines


OUTCOMES = Outcomes()
API_OUTCOMES = Outcomes("API, stepstone serve")


def run_case(case: dict[str, Any], run_module: ModuleType, registry: Registry) -> list[str]:
    """Run a case in-process and return run.py's diffs (empty when it matches AWS)."""
    definition = run_module.prepare_definition(case)
    result = asyncio.run(
        run_execution(definition, json.loads(case["input"]), registry=registry, max_events=20_000)
    )
    got = result.to_json()
    if result.status == "SUCCEEDED":
        got["output"] = json.dumps(result.output)
    diffs: list[str] = run_module.compare(case["expect"], got)
    return diffs


def function_registry(directory: Path) -> Registry:
    registry = Registry()
    FunctionIntegration.from_files([directory / "functions.py"]).register_into(registry)
    return registry

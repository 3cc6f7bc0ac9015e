"""The official JSONata test-suite subset (tests/asl/jsonata_suite), run through stepstone.asl.jsonata."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from stepstone.asl.env import Env
from stepstone.asl.errors import AslFailure
from stepstone.asl.jsonata import UNDEFINED, JsonataSyntaxError, compile_expression

SUITE = Path(__file__).parent / "jsonata_suite"
DATASETS: dict[str, Any] = json.loads((SUITE / "datasets.json").read_text())["datasets"]
CASES = [json.loads(line) for line in (SUITE / "cases.jsonl").read_text().splitlines() if line]

# Known gaps, each a strict xfail: the case must keep failing, or the entry must go.
KNOWN_GAPS: dict[str, str] = {
    # none today: every case of the subset passes
}


def _same(expected: Any, actual: Any, unordered: bool) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return False
        if unordered:
            return sorted(map(json.dumps, expected)) == sorted(map(json.dumps, actual))
        return all(_same(e, a, False) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _same(v, actual[k], unordered) for k, v in expected.items()
        )
    return bool(expected == actual)


def _params() -> list[Any]:
    return [
        pytest.param(
            case, id=case["name"], marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[case["name"]])
        )
        if case["name"] in KNOWN_GAPS
        else pytest.param(case, id=case["name"])
        for case in CASES
    ]


def test_the_subset_is_a_few_hundred_cases() -> None:
    assert len(CASES) >= 600
    assert sum(1 for case in CASES if "code" in case) >= 50


@pytest.mark.parametrize("case", _params())
def test_case(case: dict[str, Any]) -> None:
    data = case["data"] if "data" in case else DATASETS.get(case.get("dataset") or "")
    variables = case.get("bindings", {})
    if "code" in case:
        with pytest.raises((JsonataSyntaxError, AslFailure)):
            compile_expression(case["expr"]).evaluate_optional({}, variables, Env(), context_item=data)
        return
    result = compile_expression(case["expr"]).evaluate_optional({}, variables, Env(), context_item=data)
    if case.get("undefinedResult"):
        assert result is UNDEFINED
    else:
        assert result is not UNDEFINED
        assert _same(case["result"], result, bool(case.get("unordered")))

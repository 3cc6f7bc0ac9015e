"""Every recorded AWS case, run in-process; known gaps are strict xfails listed in known_gaps.py."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conformance.aws_env import needs_aws
from tests.conformance.harness import (
    OUTCOMES,
    cases_dir,
    function_registry,
    load_cases,
    load_run_module,
    run_case,
    skip_reason,
)
from tests.conformance.known_gaps import KNOWN_GAPS

DIRECTORY = cases_dir()
AVAILABLE = (DIRECTORY / "public.jsonl").is_file()
# the cases that call SQS, SNS, DynamoDB or aws-sdk:* run against moto in test_conformance_aws.py
CASES = [case for case in (load_cases(DIRECTORY) if AVAILABLE else []) if not needs_aws(case)]


def test_the_cases_are_available() -> None:
    if AVAILABLE:
        assert len(CASES) > 100
        return
    reason = f"no conformance cases at {DIRECTORY} (set STEPSTONE_CONFORMANCE_DIR)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def test_every_known_gap_names_a_case() -> None:
    if not AVAILABLE:
        pytest.skip("no conformance cases")
    assert set(KNOWN_GAPS) <= {case["id"] for case in CASES}


@pytest.fixture(scope="module")
def run_module() -> Any:
    return load_run_module(DIRECTORY)


@pytest.fixture(scope="module")
def registry() -> Any:
    return function_registry(DIRECTORY)


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case["id"] in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[case["id"]], strict=True))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_case(case: dict[str, Any], run_module: Any, registry: Any) -> None:
    reason = skip_reason(case)
    if reason is not None:
        OUTCOMES.record(case, "skipped")
        pytest.skip(reason)
    gap = case["id"] in KNOWN_GAPS
    OUTCOMES.record(case, "xfailed" if gap else "failed")
    diffs = run_case(case, run_module, registry)
    if not diffs:
        OUTCOMES.record(case, "passed")  # a strict xfail that passes is reported by pytest as a failure
    assert not diffs, "\n".join(diffs)

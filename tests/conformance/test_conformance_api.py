"""Every recorded AWS case through the public API: one real `stepstone serve` process (SQLite), boto3.

The cases run with run.py's own `run_case` (CreateStateMachine, StartExecution, DescribeExecution until
the status is terminal, compare), in parallel threads, once for the module; each case's test then
reports its result. The server serves the cases' functions.py, so Lambda cases run as they do
in-process. A case that passes in-process must pass here too: an API-only failure is a server bug
(or, with the real reason, a strict xfail in known_gaps.API_KNOWN_GAPS).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conformance.aws_env import needs_aws
from tests.conformance.harness import (
    API_OUTCOMES,
    SERVER_SUPPORTS,
    cases_dir,
    load_cases,
    load_run_module,
    skip_reason,
)
from tests.conformance.known_gaps import API_KNOWN_GAPS, KNOWN_GAPS
from tests.server.conftest import ServerProcess

pytestmark = pytest.mark.slow

DIRECTORY = cases_dir()
AVAILABLE = (DIRECTORY / "public.jsonl").is_file()
# the cases that call SQS, SNS, DynamoDB or aws-sdk:* run against moto in test_conformance_aws.py
CASES = [case for case in (load_cases(DIRECTORY) if AVAILABLE else []) if not needs_aws(case)]
GAPS = {**KNOWN_GAPS, **API_KNOWN_GAPS}
#: Threads sending cases at once: enough to overlap the polling sleeps on two cores.
PARALLEL = 16
#: Seconds a case may run (the longest recorded retry backs off for up to 8 s in real time).
CASE_TIMEOUT = 20.0


def _skip(case: dict[str, Any]) -> str | None:
    return skip_reason(case, SERVER_SUPPORTS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("conformance-api"), functions=DIRECTORY / "functions.py")
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


@pytest.fixture(scope="module")
def results(server: ServerProcess) -> dict[str, dict[str, Any]]:
    """run.py's result for every case that can run, by case id."""
    run_module = load_run_module(DIRECTORY)
    args = argparse.Namespace(endpoint=f"http://127.0.0.1:{server.port}", timeout=CASE_TIMEOUT)
    runnable = [case for case in CASES if _skip(case) is None]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        done = list(pool.map(lambda case: run_module.run_case(case, args), runnable))
    return {result["id"]: result for result in done}


def test_every_api_gap_names_a_case_that_runs_through_the_api() -> None:
    if not AVAILABLE:
        pytest.skip("no conformance cases")
    runnable = {case["id"] for case in CASES if _skip(case) is None}
    assert set(API_KNOWN_GAPS) <= runnable
    assert not set(API_KNOWN_GAPS) & set(KNOWN_GAPS)


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case["id"] in GAPS:
            marks.append(pytest.mark.xfail(reason=GAPS[case["id"]], strict=True))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_case_through_the_api(case: dict[str, Any], request: pytest.FixtureRequest) -> None:
    reason = _skip(case)
    if reason is not None:
        API_OUTCOMES.record(case, "skipped")
        pytest.skip(reason)
    result = request.getfixturevalue("results")[case["id"]]
    API_OUTCOMES.record(case, "passed" if result["passed"] else "xfailed" if case["id"] in GAPS else "failed")
    assert result["passed"], "\n".join(result["diffs"])

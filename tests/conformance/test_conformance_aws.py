"""The recorded cases that call SQS, SNS, DynamoDB or aws-sdk:*, through a real `stepstone serve`
whose AWS endpoint is a moto server (AWS_ENDPOINT_URL), as a user would run them.

Each case gets an emptied moto, the resources its recorded test had (`aws_env.provision`) and, for
`.waitForTaskToken`, the recorded test's queue consumer, which calls back through the API while
run.py's `run_case` waits for the execution. aws-sdk:sfn cases call the Step Functions API of the
server itself (AWS_ENDPOINT_URL_SFN). The cases run one at a time: they share moto's names.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.aws.motoserver import MotoServer
from tests.conformance.aws_env import consume, needs_aws, provision
from tests.conformance.harness import API_OUTCOMES, cases_dir, load_cases, load_run_module
from tests.conformance.known_gaps import AWS_KNOWN_GAPS, KNOWN_GAPS
from tests.server.conftest import ServerProcess

pytestmark = pytest.mark.slow

DIRECTORY = cases_dir()
CASES = [c for c in (load_cases(DIRECTORY) if (DIRECTORY / "public.jsonl").is_file() else []) if needs_aws(c)]
GAPS = {**KNOWN_GAPS, **AWS_KNOWN_GAPS}
CASE_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def aws_server(moto_session: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("conformance-aws"), functions=DIRECTORY / "functions.py")
    with pytest.MonkeyPatch.context() as env:
        for name, value in moto_session.env.items():
            env.setenv(name, value)
        env.setenv("AWS_ENDPOINT_URL_SFN", f"http://127.0.0.1:{proc.port}")  # aws-sdk:sfn:* calls itself
        proc.start()
    try:
        yield proc
    finally:
        proc.kill()


def test_every_aws_gap_names_an_aws_case() -> None:
    if not CASES:
        pytest.skip("no conformance cases (test_conformance.py says why)")
    assert set(AWS_KNOWN_GAPS) <= {case["id"] for case in CASES}


def _params() -> list[Any]:
    marks = {cid: [pytest.mark.xfail(reason=why, strict=True)] for cid, why in GAPS.items()}
    return [pytest.param(case, id=case["id"], marks=marks.get(case["id"], [])) for case in CASES]


@pytest.mark.parametrize("case", _params())
def test_case_against_moto(case: dict[str, Any], moto: MotoServer, aws_server: ServerProcess) -> None:
    run_module = load_run_module(DIRECTORY)
    queues = provision(case, moto)
    args = argparse.Namespace(endpoint=f"http://127.0.0.1:{aws_server.port}", timeout=CASE_TIMEOUT)
    sfn, sqs = aws_server.client(), moto.client("sqs")
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(run_module.run_case, case, args)
        while not running.done():  # the consumer, until the execution ends (run_case bounds it)
            if not consume(case, sfn, sqs, queues):
                time.sleep(0.05)
        result: dict[str, Any] = running.result()
    outcome = "passed" if result["passed"] else "xfailed" if case["id"] in GAPS else "failed"
    API_OUTCOMES.record(case, outcome)
    assert result["passed"], "\n".join(result["diffs"])

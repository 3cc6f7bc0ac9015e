"""The recorded AWS cases that read items from S3, through a real `stepstone serve` against moto.

Each case gets an emptied moto, the bucket its input names and the object its recorded test wrote
(`item_reader_cases.BODIES`); run.py's own `run_case` runs and compares it. A case of this kind
whose object is not known fails here, so a new recorded case cannot be silently skipped.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.aws.item_reader_cases import BODIES, recorded_test
from tests.aws.motoserver import MotoServer
from tests.conformance.harness import cases_dir, load_cases, load_run_module
from tests.server.conftest import ServerProcess

DIRECTORY = cases_dir()
CASES = [
    c
    for c in (load_cases(DIRECTORY) if (DIRECTORY / "public.jsonl").is_file() else [])
    if "ItemReader" in c["needs"] and not {"sqs", "sns", "dynamodb", "aws-sdk", "lambda"} & set(c["needs"])
]


@pytest.fixture(scope="module")
def reader_server(
    moto_session: MotoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("conformance-s3"))
    with pytest.MonkeyPatch.context() as env:
        for name, value in moto_session.env.items():
            env.setenv(name, value)
        proc.start()
    try:
        yield proc
    finally:
        proc.kill()


def test_there_are_item_reader_cases() -> None:
    if not (DIRECTORY / "public.jsonl").is_file():
        pytest.skip("no conformance cases")
    assert CASES


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_item_reader_case(case: dict[str, Any], moto: MotoServer, reader_server: ServerProcess) -> None:
    data = json.loads(case["input"])
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=data["Bucket"])
    s3.put_object(Bucket=data["Bucket"], Key=data["Key"], Body=BODIES[recorded_test(case)].encode())
    args = argparse.Namespace(endpoint=f"http://127.0.0.1:{reader_server.port}", timeout=30.0)
    result = load_run_module(DIRECTORY).run_case(case, args)
    assert result["passed"], "\n".join(result["diffs"])

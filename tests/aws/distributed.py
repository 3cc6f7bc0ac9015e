"""A real `stepstone serve` pointed at the test's moto server, and helpers to run Distributed Maps on it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.aws.motoserver import MotoServer
from tests.server.conftest import ServerProcess, shared_token_keys

ROLE = "arn:aws:iam::123456789012:role/r"
BUCKET = "items"

FUNCTIONS = """
def fail_odd(event, context):
    if event["n"] % 2:
        raise ValueError("odd " + str(event["n"]))
    return {"even": event["n"]}

def double(event, context):
    return {"n": int(event["n"]) * 2}
"""


def _server(tmp_path: Path, db: str | None = None) -> ServerProcess:
    functions = tmp_path / "functions.py"
    functions.write_text(FUNCTIONS)
    return ServerProcess(
        tmp_path, db, functions=functions, token_keys=None if db is None else shared_token_keys()
    )


@pytest.fixture
def sfn_server(moto: MotoServer, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server on a SQLite file whose AWS calls go to moto (AWS_ENDPOINT_URL, set by `moto`)."""
    proc = _server(tmp_path)
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


@pytest.fixture(params=["sqlite", "postgres"])
def any_server(request: pytest.FixtureRequest, moto: MotoServer, tmp_path: Path) -> Iterator[ServerProcess]:
    """`sfn_server` on SQLite, then on PostgreSQL."""
    proc = _server(tmp_path, request.getfixturevalue("pg_dsn") if request.param == "postgres" else None)
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


def s3(moto: MotoServer) -> Any:
    client = moto.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def map_state(processor: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A definition with one distributed Map state named Map."""
    return {
        "StartAt": "Map",
        "States": {
            "Map": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    **processor,
                },
                "End": True,
                **fields,
            }
        },
    }


PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def run(sfn: Any, definition: dict[str, Any], input: Any = None, timeout: float = 60) -> dict[str, Any]:
    """Create the machine, start it, wait for the end; DescribeExecution's answer."""
    machine = sfn.create_state_machine(
        name=f"m{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=ROLE
    )
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(input or {}))[
        "executionArn"
    ]
    return wait(sfn, arn, timeout)


def wait(sfn: Any, arn: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{arn} still running after {timeout} s")


def events(sfn: Any, arn: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return found


def map_run_arn(sfn: Any, execution_arn: str) -> str:
    for event in events(sfn, execution_arn):
        if event["type"] == "MapRunStarted":
            return str(event["mapRunStartedEventDetails"]["mapRunArn"])
    raise AssertionError("no MapRunStarted event")

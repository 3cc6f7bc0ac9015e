"""`stepstone serve --clock virtual` with a mock file from SFN_MOCK_CONFIG, as a real process, driven by
boto3 and `stepstone clock advance`, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from stepstone.testkit import free_port
from tests.server.conftest import shared_token_keys

MACHINE = {
    "StartAt": "Charge",
    "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "ResultPath": "$.charge",
                   "Parameters": {"FunctionName": "charge"},
                   "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 7200}],
                   "Next": "Cool"},
        "Cool": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}  # fmt: skip
MOCKS = {
    "StateMachines": {"shop": {"TestCases": {"Flaky": {"Charge": "Flaky"}}}},
    "MockedResponses": {"Flaky": {"0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "busy"}},
                                  "1": {"Return": {"Payload": "paid"}}}},
}  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    mocks = tmp_path / "MockConfigFile.json"
    mocks.write_text(json.dumps(MOCKS))
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SFN_MOCK_CONFIG": str(mocks)}
    if request.param == "postgres":
        db = request.getfixturevalue("pg_dsn")
        env["STEPSTONE_TOKEN_KEYS"] = shared_token_keys()
    else:
        db = str(tmp_path / "stepstone.db")
    port = free_port()
    cmd = [sys.executable, "-m", "stepstone.cli.main", "serve", "--clock", "virtual", "--db", db,
           "--port", str(port)]  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def advance(endpoint: str, duration: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "stepstone.cli.main", "clock", "advance", duration, "--endpoint", endpoint],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_a_served_virtual_clock_skips_the_retry_and_the_day(served: str) -> None:
    sfn = boto3.client("stepfunctions", endpoint_url=served, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    arn = sfn.create_state_machine(
        name="shop", definition=json.dumps(MACHINE), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=f"{arn}#Flaky", input="{}")["executionArn"]
    began = time.monotonic()
    advance(served, "1h")
    assert sfn.describe_execution(executionArn=run)["status"] == "RUNNING"  # the retry is due at 2h
    advance(served, "1d2h")
    described = sfn.describe_execution(executionArn=run)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"charge": {"Payload": "paid"}}
    events = sfn.get_execution_history(executionArn=run)["events"]
    took = (events[-1]["timestamp"] - events[0]["timestamp"]).total_seconds()
    assert 86400 + 7200 <= took < 86400 + 7200 + 60  # a day and two hours, on the virtual clock
    assert time.monotonic() - began < 30

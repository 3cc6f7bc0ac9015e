"""The AWS CLI and `stepstone tasks list` against a real server process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerProcess

pytestmark = pytest.mark.slow
AWS = Path(sys.executable).parent / "aws"
ROLE = "arn:aws:iam::123456789012:role/r"


def aws(server: ServerProcess, *args: str) -> Any:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    cmd = [str(AWS), "stepfunctions", *args, "--endpoint-url", f"http://127.0.0.1:{server.port}"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def stepstone(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "stepstone.cli.main", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def callback_definition(path: Path) -> str:
    return json.dumps(
        {
            "StartAt": "Hand",
            "States": {
                "Hand": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": "hand_token_to_file",
                        "Payload": {"token.$": "$$.Task.Token", "path": str(path)},
                    },
                    "TimeoutSeconds": 600,
                    "End": True,
                }
            },
        }
    )


def test_the_aws_cli_drives_a_callback_and_tasks_list_shows_the_wait(
    server: ServerProcess, tmp_path: Path
) -> None:
    token_file = tmp_path / "token.txt"
    sm = aws(
        server,
        "create-state-machine",
        "--name",
        "cli",
        "--definition",
        callback_definition(token_file),
        "--role-arn",
        ROLE,
    )["stateMachineArn"]
    ex = aws(server, "start-execution", "--state-machine-arn", sm, "--name", "one", "--input", '{"n": 1}')[
        "executionArn"
    ]
    deadline = time.monotonic() + 15
    while not token_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    token = token_file.read_text()
    assert aws(server, "describe-execution", "--execution-arn", ex)["status"] == "RUNNING"

    # what the execution waits on, through the API and through an in-process service: never the token
    remote = stepstone("tasks", "list", "--endpoint", f"http://127.0.0.1:{server.port}", "--json")
    local = stepstone("tasks", "list", "--db", str(server.db), "--execution", ex)
    assert remote.returncode == 0 and local.returncode == 0, remote.stderr + local.stderr
    [row] = [json.loads(line) for line in remote.stdout.splitlines()]
    assert (row["executionArn"], row["state"], row["resource"]) == (
        ex,
        "Hand",
        "arn:aws:states:::lambda:invoke",
    )
    assert row["timeoutAt"] != "-"
    assert "Hand" in local.stdout and ex in local.stdout
    for out in (remote.stdout, local.stdout):
        assert token not in out and token.split(".")[1] not in out
    missing = stepstone(
        "tasks", "list", "--endpoint", f"http://127.0.0.1:{server.port}", "--execution", ex + "x"
    )
    assert missing.returncode != 0 and "ExecutionDoesNotExist" in missing.stderr

    # `--output` is also the CLI's own option (v1), so the callback goes in as JSON
    request = {"taskToken": token, "output": '{"approved": true}'}
    aws(server, "send-task-success", "--cli-input-json", json.dumps(request))
    deadline = time.monotonic() + 15
    while (described := aws(server, "describe-execution", "--execution-arn", ex))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"approved": True})
    events = aws(server, "get-execution-history", "--execution-arn", ex)["events"]
    assert [e["type"] for e in events][-2:] == ["TaskStateExited", "ExecutionSucceeded"]
    assert "TaskSucceeded" in [e["type"] for e in events]
    after = stepstone("tasks", "list", "--endpoint", f"http://127.0.0.1:{server.port}")
    assert after.stdout.strip() == "no open tasks"

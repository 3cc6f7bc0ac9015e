"""kill -9 at random moments while clients start executions and send callbacks; restart on the same store.

Every execution whose start was acknowledged finishes, exactly once, with a gap-free history; every
callback the server acknowledged counts (it is never sent again); no state runs twice.
"""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, machine

pytestmark = pytest.mark.slow

EXECUTIONS = 60
KILLS = 3
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"


def client(server: ServerProcess) -> Any:
    # No retries by botocore: the test decides what to resend, so it knows what was acknowledged.
    config = Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=10)
    return boto3.client(
        "stepfunctions",
        endpoint_url=f"http://127.0.0.1:{server.port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=config,
    )


class Driver:
    """Clients in threads: start every execution, then answer each token a function hands out."""

    def __init__(self, server: ServerProcess, arn: str, tokens: Path) -> None:
        self.server, self.arn, self.tokens = server, arn, tokens
        self.started: dict[int, str] = {}
        self.acknowledged: set[int] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self, worker: int, workers: int) -> None:
        sfn = client(self.server)
        mine = range(worker, EXECUTIONS, workers)
        while not self.stop.is_set():
            try:
                for i in mine:
                    if i not in self.started:
                        self._start(sfn, i)
                    elif i not in self.acknowledged and (self.tokens / f"{i}.token").exists():
                        token = (self.tokens / f"{i}.token").read_text()
                        sfn.send_task_success(taskToken=token, output=json.dumps({"i": i}))
                        with self.lock:
                            self.acknowledged.add(i)
            except (BotoCoreError, ClientError):
                time.sleep(0.05)  # the server is down or restarting: try again
            if len(self.acknowledged) == EXECUTIONS:
                return
            time.sleep(0.01)

    def _start(self, sfn: Any, i: int) -> None:
        payload = json.dumps({"i": i, "path": str(self.tokens / f"{i}.token")})
        try:
            started = sfn.start_execution(stateMachineArn=self.arn, name=f"run-{i}", input=payload)
            arn = started["executionArn"]
        except ClientError as exc:
            # A start that committed before the crash ate its answer: the same name and input while it
            # runs is the same execution; once it has closed, the name is taken for good.
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            arn = self.arn.replace(":stateMachine:", ":execution:") + f":run-{i}"
        with self.lock:
            self.started[i] = arn


def test_random_kills_under_load_lose_and_repeat_nothing(server: ServerProcess, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    states = {
        "Prepare": {"Type": "Pass", "Parameters": {"i.$": "$.i", "path.$": "$.path"}, "Next": "Echo"},
        "Echo": {"Type": "Task", "Resource": FUNCTION + "echo", "ResultPath": "$.echo", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 0, "Next": "Ask"},
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "hand_token_to_file",
                "Payload": {"token.$": "$$.Task.Token", "path.$": "$.path"},
            },
            "ResultPath": "$.answer",
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    }
    arn = machine(server.client(), "crash", states, "Prepare")
    driver = Driver(server, arn, tokens)
    workers = [threading.Thread(target=driver.run, args=(n, 4), daemon=True) for n in range(4)]
    for w in workers:
        w.start()
    rng = random.Random()
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.3, 1.5))
        server.restart()  # SIGKILL, wherever the server is, then start it on the same store
    for w in workers:
        w.join(timeout=90)
    driver.stop.set()
    assert driver.acknowledged == set(range(EXECUTIONS)), "not every callback went through"

    sfn = server.client()
    deadline = time.monotonic() + 60
    for i, execution in sorted(driver.started.items()):
        while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline, f"run-{i} never finished"
            time.sleep(0.05)
        assert described["status"] == "SUCCEEDED", described
        assert json.loads(described["output"])["answer"] == {"i": i}
        types = history_types(sfn, execution)  # asserts ids 1..n without gaps or repeats
        assert types.count("LambdaFunctionSucceeded") == 1
        assert types.count("TaskSucceeded") == 1
        assert types.count("PassStateEntered") == 2 and types.count("WaitStateExited") == 1
        assert types[-1] == "ExecutionSucceeded"

"""No task lost in a server crash: a hand-out whose answer may never have reached its worker returns.

The server hides a task it hands out and confirms the hand-out just after answering; killed before
that, it never confirms, so the task is handed out again once the visibility window (1 s here)
ends. While the server lives nothing is handed out twice, as on AWS.
"""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from stepstone.worker import Activity
from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types
from tests.worker.conftest import InThread, activity_machine, log_events, wait_done, worker_process

pytestmark = pytest.mark.slow


def short_client(server: ServerProcess, read_timeout: float) -> Any:
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=read_timeout)
    url = f"http://127.0.0.1:{server.port}"
    return boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=config)  # fmt: skip


def test_a_hand_out_the_server_died_answering_is_handed_out_again(server: ServerProcess) -> None:
    client = server.client()
    act, sm = activity_machine(client, "crash-window", {"End": True})
    arn = client.start_execution(stateMachineArn=sm, input='{"job": 7}')["executionArn"]
    lost = client.get_activity_task(activityArn=act, workerName="lost")
    assert lost["taskToken"]
    server.restart()  # SIGKILL within milliseconds of answering: the hand-out was never confirmed
    began = time.monotonic()
    again = server.client().get_activity_task(activityArn=act, workerName="second")
    assert (again["taskToken"], json.loads(again["input"])) == (lost["taskToken"], {"job": 7})
    assert time.monotonic() - began < 5  # the window (1 s) and a re-check, not the task's timeout
    server.client().send_task_success(taskToken=again["taskToken"], output='{"done": 7}')
    assert wait_done(client, arn)["status"] == "SUCCEEDED"
    assert history_types(client, arn).count("ActivityStarted") == 1  # what a client sees stays AWS's


def test_a_confirmed_hand_out_is_never_handed_out_again(server: ServerProcess) -> None:
    client = server.client()
    act, sm = activity_machine(client, "once", {"End": True})
    arn = client.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
    first = client.get_activity_task(activityArn=act)
    # A worker slower than the window, without heartbeats, still holds its task alone.
    with pytest.raises(ReadTimeoutError):
        short_client(server, 3).get_activity_task(activityArn=act)
    client.send_task_success(taskToken=first["taskToken"], output='{"ok": true}')
    assert wait_done(client, arn)["status"] == "SUCCEEDED"


def test_a_callback_the_server_was_down_for_is_retried_until_it_answers(
    sqlite_server: ServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    client = sqlite_server.client()
    act, sm = activity_machine(client, "patient", {"End": True})
    began, finish = threading.Event(), threading.Event()

    def job(task: dict[str, Any]) -> dict[str, Any]:
        began.set()
        finish.wait(20)
        return {"done": task["n"]}

    with InThread([Activity(act, job)], sqlite_server) as worker:
        arn = client.start_execution(stateMachineArn=sm, input='{"n": 1}')["executionArn"]
        assert began.wait(20)
        sqlite_server.kill()
        finish.set()  # the function returns while the server is down: SendTaskSuccess fails, again and again
        time.sleep(1.5)
        sqlite_server.start()
        described = wait_done(sqlite_server.client(), arn)
        assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"done": 1}
        deadline = time.monotonic() + 10
        while worker.stats["succeeded"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    succeeded = [r for r in caplog.records if getattr(r, "event", None) == "task.succeeded"]
    assert len(succeeded) == 1 and getattr(succeeded[0], "attempts", 0) > 1


EXECUTIONS = 150
KILLS = 4
JOBS = """
import os

def record(task):
    # O_APPEND writes of one short line do not interleave: one line per run of the function
    with open(os.environ["RUNS_FILE"], "a") as out:
        out.write(f"{task['i']}\\n")
    return {"i": task["i"], "twice": task["i"] * 2}
"""


class Starter:
    """Starts every execution, resending each start until the server acknowledges it."""

    def __init__(self, server: ServerProcess, sm: str) -> None:
        self.server, self.sm = server, sm
        self.started: dict[int, str] = {}

    def run(self) -> None:
        client = short_client(self.server, 10)
        deadline = time.monotonic() + 90
        while len(self.started) < EXECUTIONS and time.monotonic() < deadline:
            i = len(self.started)
            try:
                answer = client.start_execution(
                    stateMachineArn=self.sm, name=f"run-{i}", input=json.dumps({"i": i})
                )
                self.started[i] = answer["executionArn"]
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":  # a start whose answer was lost
                    raise
                self.started[i] = self.sm.replace(":stateMachine:", ":execution:") + f":run-{i}"
            except BotoCoreError:
                time.sleep(0.05)  # the server is down: start it again


def test_sigkill_under_load_with_workers_running_finishes_every_execution_once(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = server.client()
    (tmp_path / "jobs.py").write_text(JOBS)
    runs = tmp_path / "runs.txt"
    monkeypatch.setenv("RUNS_FILE", str(runs))
    _, sm = activity_machine(client, "record", {"ResultPath": "$.result", "Next": "Done"},
                             Done={"Type": "Pass", "End": True})  # fmt: skip
    target = str(tmp_path / "jobs.py:record")
    workers = [worker_process(server, tmp_path / f"worker{n}.log", target, "--activity", "record",
                              "--concurrency", "8") for n in range(2)]  # fmt: skip
    try:
        starter = Starter(server, sm)
        starting = threading.Thread(target=starter.run, daemon=True)
        starting.start()
        rng = random.Random()
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 1.5))
            server.restart()  # SIGKILL wherever it is: claiming, answering, committing a callback
        starting.join(timeout=90)
        assert len(starter.started) == EXECUTIONS, "not every start was acknowledged"
        for i, arn in sorted(starter.started.items()):
            described = wait_done(client, arn, timeout=60)  # a lost task would hang here (no timeout set)
            assert described["status"] == "SUCCEEDED", described
            assert json.loads(described["output"])["result"] == {"i": i, "twice": 2 * i}
            types = history_types(client, arn)  # ids 1..n without gaps or repeats
            assert types.count("ActivityStarted") == 1 and types.count("ActivitySucceeded") == 1
            assert types.count("PassStateEntered") == 1 and types[-1] == "ExecutionSucceeded"
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            proc.wait(timeout=30)
    counts: dict[int, int] = {}
    for line in runs.read_text().split():
        counts[int(line)] = counts.get(int(line), 0) + 1
    assert set(counts) == set(range(EXECUTIONS))
    twice = sorted(i for i, n in counts.items() if n > 1)  # a task may run twice around a crash (documented)
    stats = [
        e
        for log in tmp_path.glob("worker*.log")
        for e in log_events(log)
        if e.get("event") == "worker.stopped"
    ]
    assert len(stats) == 2
    print(f"\n{EXECUTIONS} executions, {KILLS} kills: {len(twice)} tasks ran twice; worker stats {stats}")

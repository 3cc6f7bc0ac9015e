"""SIGTERM to a `stepstone worker` process mid-task: it stops polling, finishes within its grace period
or gives the task back (WorkerStopped, which the state's Retry catches), and exits promptly."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types
from tests.worker.conftest import activity_machine, log_events, wait_done, worker_process

pytestmark = pytest.mark.slow

JOBS = """
import time
from pathlib import Path

def slow(task):
    marker = Path(task["marker"])
    first = not marker.exists()
    marker.write_text("started")
    time.sleep(task["seconds"] if first else 0)  # a retried task is quick
    return {"slept": task["seconds"], "first": first}
"""


def wait_for_file(path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def test_sigterm_mid_task_finishes_it_then_exits_and_polls_no_more(
    server: ServerProcess, tmp_path: Path
) -> None:
    client = server.client()
    (tmp_path / "jobs.py").write_text(JOBS)
    _, sm = activity_machine(client, "sleepy", {"End": True})
    log = tmp_path / "worker.log"
    # Two slots: while one runs the task the other holds an open poll, which must not delay the exit.
    proc = worker_process(server, log, str(tmp_path / "jobs.py:slow"), "--activity", "sleepy",
                          "--concurrency", "2", "--grace", "20")  # fmt: skip
    try:
        marker = tmp_path / "one.started"
        task = {"marker": str(marker), "seconds": 2}
        arn = client.start_execution(stateMachineArn=sm, input=json.dumps(task))["executionArn"]
        wait_for_file(marker)
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        stopped_after = time.monotonic() - signalled
    finally:
        proc.kill()
    assert stopped_after < 8, f"the worker took {stopped_after:.1f} s to stop"
    described = wait_done(client, arn)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"])["first"] is True
    events = [e["event"] for e in log_events(log) if "event" in e]
    assert events.index("worker.stopping") < events.index("task.succeeded") < events.index("worker.stopped")
    # Stopped, it takes nothing more: a task queued now waits for the next worker.
    later = client.start_execution(
        stateMachineArn=sm, input=json.dumps({**task, "marker": str(tmp_path / "2")})
    )
    time.sleep(1.5)
    assert client.describe_execution(executionArn=later["executionArn"])["status"] == "RUNNING"
    assert "ActivityStarted" not in history_types(client, later["executionArn"])


def test_a_task_outliving_the_grace_period_is_given_back_and_retried(
    server: ServerProcess, tmp_path: Path
) -> None:
    client = server.client()
    (tmp_path / "jobs.py").write_text(JOBS)
    retry = {"Retry": [{"ErrorEquals": ["WorkerStopped"], "IntervalSeconds": 1, "MaxAttempts": 2}]}
    _, sm = activity_machine(client, "sleepy", {**retry, "End": True})
    target = str(tmp_path / "jobs.py:slow")
    first = worker_process(server, tmp_path / "first.log", target, "--activity", "sleepy", "--grace", "0.5")
    try:
        marker = tmp_path / "long.started"
        arn = client.start_execution(
            stateMachineArn=sm, input=json.dumps({"marker": str(marker), "seconds": 60})
        )["executionArn"]
        wait_for_file(marker)
        signalled = time.monotonic()
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
        assert time.monotonic() - signalled < 8
    finally:
        first.kill()
    assert "task.given_back" in [e.get("event") for e in log_events(tmp_path / "first.log")]
    second = worker_process(server, tmp_path / "second.log", target, "--activity", "sleepy")
    try:
        described = wait_done(client, arn)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"])["first"] is False
    events = client.get_execution_history(executionArn=arn)["events"]
    failed = [e["activityFailedEventDetails"] for e in events if e["type"] == "ActivityFailed"]
    assert [f["error"] for f in failed] == ["WorkerStopped"]
    assert [e["type"] for e in events].count("ActivitySucceeded") == 1

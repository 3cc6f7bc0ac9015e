"""`stepstone worker`: several activities in one process, --create, and clear errors for bad arguments."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerProcess
from tests.worker.conftest import ROLE, log_events, wait_done, worker_process

pytestmark = pytest.mark.slow

JOBS = """
def upper(task):
    return {"upper": task["text"].upper()}

async def length(task):
    return {"length": len(task["text"])}
"""


def machine(client: Any, name: str, activity_arn: str) -> str:
    definition = {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": activity_arn, "End": True}}}
    made = client.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    return str(made["stateMachineArn"])


def test_one_process_serves_two_activities_and_creates_them(
    sqlite_server: ServerProcess, tmp_path: Path
) -> None:
    client = sqlite_server.client()
    (tmp_path / "jobs.py").write_text(JOBS)
    log = tmp_path / "worker.log"
    proc = worker_process(sqlite_server, log, f"{tmp_path}/jobs.py:upper", f"{tmp_path}/jobs.py:length",
                          "--activity", "upper", "--activity", "length", "--create",
                          "--concurrency", "2", "--concurrency", "1")  # fmt: skip
    try:
        arns = {}
        for name in ("upper", "length"):  # the worker creates them; wait until it has
            deadline = time.monotonic() + 20
            while not any(a["name"] == name for a in client.list_activities()["activities"]):
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            arns[name] = next(
                a["activityArn"] for a in client.list_activities()["activities"] if a["name"] == name
            )
        up = client.start_execution(
            stateMachineArn=machine(client, "u", arns["upper"]), input='{"text": "ab"}'
        )
        ln = client.start_execution(
            stateMachineArn=machine(client, "l", arns["length"]), input='{"text": "abc"}'
        )
        assert json.loads(wait_done(client, up["executionArn"])["output"]) == {"upper": "AB"}
        assert json.loads(wait_done(client, ln["executionArn"])["output"]) == {"length": 3}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    started = next(e for e in log_events(log) if e.get("event") == "worker.started")
    assert started["activities"] == ["upper", "length"] and started["slots"] == 3


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "stepstone.cli.main", "worker", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_bad_arguments_are_refused_clearly(sqlite_server: ServerProcess, tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(JOBS)
    endpoint = ["--endpoint", f"http://127.0.0.1:{sqlite_server.port}"]
    target = f"{tmp_path}/jobs.py:upper"
    mismatch = cli(target, "--activity", "a", "--activity", "b", *endpoint)
    assert mismatch.returncode != 0 and "1 FILE:FUNCTION but 2 --activity" in mismatch.stderr
    missing = cli(target, "--activity", "nowhere", *endpoint)
    assert missing.returncode != 0 and "no activity named 'nowhere' (--create makes it)" in missing.stderr
    sqlite_server.client().create_activity(name="there")
    no_function = cli(f"{tmp_path}/jobs.py:absent", "--activity", "there", *endpoint)
    assert no_function.returncode != 0 and "has no function 'absent'" in no_function.stderr
    counts = cli(target, "--activity", "there", "--concurrency", "1", "--concurrency", "2", *endpoint)
    assert counts.returncode != 0 and "give --concurrency once, or once per activity" in counts.stderr

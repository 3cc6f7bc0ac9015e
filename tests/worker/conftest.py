"""Real servers for the worker tests: `stepstone serve` processes (SQLite and PostgreSQL) with a short
activity visibility window, and workers run in a thread of the test or as `stepstone worker` processes."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stepstone.worker import Activity, Worker
from tests.server.conftest import ServerProcess, shared_token_keys
from tests.store.conftest import with_store

__all__ = ["with_store"]

#: Short, so a hand-out lost in a crash comes back within the test's patience.
VISIBILITY = ("--activity-visibility", "1")
ROLE = "arn:aws:iam::123456789012:role/r"


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    if request.param == "postgres":
        db = request.getfixturevalue("pg_dsn")
        proc = ServerProcess(tmp_path, db, token_keys=shared_token_keys(), extra=VISIBILITY)
    else:
        proc = ServerProcess(tmp_path, extra=VISIBILITY)
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path, extra=VISIBILITY)
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


def activity_machine(client: Any, name: str, task: dict[str, Any], **more_states: Any) -> tuple[str, str]:
    """(activity ARN, state machine ARN): one Task state `Work` on a new activity, then `more_states`."""
    act = client.create_activity(name=name)["activityArn"]
    states = {"Work": {"Type": "Task", "Resource": act, **task}, **more_states}
    definition = json.dumps({"StartAt": "Work", "States": states})
    sm = client.create_state_machine(name=name, definition=definition, roleArn=ROLE)["stateMachineArn"]
    return act, sm


def wait_done(client: Any, arn: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (described := client.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{arn} still running"
        time.sleep(0.05)
    return dict(described)


class InThread:
    """A `Worker` serving on its own event loop in a thread of the test."""

    def __init__(self, activities: list[Activity], server: ServerProcess, **options: Any) -> None:
        client = worker_client(server, activities)
        self.tokens: list[str] = []  # every token handed out, to check that none reaches a log
        client.meta.events.register("after-call.sfn.GetActivityTask", self._saw)
        self.worker = Worker(activities, client=client, **options)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.worker.serve()), daemon=True)

    def _saw(self, parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("taskToken"):
            self.tokens.append(parsed["taskToken"])

    def __enter__(self) -> Worker:
        self.thread.start()
        deadline = time.monotonic() + 5
        while not self.worker.serving:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        return self.worker

    def __exit__(self, *exc: object) -> None:
        self.worker.stop(now=True)
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the worker did not stop"


def worker_client(server: ServerProcess, activities: list[Activity]) -> Any:
    import boto3

    from stepstone.worker.calls import client_config

    return boto3.client(
        "stepfunctions", endpoint_url=f"http://127.0.0.1:{server.port}", region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=client_config(2 * sum(a.concurrency for a in activities) + 4),
    )  # fmt: skip


def worker_process(server: ServerProcess, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """`stepstone worker ... --endpoint <server>`, logging JSON lines to `log`."""
    cmd = [sys.executable, "-m", "stepstone.cli.main", "worker", *args]
    cmd += ["--endpoint", f"http://127.0.0.1:{server.port}"]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)


def log_events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


@pytest.fixture(autouse=True)
def _worker_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="stepstone.worker")

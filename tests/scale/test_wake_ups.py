"""Nodes wake each other: a long poll on one node gets a task scheduled by another at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerProcess, shared_token_keys
from tests.server.test_callbacks import machine, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def two_nodes(tmp_path: Path, pg_dsn: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    keys = shared_token_keys()
    a = ServerProcess(tmp_path, pg_dsn, token_keys=keys, name="a")
    b = ServerProcess(tmp_path, pg_dsn, token_keys=keys, name="b")
    a.start()
    b.start()
    try:
        yield a, b
    finally:
        a.kill()
        b.kill()


def test_a_long_poll_on_one_node_gets_a_task_scheduled_by_another_at_once(
    two_nodes: tuple[ServerProcess, ServerProcess],
) -> None:
    a, b = two_nodes
    ca, cb = a.client(), b.client()
    act = ca.create_activity(name="work")["activityArn"]
    sm = machine(cb, "act", {"A": {"Type": "Task", "Resource": act, "End": True}}, "A")
    got: dict[str, Any] = {}

    def poll() -> None:
        got.update(ca.get_activity_task(activityArn=act))
        got["at"] = time.monotonic()

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.5)  # the poll is parked on node a
    started = time.monotonic()
    ex = cb.start_execution(stateMachineArn=sm, input='{"n":1}')["executionArn"]
    poller.join(10)
    assert got.get("taskToken"), "the long poll did not get the task"
    assert got["at"] - started < 1.5  # NOTIFY, not the 5 s safety poll nor the 60 s poll end
    cb.send_task_success(taskToken=got["taskToken"], output='{"done":1}')  # the callback on the other node
    assert wait_for(ca, ex)["status"] == "SUCCEEDED"

"""Invariant 3: a waiting execution costs a database row, never a thread, coroutine or memory in the
server. Thousands of executions parked on task tokens against a real `stepstone serve` process: its
thread count and asyncio task count stay flat, and its memory grows by far less per execution than a
thread (or even a parked coroutine with its frame) would cost."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerProcess

pytestmark = pytest.mark.slow

WARM_UP = 300  # fills the bounded pools (function threads, SQLite readers) before measuring
PARKED = int(os.environ.get("STEPSTONE_PARKED", "2000"))
#: Generous, yet under a thread's cost: a parked Python thread adds ~16 KiB of RSS (its touched stack
#: and thread state), an asyncio task ~0.7 KiB (the task count catches those). Measured here: ~3.3 KiB
#: per execution over 2,000, ~1.6 KiB over 5,000: mostly caches (SQLite pages, allocator arenas) that
#: fill once, not a cost per execution.
MAX_RSS_GROWTH_PER_EXECUTION = 8 * 1024
MAX_THREAD_GROWTH = 2
MAX_ASYNCIO_TASK_GROWTH = 10

PARKING = {
    "StartAt": "Wait",
    "States": {
        "Wait": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "echo", "Payload": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": 86400,
            "End": True,
        }
    },
}


def stepstone_call(server: ServerProcess, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """One of stepstone's own operations (`Stepstone.<operation>`), which boto3 does not model."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"Stepstone.{operation}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as answer:
        document: dict[str, Any] = json.loads(answer.read())
    return document


def proc_status(pid: int) -> dict[str, int]:
    """The kernel's view of the process: resident memory (bytes) and threads (native ones included)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {"rss": int(fields["VmRSS"].split()[0]) * 1024, "threads": int(fields["Threads"])}


def park(server: ServerProcess, machine: str, count: int) -> None:
    client = server.client()

    def start(_: int) -> None:
        client.start_execution(stateMachineArn=machine)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(start, range(count)))


def wait_parked(server: ServerProcess, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        waiting = sum(1 for t in stepstone_call(server, "ListOpenTasks", {})["tasks"] if t["callback"])
        if waiting >= count:
            return
        assert time.monotonic() < deadline, f"only {waiting} of {count} executions parked"
        time.sleep(0.2)


def settled(server: ServerProcess) -> dict[str, int]:
    """The server's figures once it is idle (the dispatch of the last starts has finished)."""
    assert server.proc is not None
    time.sleep(1.0)
    return {**proc_status(server.proc.pid), **stepstone_call(server, "DescribeRuntime", {})}


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_parked_executions_cost_no_thread_no_task_and_little_memory_in_the_server(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    try:
        machine = server.client().create_state_machine(
            name="parking", definition=json.dumps(PARKING), roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        park(server, machine, WARM_UP)
        wait_parked(server, WARM_UP)
        before = settled(server)
        park(server, machine, PARKED)
        wait_parked(server, WARM_UP + PARKED)
        after = settled(server)
    finally:
        server.kill()
    growth = {key: after[key] - before[key] for key in before}
    print(f"parked {PARKED}: before {before}, after {after}, per execution {growth['rss'] / PARKED:.0f} B")
    assert growth["threads"] <= MAX_THREAD_GROWTH, growth
    assert growth["asyncioTasks"] <= MAX_ASYNCIO_TASK_GROWTH, growth
    assert growth["rss"] <= PARKED * MAX_RSS_GROWTH_PER_EXECUTION, growth

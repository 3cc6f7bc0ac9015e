"""The worker library against a real `stepstone serve` process, through boto3 (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from stepstone.worker import Activity, JsonFormatter, task_ref
from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types
from tests.worker.conftest import InThread, activity_machine, wait_done

pytestmark = pytest.mark.slow

TASKS = 1000


def test_a_worker_serves_1000_tasks_at_concurrency_16(server: ServerProcess) -> None:
    client = server.client()
    act, sm = activity_machine(client, "double", {"End": True})
    with ThreadPoolExecutor(8) as pool:
        arns = list(pool.map(
            lambda i: client.start_execution(stateMachineArn=sm, name=f"n{i}", input=json.dumps({"n": i}))[
                "executionArn"
            ],
            range(TASKS),
        ))  # fmt: skip
    in_flight, most, changed = 0, 0, threading.Condition()

    def double(task: dict[str, int]) -> dict[str, int]:
        nonlocal in_flight, most
        with changed:
            in_flight += 1
            most = max(most, in_flight)
            changed.notify_all()
            # The first tasks hold until sixteen run at once, so a loaded server's slow hand-outs cannot
            # hide whether the limit is used; a worker that never reaches it fails after the wait below.
            changed.wait_for(lambda: most >= 16, timeout=10)
        time.sleep(0.005)
        with changed:
            in_flight -= 1
        return {"doubled": task["n"] * 2}

    began = time.monotonic()
    with InThread([Activity(act, double, concurrency=16)], server) as worker:
        for i, arn in enumerate(arns):
            described = wait_done(client, arn, timeout=60)
            assert described["status"] == "SUCCEEDED", described
            assert json.loads(described["output"]) == {"doubled": 2 * i}
        elapsed = time.monotonic() - began
        assert worker.stats["received"] == TASKS and worker.stats["succeeded"] == TASKS
    assert most == 16  # the limit holds and is used
    assert elapsed < 90  # measured: ~4-9 s on SQLite, ~25 s on PostgreSQL (2 shared cores)
    print(f"\n1000 tasks at concurrency 16: {elapsed:.1f} s ({TASKS / elapsed:.0f} tasks/s), peak {most}")


def test_heartbeats_keep_a_long_task_alive_past_heartbeat_seconds(server: ServerProcess) -> None:
    client = server.client()
    act, sm = activity_machine(client, "slow", {"HeartbeatSeconds": 1, "End": True})

    def slow(task: dict[str, Any]) -> dict[str, str]:
        time.sleep(3.5)  # three and a half times HeartbeatSeconds
        return {"done": task["who"]}

    # Told the state's HeartbeatSeconds, the worker beats every third of a second: the task lives.
    with InThread([Activity(act, slow, heartbeat_seconds=1)], server):
        arn = client.start_execution(stateMachineArn=sm, input='{"who": "alive"}')["executionArn"]
        described = wait_done(client, arn)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"done": "alive"}
    assert history_types(client, arn).count("ActivityTimedOut") == 0
    # Left to the default (a beat every 10 s), the same task times out after 1 s: the beats mattered.
    # (Another activity: the first worker's last poll stays open up to 60 s after it stopped.)
    act, sm = activity_machine(client, "slow-default", {"HeartbeatSeconds": 1, "End": True})
    with InThread([Activity(act, slow)], server) as worker:
        arn = client.start_execution(stateMachineArn=sm, input='{"who": "late"}')["executionArn"]
        described = wait_done(client, arn)
        assert described["status"] == "FAILED" and described["error"] == "States.HeartbeatTimeout"
        deadline = time.monotonic() + 10
        while worker.stats["gone"] < 1:  # its late callback is answered TaskTimedOut: reported, no crash
            assert time.monotonic() < deadline
            time.sleep(0.05)


class InsufficientFunds(Exception):
    pass


def test_an_exception_becomes_an_error_the_state_machine_catches(
    server: ServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    client = server.client()
    catch = {"Catch": [{"ErrorEquals": ["InsufficientFunds"], "ResultPath": "$.error", "Next": "Declined"}]}
    act, sm = activity_machine(client, "pay", {**catch, "End": True}, Declined={"Type": "Pass", "End": True})

    async def pay(order: dict[str, Any]) -> dict[str, Any]:  # an async function, run on the loop
        await asyncio.sleep(0.01)
        if order["amount"] > 100:
            raise InsufficientFunds(f"{order['amount']} is more than the balance of 100")
        return {"paid": order["amount"]}

    running = InThread([Activity(act, pay, concurrency=2)], server)
    with running:
        ok = client.start_execution(stateMachineArn=sm, input='{"amount": 5}')["executionArn"]
        declined = client.start_execution(stateMachineArn=sm, input='{"amount": 500}')["executionArn"]
        assert json.loads(wait_done(client, ok)["output"]) == {"paid": 5}
        described = wait_done(client, declined)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["error"] == {
        "Error": "InsufficientFunds", "Cause": "500 is more than the balance of 100"
    }  # fmt: skip
    assert "ActivityFailed" in history_types(client, declined)
    # Structured logs name each task by a hash of its token, never the token itself.
    assert len(running.tokens) == 2
    records = [r for r in caplog.records if r.name == "stepstone.worker"]
    assert {getattr(r, "event", None) for r in records} >= {"task.received", "task.succeeded", "task.failed"}
    assert {getattr(r, "task", None) for r in records} - {None} == {task_ref(t) for t in running.tokens}
    logged = caplog.text + "".join(JsonFormatter().format(r) for r in records)
    assert not any(token in logged for token in running.tokens)

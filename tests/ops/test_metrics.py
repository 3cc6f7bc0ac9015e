"""GET /metrics from a real `stepstone serve`, scraped before and after executions, callbacks, timers
and failures: every figure moves as it should, and no label holds an execution ARN or a token.

On PostgreSQL the gauges describe the shared database: two nodes report the same levels.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.ops.conftest import OpsServer, Series, total, value, wait_until
from tests.server.conftest import FUNCTIONS, shared_token_keys
from tests.server.test_callbacks import machine, wait_for

pytestmark = pytest.mark.timeout(120)
OPS_FUNCTIONS = (
    FUNCTIONS
    + """
def boom(event, context):
    raise RuntimeError("boom")
"""
)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{43}")
CALLBACK = "lambda"  # a task row names the service it calls (the pattern is not kept)
BOOM = "arn:aws:lambda:us-east-1:123456789012:function:boom"


def hand_machine(client: Any) -> str:
    payload = {"token.$": "$$.Task.Token", "path.$": "$.path"}
    hand = {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "hand_token_to_file", "Payload": payload}, "End": True,
    }  # fmt: skip
    return machine(client, "Hand", {"Hand": hand}, "Hand")


def start_hands(client: Any, arn: str, tmp: Path, n: int, tag: str) -> list[tuple[str, Path]]:
    started = []
    for i in range(n):
        path = tmp / f"token-{tag}-{i}"
        started.append(
            (
                client.start_execution(stateMachineArn=arn, input=json.dumps({"path": str(path)}))[
                    "executionArn"
                ],
                path,
            )
        )
    return started


def delta(after: Series, before: Series, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    functions = tmp_path / "ops_functions.py"
    functions.write_text(OPS_FUNCTIONS)
    db = request.getfixturevalue("pg_dsn") if request.param == "postgres" else None
    keys = shared_token_keys() if db else None
    proc = OpsServer(tmp_path, db, token_keys=keys, functions=functions, extra=("--retention", "0"))
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


def test_the_figures_move_with_executions_callbacks_timers_and_failures(
    server: OpsServer, tmp_path: Path
) -> None:
    client = server.client()
    store = (
        "postgresql"
        if server.db.startswith(("postgres", "user=", "host=")) or "dbname=" in server.db
        else "sqlite"
    )
    quick = machine(client, "Quick", {"P": {"Type": "Pass", "End": True}}, "P")
    broken = machine(client, "Broken", {"F": {"Type": "Fail", "Error": "Nope", "Cause": "on purpose"}}, "F")
    boom = machine(client, "Boom", {"B": {"Type": "Task", "Resource": BOOM, "End": True}}, "B")
    nap_states = {"W": {"Type": "Wait", "Seconds": 1, "Next": "D"}, "D": {"Type": "Pass", "End": True}}
    nap = machine(client, "Nap", nap_states, "W")
    hand = hand_machine(client)
    activity = client.create_activity(name="review")["activityArn"]
    act = machine(client, "Act", {"A": {"Type": "Task", "Resource": activity, "End": True}}, "A")
    before = server.scrape()

    done = [client.start_execution(stateMachineArn=quick)["executionArn"] for _ in range(3)]
    done += [client.start_execution(stateMachineArn=broken)["executionArn"] for _ in range(2)]
    done.append(client.start_execution(stateMachineArn=boom)["executionArn"])
    napping = client.start_execution(stateMachineArn=nap)["executionArn"]
    hands = start_hands(client, hand, tmp_path, 2, "m")
    acting = client.start_execution(stateMachineArn=act)["executionArn"]
    with pytest.raises(client.exceptions.ExecutionDoesNotExist):
        client.describe_execution(executionArn=done[0] + "-missing")
    statuses = [wait_for(client, arn)["status"] for arn in done]
    assert statuses == ["SUCCEEDED"] * 3 + ["FAILED"] * 3
    tokens = [wait_until(lambda p=p: p.exists() and p.read_text(), timeout=20) for _, p in hands]

    # parked: two callbacks and one activity task wait, and the gauges say so
    mid = wait_until(
        lambda: (s := server.scrape()) and value(s, "stepstone_activity_tasks_queued") == 1 and s
    )
    assert value(mid, "stepstone_tasks_open", resource_kind=CALLBACK) == 2
    assert value(mid, "stepstone_tasks_open", resource_kind="activity") == 1
    assert value(mid, "stepstone_tasks_open_oldest_age_seconds", resource_kind=CALLBACK) >= 0
    assert value(mid, "stepstone_activity_tasks_oldest_age_seconds") >= 0
    assert value(mid, "stepstone_database_up") == 1 and value(mid, "stepstone_worker_running") == 1
    assert delta(mid, before, "stepstone_executions_started_total", state_machine="Quick") == 3
    assert (
        delta(mid, before, "stepstone_executions_closed_total", state_machine="Quick", status="SUCCEEDED")
        == 3
    )
    assert (
        delta(mid, before, "stepstone_executions_closed_total", state_machine="Broken", status="FAILED") == 2
    )
    assert delta(mid, before, "stepstone_executions_closed_total", state_machine="Boom", status="FAILED") == 1
    assert delta(mid, before, "stepstone_executions_started_total", state_machine="Hand") == 2
    assert value(mid, "stepstone_executions_closed_total", state_machine="Hand", status="SUCCEEDED") == 0
    assert (
        delta(mid, before, "stepstone_outbox_dispatched_total", resource_kind="lambda", outcome="failed") == 1
    )
    assert (
        delta(mid, before, "stepstone_outbox_dispatched_total", resource_kind=CALLBACK, outcome="pending")
        == 2
    )
    assert (
        delta(mid, before, "stepstone_outbox_dispatched_total", resource_kind="activity", outcome="queued")
        == 1
    )
    assert delta(mid, before, "stepstone_api_requests_total", operation="StartExecution", code="OK") == 10
    missing = {"operation": "DescribeExecution", "code": "ExecutionDoesNotExist"}
    assert delta(mid, before, "stepstone_api_requests_total", **missing) == 1
    assert (
        delta(mid, before, "stepstone_api_request_duration_seconds_count", operation="StartExecution") == 10
    )
    assert delta(mid, before, "stepstone_state_transitions_total") >= 10
    assert delta(mid, before, "stepstone_db_commit_duration_seconds_count", store=store) >= 10
    assert delta(mid, before, "stepstone_worker_round_duration_seconds_count") >= 1

    # answered: the callbacks and the activity task close, the waits are measured
    for token in tokens:
        client.send_task_success(taskToken=token, output="{}")
    task = client.get_activity_task(activityArn=activity, workerName="w1")
    client.send_task_success(taskToken=task["taskToken"], output="{}")
    assert [wait_for(client, arn)["status"] for arn, _ in hands] == ["SUCCEEDED"] * 2
    assert wait_for(client, acting)["status"] == "SUCCEEDED"
    assert wait_for(client, napping)["status"] == "SUCCEEDED"
    after = server.scrape()
    assert value(after, "stepstone_tasks_open", resource_kind=CALLBACK) == 0
    assert value(after, "stepstone_activity_tasks_queued") == 0
    assert delta(after, before, "stepstone_callback_wait_seconds_count", resource_kind=CALLBACK) == 2
    assert delta(after, before, "stepstone_callback_wait_seconds_count", resource_kind="activity") == 1
    assert delta(after, before, "stepstone_callback_wait_seconds_sum", resource_kind=CALLBACK) > 0
    assert delta(after, before, "stepstone_timer_lateness_seconds_count", kind="wait") == 1
    assert value(after, "stepstone_timer_lateness_seconds_bucket", kind="wait", le="+Inf") == 1
    assert (
        delta(after, before, "stepstone_executions_closed_total", state_machine="Hand", status="SUCCEEDED")
        == 2
    )
    assert (
        delta(after, before, "stepstone_executions_closed_total", state_machine="Nap", status="SUCCEEDED")
        == 1
    )
    assert delta(after, before, "stepstone_api_requests_total", operation="SendTaskSuccess", code="OK") == 3
    assert value(after, "stepstone_timers_armed") == 0 and value(after, "stepstone_outbox_commands") == 0

    # bounded labels: names and codes, never an execution ARN or a token
    text = server.get("/metrics")[1].decode()
    assert ":execution:" not in text
    assert not TOKEN_SHAPE.search(text)
    assert all(token not in text for token in [*tokens, task["taskToken"]])
    assert total(after, "stepstone_executions_started_total") >= 10


def test_two_postgresql_nodes_report_the_same_levels(tmp_path: Path, pg_dsn: str) -> None:
    keys = shared_token_keys()
    nodes = [
        OpsServer(tmp_path, pg_dsn, token_keys=keys, name=f"node{i}", extra=("--retention", "0"))
        for i in range(2)
    ]
    for node in nodes:
        node.start()
    try:
        a, b = (node.client() for node in nodes)
        hand = hand_machine(a)
        hands = start_hands(a, hand, tmp_path, 3, "pg")
        tokens = [wait_until(lambda p=p: p.exists() and p.read_text(), timeout=20) for _, p in hands]
        gauges = (
            "stepstone_tasks_open",
            "stepstone_outbox_commands",
            "stepstone_timers_armed",
            "stepstone_inbox_events",
        )

        def levels(node: OpsServer) -> dict[str, float]:
            return {g: total(node.scrape(), g) for g in gauges}

        first = wait_until(lambda: (x := levels(nodes[0]))["stepstone_outbox_commands"] == 0 and x)
        assert first["stepstone_tasks_open"] == 3
        assert levels(nodes[1]) == first  # node1 ran none of it, and reports the same
        for token in tokens:
            b.send_task_success(taskToken=token, output="{}")
        assert [wait_for(b, arn)["status"] for arn, _ in hands] == ["SUCCEEDED"] * 3
        assert levels(nodes[0])["stepstone_tasks_open"] == levels(nodes[1])["stepstone_tasks_open"] == 0
    finally:
        for node in nodes:
            node.kill()

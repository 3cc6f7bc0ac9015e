"""Completing a task by its address (execution, state, Map index) against real servers on both stores."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.callbacks.conftest import Node, history_types, machine, wait_for, wait_until

pytestmark = pytest.mark.slow
ADDRESS_OPS = "SucceedTaskByAddress,FailTaskByAddress,HeartbeatTaskByAddress"


def definition(activity: str) -> dict[str, Any]:
    """Two Map iterations wait in `Work`, then one task waits in `Approve`."""
    work = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}}}
    return {
        "StartAt": "Fan",
        "States": {
            "Fan": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": work, "ResultPath": "$.done",
                    "Next": "Approve"},
            "Approve": {"Type": "Task", "Resource": activity, "HeartbeatSeconds": 600, "End": True},
        },
    }  # fmt: skip


def open_states(node: Node, execution: str, admin: dict[str, Any]) -> list[str]:
    status, body = node.call("ListOpenTasks", {"executionArn": execution}, admin)
    assert status == 200, body
    return sorted(t["state"] for t in body["tasks"])


def test_completion_by_address_with_an_allowed_key_and_refused_ones(node: Node) -> None:
    admin = node.create_key("admin", "*")
    sfn = node.sfn(admin)
    activity = sfn.create_activity(name="work")["activityArn"]
    sm = machine(sfn, "orders", definition(activity))
    other = machine(sfn, "other", definition(activity))
    allowed = node.create_key("ops", ADDRESS_OPS, sm)
    elsewhere = node.create_key("elsewhere", ADDRESS_OPS, other)
    token_only = node.create_key("worker", "SendTask*", sm)
    ex = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"items": ["a", "b"]}))["executionArn"]
    wait_until(lambda: open_states(node, ex, admin) == ["Work", "Work"])

    # several wait in Work: the error names each candidate, and nothing closes
    request = {"executionArn": ex, "stateName": "Work", "output": "{}"}
    status, body = node.call("SucceedTaskByAddress", request, allowed)
    assert status == 400 and body["__type"] == "ValidationException"
    assert "mapIndex 0" in body["message"] and "mapIndex 1" in body["message"]
    # keys that may not: another machine's scope, and a key for token callbacks only
    for key in (elsewhere, token_only):
        request = {"executionArn": ex, "stateName": "Work", "mapIndex": 0, "output": "{}"}
        status, body = node.call("SucceedTaskByAddress", request, key)
        assert (status, body["__type"]) == (400, "AccessDeniedException")
    assert open_states(node, ex, admin) == ["Work", "Work"]

    # the CLI, signed with the allowed key; a repeat is harmless, a different output is refused
    args = ("tasks", "succeed", ex, "--state", "Work", "--map-index", "0", "--endpoint", node.endpoint)
    done = node.cli(*args, "--output", '{"i":0}', key=allowed, db=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert node.cli(*args, "--output", '{"i":0}', key=allowed, db=False).returncode == 0
    refused = node.cli(*args, "--output", '{"i":9}', key=allowed, db=False)
    assert refused.returncode != 0 and "TaskTimedOut" in refused.stderr
    status, body = node.call("SucceedTaskByAddress", {"executionArn": ex, "stateName": "Work", "mapIndex": 1,
                                                      "output": '{"i":1}'}, allowed)  # fmt: skip
    assert status == 200, body
    wait_until(lambda: open_states(node, ex, admin) == ["Approve"])

    # a heartbeat by address, then a token holder and an address caller race: exactly one wins
    beat = node.cli("tasks", "heartbeat", ex, "--state", "Approve", "--endpoint", node.endpoint, key=allowed,
                    db=False)  # fmt: skip
    assert beat.returncode == 0, beat.stderr
    token = sfn.get_activity_task(activityArn=activity)["taskToken"]
    worker = node.sfn(token_only)

    def by_token() -> str:
        try:
            worker.send_task_success(taskToken=token, output='{"by":"token"}')
            return "won"
        except worker.exceptions.TaskTimedOut:
            return "lost"

    def by_address() -> str:
        request = {"executionArn": ex, "stateName": "Approve", "output": '{"by":"address"}'}
        status, body = node.call("SucceedTaskByAddress", request, allowed)
        assert status == 200 or body["__type"] == "TaskTimedOut", body
        return "won" if status == 200 else "lost"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(f.result() for f in [pool.submit(by_token), pool.submit(by_address)])
    assert outcomes == ["lost", "won"]
    done_ex = wait_for(sfn, ex)
    assert done_ex["status"] == "SUCCEEDED"
    assert json.loads(done_ex["output"])["by"] in ("token", "address")
    assert history_types(sfn, ex).count("ActivitySucceeded") == 3

    # the audit log: who completed what, and the refusals
    entries = [e for e in node.audit(ex) if e["action"].endswith("ByAddress")]
    accepted = [(e["principal"], e["action"], e["state"]) for e in entries if e["outcome"] == "accepted"]
    assert (allowed["accessKeyId"], "SucceedTaskByAddress", "Work") in accepted
    assert (allowed["accessKeyId"], "HeartbeatTaskByAddress", "Approve") in accepted
    refused_by = {e["principal"] for e in node.audit() if e["outcome"] == "refused"}
    assert {elsewhere["accessKeyId"], token_only["accessKeyId"], allowed["accessKeyId"]} <= refused_by


def test_a_state_that_waits_on_nothing_and_an_unknown_execution(node: Node) -> None:
    sfn = node.sfn()
    activity = sfn.create_activity(name="w")["activityArn"]
    sm = machine(sfn, "one", definition(activity))
    ex = sfn.start_execution(stateMachineArn=sm, input='{"items": []}')["executionArn"]
    wait_until(lambda: node.call("ListOpenTasks", {"executionArn": ex})[1]["tasks"])
    status, body = node.call("FailTaskByAddress", {"executionArn": ex, "stateName": "Work", "error": "E"})
    assert (status, body["__type"]) == (400, "TaskDoesNotExist")
    status, body = node.call("FailTaskByAddress", {"executionArn": ex + "x", "stateName": "Approve"})
    assert (status, body["__type"]) == (400, "ExecutionDoesNotExist")
    status, body = node.call("FailTaskByAddress", {"executionArn": ex, "stateName": "Approve", "error": "No",
                                                   "cause": "refused"})  # fmt: skip
    assert status == 200, body
    failed = wait_for(sfn, ex)
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "No", "refused")

"""Waiting for a message by correlation key against real servers on both stores."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.callbacks.conftest import Node, history_types, machine, wait_for, wait_until

pytestmark = pytest.mark.slow


def waiting(resume: str = "All", *, timeout: int | None = None, jsonata: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": "arn:stepstone:states:::message:wait", "End": True}
    if jsonata:
        state["Arguments"] = {"MessageName": "Paid", "CorrelationKey": "{% $states.input.order %}",
                              "Resume": resume}  # fmt: skip
        state["QueryLanguage"] = "JSONata"
    else:
        state["Parameters"] = {"MessageName": "Paid", "CorrelationKey.$": "$.order", "Resume": resume}
    if timeout is not None:
        state["TimeoutSeconds"] = timeout
        state["Catch"] = [{"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"}]
        state.pop("End")
        state["Next"] = "Done"
    states: dict[str, Any] = {"Wait": state}
    if timeout is not None:
        states["TimedOut"] = {"Type": "Pass", "Result": "timed out", "End": True}
        states["Done"] = {"Type": "Succeed"}
    return {"StartAt": "Wait", "States": states}


def publish(node: Node, key: str, payload: Any, *, mid: str | None = None, ttl: int = 0) -> dict[str, Any]:
    request: dict[str, Any] = {"messageName": "Paid", "correlationKey": key, "payload": json.dumps(payload)}
    request["timeToLiveSeconds"] = ttl
    if mid is not None:
        request["messageId"] = mid
    status, body = node.call("PublishMessage", request)
    assert status == 200, body
    return body


def parked(node: Node, ex: str) -> bool:
    return bool(node.call("ListOpenTasks", {"executionArn": ex})[1]["tasks"])


def test_messages_before_and_after_the_wait_repeats_and_ttl(node: Node) -> None:
    sfn = node.sfn()
    sm = machine(sfn, "pay", waiting())
    # after the wait started: the payload is the task's output; the same id again changes nothing
    ex = sfn.start_execution(stateMachineArn=sm, input='{"order": "o-1"}')["executionArn"]
    wait_until(lambda: parked(node, ex))
    assert publish(node, "o-2", {"x": 0})["delivered"] == 0  # another key resumes nothing
    first = publish(node, "o-1", {"paid": 10}, mid="evt-1")
    assert (first["delivered"], first["duplicate"]) == (1, False)
    assert publish(node, "o-1", {"paid": 99}, mid="evt-1")["duplicate"] is True
    done = wait_for(sfn, ex)
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"paid": 10})
    assert history_types(sfn, ex).count("TaskSucceeded") == 1

    # before the wait: buffered while its TTL lasts, delivered when the wait starts
    early = publish(node, "o-3", {"early": True}, mid="evt-3", ttl=60)
    assert (early["delivered"], early["buffered"]) == (0, True)
    ex3 = sfn.start_execution(stateMachineArn=sm, input='{"order": "o-3"}')["executionArn"]
    assert json.loads(wait_for(sfn, ex3)["output"]) == {"early": True}
    # consumed: the next wait on that key waits
    ex3b = sfn.start_execution(stateMachineArn=sm, input='{"order": "o-3"}')["executionArn"]
    wait_until(lambda: parked(node, ex3b))

    # a TTL that runs out: the message is gone when the wait starts
    assert publish(node, "o-4", {"late": True}, ttl=1)["buffered"] is True
    time.sleep(1.3)
    ex4 = sfn.start_execution(stateMachineArn=sm, input='{"order": "o-4"}')["executionArn"]
    wait_until(lambda: parked(node, ex4))
    time.sleep(0.3)
    assert sfn.describe_execution(executionArn=ex4)["status"] == "RUNNING"
    assert publish(node, "o-4", {"now": 1})["delivered"] == 1
    assert json.loads(wait_for(sfn, ex4)["output"]) == {"now": 1}
    publish(node, "o-3", {"b": 1})
    assert wait_for(sfn, ex3b)["status"] == "SUCCEEDED"


def test_one_or_all_waits_resume_and_timeouts_catch(node: Node) -> None:
    sfn = node.sfn()
    everyone = machine(sfn, "all", waiting("All", jsonata=True))
    only_one = machine(sfn, "one", waiting("One"))
    alls = [
        sfn.start_execution(stateMachineArn=everyone, input='{"order": 7}')["executionArn"] for _ in range(2)
    ]
    ones = [
        sfn.start_execution(stateMachineArn=only_one, input='{"order": "k"}')["executionArn"]
        for _ in range(2)
    ]
    for ex in alls + ones:
        wait_until(lambda ex=ex: parked(node, ex))
    assert publish(node, "7", {"n": 1})["delivered"] == 2  # a number key matches its JSON text
    assert all(wait_for(sfn, ex)["status"] == "SUCCEEDED" for ex in alls)
    assert publish(node, "k", {"n": 2})["delivered"] == 1
    assert wait_for(sfn, ones[0])["status"] == "SUCCEEDED"
    assert sfn.describe_execution(executionArn=ones[1])["status"] == "RUNNING"
    assert publish(node, "k", {"n": 3})["delivered"] == 1
    assert json.loads(wait_for(sfn, ones[1])["output"]) == {"n": 3}

    timed = machine(sfn, "timed", waiting(timeout=1))
    ex = sfn.start_execution(stateMachineArn=timed, input='{"order": "never"}')["executionArn"]
    done = wait_for(sfn, ex)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == "timed out"
    assert publish(node, "never", {}, ttl=0)["delivered"] == 0  # the closed wait takes nothing


def test_cli_publish_and_bad_requests(node: Node) -> None:
    sfn = node.sfn()
    sm = machine(sfn, "cli", waiting())
    ex = sfn.start_execution(stateMachineArn=sm, input='{"order": "c"}')["executionArn"]
    wait_until(lambda: parked(node, ex))
    done = node.cli("messages", "publish", "Paid", "--key", "c", "--payload", '{"via":"cli"}', "--id", "m1",
                    "--endpoint", node.endpoint, db=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["delivered"] == 1
    assert json.loads(wait_for(sfn, ex)["output"]) == {"via": "cli"}
    for bad in ({"correlationKey": "c"}, {"messageName": "Paid", "correlationKey": "c", "payload": "{"},
                {"messageName": "Paid", "correlationKey": "c", "timeToLiveSeconds": -1}):  # fmt: skip
        status, body = node.call("PublishMessage", bad)
        assert (status, body["__type"]) == (400, "ValidationException")
    bad_sm = machine(sfn, "bad", {"StartAt": "W", "States": {"W": {
        "Type": "Task", "Resource": "arn:stepstone:states:::message:wait", "Parameters": {"MessageName": "x"},
        "End": True}}})  # fmt: skip
    failed = wait_for(sfn, sfn.start_execution(stateMachineArn=bad_sm)["executionArn"])
    assert (failed["status"], failed["error"]) == ("FAILED", "Message.InvalidRequest")


def test_a_message_wait_is_heartbeaten_by_address_and_times_out_without(node: Node) -> None:
    sfn = node.sfn()
    wait = waiting()
    wait["States"]["Wait"].update(HeartbeatSeconds=3, Catch=[{"ErrorEquals": ["States.HeartbeatTimeout"],
                                                              "Next": "Silent"}])  # fmt: skip
    wait["States"]["Wait"].pop("End")
    wait["States"]["Wait"]["Next"] = "Heard"
    wait["States"].update(Heard={"Type": "Succeed"}, Silent={"Type": "Fail", "Error": "Silent"})
    sm = machine(sfn, "beat", wait)
    ex = sfn.start_execution(stateMachineArn=sm, input='{"order": "h"}')["executionArn"]
    wait_until(lambda: parked(node, ex))
    beats = 0
    began = time.monotonic()
    while time.monotonic() - began < 4.5:  # longer than HeartbeatSeconds: only the heartbeats keep it
        status, body = node.call("HeartbeatTaskByAddress", {"executionArn": ex, "stateName": "Wait"})
        assert status == 200, body
        beats += 1
        time.sleep(1)
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING" and beats >= 4
    assert publish(node, "h", {"heard": True})["delivered"] == 1
    assert wait_for(sfn, ex)["status"] == "SUCCEEDED"
    silent = sfn.start_execution(stateMachineArn=sm, input='{"order": "s"}')["executionArn"]
    failed = wait_for(sfn, silent)
    assert (failed["status"], failed["error"]) == ("FAILED", "Silent")

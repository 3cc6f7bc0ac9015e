from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stepstone.errors import InvalidToken, TaskTimedOut
from stepstone.integrations.base import Registry, TaskRequest, TaskResult
from stepstone.integrations.functions import FunctionIntegration
from stepstone.integrations.mock import MockIntegration
from stepstone.runtime.inprocess import InProcessRunner, MaxEventsExceeded, VirtualClock, run_execution

FN = "arn:aws:lambda:us-east-1:123456789012:function:"
CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"


def registry_with(*integrations: Any) -> Registry:
    registry = Registry()
    for integration in integrations:
        integration.register_into(registry)
    return registry


def callback_machine(**task: Any) -> dict[str, Any]:
    state = {
        "Type": "Task",
        "Resource": CALLBACK,
        "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token", "id.$": "$.id"}},
        "ResultPath": "$.answer",
        "End": True,
        **task,
    }
    return {"StartAt": "Approve", "States": {"Approve": state}}


def test_a_one_year_wait_finishes_on_the_virtual_clock() -> None:
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 31_536_000, "End": True}}}
    clock = VirtualClock(datetime(2024, 1, 1, tzinfo=UTC))
    started = time.monotonic()
    result = asyncio.run(run_execution(definition, {"a": 1}, registry=Registry(), clock=clock))
    assert result.status == "SUCCEEDED" and result.output == {"a": 1}
    assert time.monotonic() - started < 5
    assert clock.now() >= datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=31_536_000)
    assert [e["type"] for e in result.history][-1] == "ExecutionSucceeded"


def test_tasks_go_through_the_registry_and_retries_wait_on_the_clock() -> None:
    mock = MockIntegration().add(FN + "charge", TaskResult.fail("Busy", "try later"), {"charged": True})
    definition = {
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": FN + "charge",
                "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 3600, "MaxAttempts": 2}],
                "End": True,
            }
        },
    }
    clock = VirtualClock(datetime(2024, 1, 1, tzinfo=UTC))
    result = asyncio.run(run_execution(definition, {"order": 7}, registry=registry_with(mock), clock=clock))
    assert result.status == "SUCCEEDED" and result.output == {"charged": True}
    assert [c.payload for c in mock.calls] == [{"order": 7}, {"order": 7}]
    assert clock.now() >= datetime(2024, 1, 1, 1, tzinfo=UTC)


def test_a_task_failure_fails_the_execution_with_its_error() -> None:
    mock = MockIntegration().add_failure(FN + "f", "Custom.Error", "it broke")
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN + "f", "End": True}}}
    result = asyncio.run(run_execution(definition, {}, registry=registry_with(mock)))
    assert (result.status, result.error, result.cause) == ("FAILED", "Custom.Error", "it broke")


def test_an_unknown_resource_fails_the_task_not_the_runner() -> None:
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN + "nobody", "End": True}}}
    result = asyncio.run(run_execution(definition, {}, registry=Registry()))
    assert result.status == "FAILED" and result.error == "States.TaskFailed"
    assert "No integration" in (result.cause or "")


def test_a_callback_task_parks_then_completes_with_send_task_success() -> None:
    seen: list[Any] = []
    functions = FunctionIntegration({"notify": lambda event, context: seen.append(event)})
    runner = InProcessRunner(callback_machine(), registry=registry_with(functions))
    runner.start({"id": "r1"})
    parked = asyncio.run(runner.run_until_idle())
    assert parked.status == "RUNNING"
    (token,) = runner.open_tokens
    assert seen == [{"token": token, "id": "r1"}]
    runner.send_task_success(token, {"approved": True})
    done = asyncio.run(runner.run_until_idle())
    assert done.status == "SUCCEEDED" and done.output == {"id": "r1", "answer": {"approved": True}}
    with pytest.raises(TaskTimedOut):
        runner.send_task_success(token, {"again": True})
    with pytest.raises(InvalidToken):
        runner.send_task_failure("not-a-token", "E", "c")


def test_send_task_failure_fails_the_task() -> None:
    runner = InProcessRunner(
        callback_machine(), registry=registry_with(FunctionIntegration({"notify": lambda e, c: None}))
    )
    runner.start({"id": "r2"})
    asyncio.run(runner.run_until_idle())
    (token,) = runner.open_tokens
    runner.send_task_failure(token, "Rejected", "no budget")
    result = asyncio.run(runner.run_until_idle())
    assert (result.status, result.error, result.cause) == ("FAILED", "Rejected", "no budget")


def test_a_function_can_call_back_from_its_own_thread() -> None:
    holder: dict[str, InProcessRunner] = {}

    def notify(event: Any, context: Any) -> None:
        holder["runner"].send_task_success(event["token"], {"auto": True})

    runner = InProcessRunner(
        callback_machine(), registry=registry_with(FunctionIntegration({"notify": notify}))
    )
    holder["runner"] = runner
    runner.start({"id": "r3"})
    result = asyncio.run(runner.run_until_idle())
    assert result.status == "SUCCEEDED" and result.output["answer"] == {"auto": True}


def test_a_callback_timeout_fires_on_the_virtual_clock_and_can_be_caught() -> None:
    definition = callback_machine(
        TimeoutSeconds=86400,
        Catch=[{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "TimedOut"}],
    )
    definition["States"]["TimedOut"] = {"Type": "Pass", "End": True}
    runner = InProcessRunner(
        definition, registry=registry_with(FunctionIntegration({"notify": lambda e, c: None}))
    )
    runner.start({"id": "r4"})
    result = asyncio.run(runner.run_until_idle())
    assert result.status == "SUCCEEDED" and result.output["timeout"]["Error"] == "States.Timeout"
    assert runner.open_tokens == {}  # the timed-out task's token is closed


def test_a_missing_heartbeat_times_out_and_a_heartbeat_moves_the_deadline() -> None:
    definition = callback_machine(HeartbeatSeconds=60, TimeoutSeconds=3600)

    def run(notify: Any) -> float:
        holder: dict[str, InProcessRunner] = {}
        runner = InProcessRunner(
            definition,
            registry=registry_with(FunctionIntegration({"notify": lambda e, c: notify(holder["r"], e)})),
            clock=VirtualClock(datetime(2024, 1, 1, tzinfo=UTC)),
        )
        holder["r"] = runner
        runner.start({"id": "hb"})
        result = asyncio.run(runner.run_until_idle())
        assert result.status == "FAILED" and result.error == "States.HeartbeatTimeout"
        first, last = result.history[0]["timestamp"], result.history[-1]["timestamp"]
        return float((last - first).total_seconds())

    def beat_late(runner: InProcessRunner, event: Any) -> None:
        time.sleep(0.3)  # the clock runs in real time while the function runs
        runner.send_task_heartbeat(event["token"])

    silent = run(lambda runner, event: None)
    beating = run(beat_late)
    assert 60 <= silent < 60.25
    assert beating >= silent + 0.25


def test_a_slow_function_is_interrupted_by_the_task_timeout_in_real_time() -> None:
    def slow(event: Any, context: Any) -> str:
        time.sleep(1.5)
        return "late"

    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": FN + "slow", "TimeoutSeconds": 1, "End": True}},
    }
    registry = registry_with(FunctionIntegration({"slow": slow}))

    async def timed() -> tuple[Any, float]:
        started = time.monotonic()
        result = await run_execution(definition, {}, registry=registry)
        return result, time.monotonic() - started

    result, seconds = asyncio.run(timed())
    assert result.status == "FAILED" and result.error == "States.Timeout"
    assert 0.9 < seconds < 1.45


def test_a_runaway_loop_is_stopped() -> None:
    mock = MockIntegration().add(FN + "f", {})
    definition = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": FN + "f", "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "E"}],
                "Default": "T",
            },
            "E": {"Type": "Succeed"},
        },
    }
    with pytest.raises(MaxEventsExceeded):
        asyncio.run(run_execution(definition, {}, registry=registry_with(mock), max_events=50))


def test_the_clock_only_moves_forward() -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    clock = VirtualClock(start)
    clock.advance_to(start + timedelta(days=3))
    assert clock.now() >= start + timedelta(days=3)
    before = clock.now()
    clock.advance_to(start)
    assert clock.now() >= before


def test_the_request_names_the_execution_and_state() -> None:
    mock = MockIntegration().add(FN + "f", lambda r: {"state": r.state_name, "pattern": r.pattern})
    definition = {
        "StartAt": "Do It",
        "States": {"Do It": {"Type": "Task", "Resource": FN + "f", "End": True}},
    }
    result = asyncio.run(run_execution(definition, {}, registry=registry_with(mock)))
    assert result.output == {"state": "Do It", "pattern": "request_response"}
    request: TaskRequest = mock.calls[0]
    assert request.execution_arn.startswith("arn:aws:states:us-east-1:123456789012:execution:")

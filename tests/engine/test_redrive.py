"""Redrive: a FAILED, TIMED_OUT or ABORTED execution enters again the state where it stopped."""

from __future__ import annotations

from typing import Any

from stepstone.engine.events import Redrive, Stop, TaskFailed, TaskSucceeded
from stepstone.engine.state import ExecutionState
from tests.engine.harness import LAMBDA, start


def definition() -> dict[str, Any]:
    return {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"kept": "yes"}, "Result": {"n": 1}, "Next": "Work"},
            "Work": {
                "Type": "Task",
                "Resource": LAMBDA,
                "Parameters": {"n.$": "$.n", "redrives.$": "$$.Execution.RedriveCount", "kept.$": "$kept"},
                "End": True,
            },
        },
    }


def test_redrive_reenters_the_failed_state_with_its_input_and_variables() -> None:
    run = start(definition())
    (first,) = run.invocations()
    assert first.payload == {"n": 1, "redrives": 0, "kept": "yes"}
    run.send(TaskFailed(first.task_id, "Boom", "bad"))
    assert run.state is not None and run.state.status == "FAILED"
    # the state between transitions is JSON in the store: the redrive point must survive it
    run.state = ExecutionState.from_json(run.state.to_json())
    before = len(run.history)
    decision = run.send(Redrive(redrive_count=1))
    assert decision.ignored is None
    assert [e["type"] for e in run.history[before:]] == [
        "ExecutionRedriven",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
    ]
    assert run.history[before]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert [e["id"] for e in run.history] == list(range(1, len(run.history) + 1))
    second = run.invocations()[-1]
    assert second.payload == {"n": 1, "redrives": 1, "kept": "yes"}
    run.send(TaskSucceeded(second.task_id, {"done": True}))
    assert run.state.status == "SUCCEEDED" and run.state.output == {"done": True}
    assert run.state.error is None


def test_an_aborted_execution_is_redriven_where_it_waited() -> None:
    run = start(definition())
    run.send(Stop("Halt", "by hand"))
    assert run.state is not None and run.state.status == "ABORTED"
    run.send(Redrive(redrive_count=1))
    assert run.state.status == "RUNNING"
    assert run.invocations()[-1].payload["redrives"] == 1


def test_only_closed_unsuccessful_executions_are_redriven() -> None:
    run = start(definition())
    assert run.send(Redrive(redrive_count=1)).ignored == "the execution is RUNNING and cannot be redriven"
    (invoke,) = run.invocations()
    run.send(TaskSucceeded(invoke.task_id, {}))
    assert run.send(Redrive(redrive_count=1)).ignored == "the execution is SUCCEEDED and cannot be redriven"

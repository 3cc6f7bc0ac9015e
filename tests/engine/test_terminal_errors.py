"""States.Runtime fails the execution: no Retry, Catch or tolerated-failure threshold handles it.

AWS's recording (test_catch_states_runtime): a Lambda Task succeeds, its OutputPath selects nothing,
and a Catch naming States.Runtime does not catch it: LambdaFunctionSucceeded, then ExecutionFailed.
Its documentation says the same of every States.Runtime ("isn't retriable, and will always cause
the execution to fail"), so an InputPath, Parameters, ResultSelector or *Path failure is treated
alike. An error that the task itself reports is a task error, caught as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from stepstone.engine.events import TaskFailed, TaskSucceeded
from tests.engine.harness import LAMBDA, start

CATCH_RUNTIME = [{"ErrorEquals": ["States.Runtime"], "Next": "Caught"}]
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
RETRY_RUNTIME = [
    {"ErrorEquals": ["States.Runtime"], "MaxAttempts": 3},
    {"ErrorEquals": ["States.ALL"], "MaxAttempts": 3},
]


def machine(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "S",
        "States": {
            "S": {"Next": "Final", **state},
            "Caught": {"Type": "Pass", "End": True},
            "Final": {"Type": "Succeed"},
        },
    }


@pytest.mark.parametrize("catch", [CATCH_RUNTIME, CATCH_ALL], ids=["States.Runtime", "States.ALL"])
def test_output_path_miss_after_a_task_result_is_not_caught(catch: list[dict[str, Any]]) -> None:
    run = start(
        machine({"Type": "Task", "Resource": LAMBDA, "OutputPath": "$.no.such.result.path", "Catch": catch})
    )
    run.send(TaskSucceeded(run.invocations()[0].task_id, {}))
    assert run.state is not None and run.state.status == "FAILED" and run.state.error == "States.Runtime"
    assert run.state.cause is not None and run.state.cause.startswith(
        "An error occurred while executing the state 'S' (entered at the event id #2). Invalid path "
        "'$.no.such.result.path' : "
    )
    assert run.types[-2:] == ["LambdaFunctionSucceeded", "ExecutionFailed"]


@pytest.mark.parametrize(
    "fields",
    [
        {"InputPath": "$.missing"},
        {"Parameters": {"x.$": "$.missing"}},
        {"ResultSelector": {"x.$": "$.missing"}},
        {"TimeoutSecondsPath": "$.missing"},
        {"HeartbeatSecondsPath": "$.t"},
    ],
    ids=lambda fields: next(iter(fields)),
)
def test_path_failures_of_a_task_are_not_caught_or_retried(fields: dict[str, Any]) -> None:
    state = {"Type": "Task", "Resource": LAMBDA, "Retry": RETRY_RUNTIME, "Catch": CATCH_ALL, **fields}
    run = start(machine(state), {"t": "soon"})
    if run.invocations():
        run.send(TaskSucceeded(run.invocations()[0].task_id, {}))
    assert run.state is not None and (run.state.status, run.state.error) == ("FAILED", "States.Runtime")
    assert not any(timer.startswith("retry:") for timer in run.timers())
    assert "PassStateEntered" not in run.types


def test_an_error_the_task_reports_is_still_caught() -> None:
    run = start(machine({"Type": "Task", "Resource": LAMBDA, "OutputPath": None, "Catch": CATCH_ALL}))
    run.send(TaskFailed(run.invocations()[0].task_id, "States.DataLimitExceeded", "too big"))
    assert run.state is not None and run.state.status == "SUCCEEDED"
    assert run.state.output == {"Error": "States.DataLimitExceeded", "Cause": "too big"}


def test_output_path_null_leaves_the_catchers_error_output_alone() -> None:
    # AWS (test_raise_exception_catch_output_path[None]): the catcher gets {"Error", "Cause"} as its
    # ResultPath places it; OutputPath applies to a result only.
    catch = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
    definition = machine(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName.$": "$.FunctionName", "Payload.$": "$.Payload"},
            "ResultPath": "$.Payload",
            "OutputPath": None,
            "Catch": catch,
        }
    )
    definition["States"]["Caught"] = {"Type": "Pass", "Parameters": {"InputValue.$": "$"}, "End": True}
    run = start(definition, {"FunctionName": "f", "Payload": {"p": 0}})
    run.send(TaskFailed(run.invocations()[0].task_id, "Exception", '{"errorMessage":"boom"}'))
    assert run.state is not None and run.state.output == {
        "InputValue": {"Error": "Exception", "Cause": '{"errorMessage":"boom"}'}
    }
    run = start(definition, {"FunctionName": "f", "Payload": {"p": 0}})
    run.send(TaskSucceeded(run.invocations()[0].task_id, {"Payload": 1}))
    assert run.state is not None and run.state.output == {}  # OutputPath null: the state's output is {}
    definition["States"]["S"]["Catch"] = [{**catch[0], "ResultPath": "$.error"}]
    run = start(definition, {"FunctionName": "f", "Payload": {"p": 0}})
    run.send(TaskFailed(run.invocations()[0].task_id, "Exception", "c"))
    assert run.state is not None and run.state.output == {
        "InputValue": {
            "FunctionName": "f",
            "Payload": {"p": 0},
            "error": {"Error": "Exception", "Cause": "c"},
        }
    }


def test_a_branch_runtime_failure_is_not_caught_by_the_parallel() -> None:
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "InputPath": "$.missing", "End": True}}}
    run = start(machine({"Type": "Parallel", "Branches": [branch], "Catch": CATCH_ALL}), {})
    assert run.state is not None and (run.state.status, run.state.error) == ("FAILED", "States.Runtime")
    assert run.types[-2:] == ["ParallelStateFailed", "ExecutionFailed"]


def test_a_map_iteration_runtime_failure_is_not_tolerated() -> None:
    processor = {"StartAt": "B", "States": {"B": {"Type": "Pass", "OutputPath": "$.missing", "End": True}}}
    state = {"Type": "Map", "ItemProcessor": processor, "ToleratedFailurePercentage": 100, "Catch": CATCH_ALL}
    run = start(machine(state), [{"a": 1}])
    assert run.state is not None and (run.state.status, run.state.error) == ("FAILED", "States.Runtime")
    assert "MapStateFailed" in run.types and "MapStateSucceeded" not in run.types
    # A task error in an iteration is still tolerated.
    processor = {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": LAMBDA, "End": True}}}
    run = start(machine({**state, "ItemProcessor": processor}), [1])
    run.send(TaskFailed(run.invocations()[0].task_id, "Nope", "c"))
    assert run.state is not None and run.state.status == "SUCCEEDED"

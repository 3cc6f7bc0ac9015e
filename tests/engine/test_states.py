from __future__ import annotations

from typing import Any

import pytest

from stepstone.engine.events import TaskSucceeded, TimerFired
from tests.engine.harness import LAMBDA, start


def machine(**states: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def test_pass_chain_runs_in_one_decision_with_aws_history() -> None:
    run = start(
        machine(
            A={"Type": "Pass", "Parameters": {"x.$": "$.v", "k": 1}, "ResultPath": "$.p", "Next": "B"},
            B={"Type": "Pass", "Result": {"r": 2}, "ResultPath": "$.q", "OutputPath": "$.q", "End": True},
        ),
        {"v": 5},
    )
    assert run.state is not None and run.state.status == "SUCCEEDED"
    assert run.state.output == {"r": 2}
    assert run.types == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert run.history[2]["stateExitedEventDetails"]["output"] == {"v": 5, "p": {"x": 5, "k": 1}}
    assert [e["id"] for e in run.history] == [1, 2, 3, 4, 5, 6]
    assert [e["previousEventId"] for e in run.history] == [0, 1, 2, 3, 4, 5]


def test_input_path_null_and_result_path_null() -> None:
    run = start(machine(A={"Type": "Pass", "InputPath": None, "ResultPath": None, "End": True}), {"a": 1})
    assert run.state is not None and run.state.output == {"a": 1}


def test_choice_default_and_no_match() -> None:
    rules = [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}]
    definition = machine(
        C={"Type": "Choice", "Choices": rules, "Default": "Small"},
        Big={"Type": "Pass", "Result": "big", "End": True},
        Small={"Type": "Pass", "Result": "small", "End": True},
    )
    assert start(definition, {"n": 2}).state.output == "big"  # type: ignore[union-attr]
    assert start(definition, {"n": 0}).state.output == "small"  # type: ignore[union-attr]
    no_default = machine(C={"Type": "Choice", "Choices": rules}, Big={"Type": "Succeed"})
    run = start(no_default, {"n": 0})
    assert run.state is not None and run.state.status == "FAILED"
    assert run.state.error == "States.NoChoiceMatched"


def test_wait_seconds_arms_a_timer_and_continues_when_it_fires() -> None:
    run = start(
        machine(W={"Type": "Wait", "Seconds": 30, "Next": "Done"}, Done={"Type": "Succeed"}), {"a": 1}
    )
    timers = run.timers()
    assert list(timers.values()) == [run.after(30)]
    assert run.types[-1] == "WaitStateEntered"
    run.send(TimerFired(next(iter(timers))), at=run.after(30))
    assert run.state is not None and run.state.status == "SUCCEEDED" and run.state.output == {"a": 1}
    assert "WaitStateExited" in run.types


def test_wait_timestamp_in_the_past_continues_at_once() -> None:
    run = start(
        machine(W={"Type": "Wait", "TimestampPath": "$.t", "End": True}), {"t": "2000-01-01T00:00:00Z"}
    )
    assert run.state is not None and run.state.status == "SUCCEEDED"
    assert run.timers() == {}


def test_wait_seconds_path_must_be_an_integer() -> None:
    run = start(machine(WaitState={"Type": "Wait", "SecondsPath": "$.s", "End": True}), {"s": 1.5})
    assert run.state is not None and run.state.status == "FAILED"
    assert run.state.error == "States.Runtime"
    assert run.state.cause == (
        "An error occurred while executing the state 'WaitState' (entered at the event id #2). "
        "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"
    )


def test_fail_state_with_paths() -> None:
    run = start(
        machine(F={"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}), {"e": "Oops", "c": "because"}
    )
    assert run.state is not None and run.state.status == "FAILED"
    assert (run.state.error, run.state.cause) == ("Oops", "because")
    assert run.types[-2:] == ["FailStateEntered", "ExecutionFailed"]


def test_output_path_miss_is_a_runtime_error_with_aws_cause() -> None:
    run = start(machine(pass_={"Type": "Pass", "OutputPath": "$.NoSuchOutputPath", "End": True}), {})
    assert run.state is not None and run.state.error == "States.Runtime"
    assert run.state.cause == (
        "An error occurred while executing the state 'pass_' (entered at the event id #2). "
        "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']"
    )


def test_task_lambda_result_selector_and_result_path() -> None:
    run = start(
        machine(
            T={
                "Type": "Task",
                "Resource": LAMBDA,
                "ResultSelector": {"v.$": "$.value"},
                "ResultPath": "$.r",
                "End": True,
            }
        ),
        {"in": 1},
    )
    (invoke,) = run.invocations()
    assert (invoke.resource, invoke.pattern, invoke.payload, invoke.token) == (
        LAMBDA,
        "request_response",
        {"in": 1},
        None,
    )
    assert run.types[-2:] == ["LambdaFunctionScheduled", "LambdaFunctionStarted"]
    run.send(TaskSucceeded(invoke.task_id, {"value": 9, "junk": 0}))
    assert run.state is not None and run.state.output == {"in": 1, "r": {"v": 9}}
    assert run.types[-3:] == ["LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]


def test_context_object_fields() -> None:
    run = start(
        machine(
            P={
                "Type": "Pass",
                "Parameters": {
                    "id.$": "$$.Execution.Id",
                    "start.$": "$$.Execution.StartTime",
                    "name.$": "$$.State.Name",
                    "sm.$": "$$.StateMachine.Name",
                    "state.$": "$$.State",
                    "input.$": "$$.Execution.Input",
                },
                "End": True,
            }
        ),
        {"a": 1},
    )
    assert run.state is not None
    assert run.state.output == {
        "id": "arn:aws:states:us-east-1:123456789012:execution:sm:run-1",
        "start": "2024-01-01T00:00:00.000Z",
        "name": "P",
        "sm": "sm",
        # AWS gives a Pass state no RetryCount (only the states that can retry have one).
        "state": {"EnteredTime": "2024-01-01T00:00:00.000Z", "Name": "P"},
        "input": {"a": 1},
    }


@pytest.mark.parametrize("field", ["ErrorPath", "CausePath"])
@pytest.mark.parametrize("written", ["$.['missing']", '$["missing"]', "$.missing.[0]"])
def test_a_fail_path_that_finds_nothing_is_quoted_as_written(field: str, written: str) -> None:
    run = start(machine(F={"Type": "Fail", field: written}), {"e": "Oops"})
    assert run.state is not None and run.state.error == "States.Runtime"
    assert run.state.cause is not None
    assert f"The JSONPath '{written}' specified for the field '{field}' could not be found" in run.state.cause


@pytest.mark.parametrize(
    ("state", "quoted"),
    [
        ({"Type": "Pass", "OutputPath": "$.['nope']", "End": True}, "Invalid path '$.['nope']' :"),
        ({"Type": "Pass", "InputPath": '$["nope"]', "End": True}, "Invalid path '$[\"nope\"]' :"),
        ({"Type": "Wait", "SecondsPath": "$.['s']", "End": True}, "$.['s']"),
        ({"Type": "Pass", "Parameters": {"x.$": "$.['nope']"}, "End": True}, "The JSONPath '$.['nope']'"),
    ],
)
def test_other_run_time_messages_quote_paths_as_written(state: dict[str, Any], quoted: str) -> None:
    run = start(machine(S=state), {"s": "soon"})
    assert run.state is not None and run.state.error == "States.Runtime"
    assert quoted in (run.state.cause or "")

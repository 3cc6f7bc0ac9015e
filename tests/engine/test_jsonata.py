"""JSONata states in the interpreter: $states, the mixing rules, expression fields and their errors."""

from __future__ import annotations

from typing import Any

import pytest

from stepstone.asl.diagnostics import InvalidDefinitionError
from stepstone.engine.events import TaskFailed, TaskSucceeded, TimerFired
from stepstone.engine.program import load_program
from tests.engine.harness import LAMBDA, start

CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def jsonata(states: dict[str, Any], start_at: str = "A", **top: Any) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start_at, "States": states, **top}


def pointers(definition: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidDefinitionError) as raised:
        load_program(definition)
    return [d.location for d in raised.value.diagnostics]


# -- mixing rules and definition-time errors ---------------------------------------------------------


def test_a_jsonpath_machine_may_hold_jsonata_states_and_they_share_variables() -> None:
    definition = {
        "StartAt": "Old",
        "States": {
            "Old": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Assign": {"seen.$": "$.n"}, "Next": "New"},
            "New": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.n + $seen %}",
                "End": True,
            },
        },
    }
    run = start(definition, {"n": 4})
    assert run.state is not None and run.state.output == 8


def test_a_jsonata_machine_rejects_jsonpath_states_and_jsonpath_fields() -> None:
    assert pointers(jsonata({"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}})) == [
        "/States/A/QueryLanguage"
    ]
    assert pointers(jsonata({"A": {"Type": "Pass", "Parameters": {}, "ResultPath": "$.x", "End": True}})) == [
        "/States/A/Parameters",
        "/States/A/ResultPath",
    ]


def test_a_syntax_error_is_reported_at_its_pointer_before_anything_runs() -> None:
    definition = jsonata(
        {"A": {"Type": "Pass", "Output": {"list": [1, "{% $states.input. %}"]}, "End": True}}
    )
    assert pointers(definition) == ["/States/A/Output/list/1"]


def test_states_members_are_checked_where_the_field_cannot_read_them() -> None:
    definition = jsonata(
        {
            "A": {"Type": "Pass", "Output": "{% $states.result %}", "Next": "B"},
            "B": {"Type": "Pass", "Output": "{% $states.errorOutput %}", "Next": "C"},
            "C": {
                "Type": "Pass",
                "Output": "{% $$.Execution %}",
                "Assign": {"states": 1, "9x": 2},
                "End": True,
            },
        }
    )
    assert pointers(definition) == [
        "/States/A/Output",
        "/States/B/Output",
        "/States/C/Assign/states",
        "/States/C/Assign/9x",
        "/States/C/Output",
    ]


# -- evaluation ---------------------------------------------------------------------------------------


def test_states_input_context_and_undefined_fields() -> None:
    output = {"in": "{% $states.input.a %}", "name": "{% $states.context.State.Name %}"}
    run = start(jsonata({"A": {"Type": "Pass", "Output": output, "End": True}}), {"a": [1, 2]})
    assert run.state is not None and run.state.output == {"in": [1, 2], "name": "A"}

    run = start(jsonata({"A": {"Type": "Pass", "Output": {"x": "{% $nope %}"}, "End": True}}))
    assert run.state is not None and run.state.error == "States.QueryEvaluationError"
    assert run.state.cause == (
        "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata "
        "expression '$nope' specified for the field 'Output/x' returned nothing (undefined)."
    )


def test_task_arguments_output_result_and_expression_timeouts() -> None:
    task = {
        "Type": "Task",
        "Resource": LAMBDA,
        "Arguments": {"doubled": "{% $states.input.n * 2 %}"},
        "TimeoutSeconds": "{% $states.input.n * 10 %}",
        "Output": {"sum": "{% $states.result.v + $states.input.n %}"},
        "End": True,
    }
    run = start(jsonata({"A": task}), {"n": 3})
    (invoke,) = run.invocations()
    assert invoke.payload == {"doubled": 6}
    assert invoke.timeout_seconds == 30
    run.send(TaskSucceeded(invoke.task_id, {"v": 10}))
    assert run.state is not None and run.state.output == {"sum": 13}


def test_wait_for_token_exposes_the_token_in_states_context() -> None:
    task = {
        "Type": "Task",
        "Resource": CALLBACK,
        "Arguments": {"token": "{% $states.context.Task.Token %}"},
        "End": True,
    }
    run = start(jsonata({"A": task}))
    (invoke,) = run.invocations()
    assert invoke.payload == {"token": invoke.token}


def test_catch_output_and_assign_read_the_error_output() -> None:
    task = {
        "Type": "Task",
        "Resource": LAMBDA,
        "Catch": [
            {
                "ErrorEquals": ["States.ALL"],
                "Assign": {"err": "{% $states.errorOutput.Error %}"},
                "Output": {"was": "{% $states.input %}", "cause": "{% $states.errorOutput.Cause %}"},
                "Next": "B",
            }
        ],
        "End": True,
    }
    after = {"Type": "Pass", "Output": {"out": "{% $states.input %}", "err": "{% $err %}"}, "End": True}
    run = start(jsonata({"A": task, "B": after}), {"k": 1})
    (invoke,) = run.invocations()
    run.send(TaskFailed(invoke.task_id, "Boom", "bad"))
    assert run.state is not None
    assert run.state.output == {"out": {"was": {"k": 1}, "cause": "bad"}, "err": "Boom"}


def test_choice_condition_must_be_boolean_and_rule_output_wins() -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Condition": "{% $states.input.go %}", "Output": "rule", "Next": "B"}],
        "Default": "B",
        "Output": "default",
    }
    definition = jsonata({"A": choice, "B": {"Type": "Succeed"}})
    assert start(definition, {"go": True}).state.output == "rule"  # type: ignore[union-attr]
    assert start(definition, {"go": False}).state.output == "default"  # type: ignore[union-attr]
    failed = start(definition, {"go": "yes"}).state
    assert failed is not None and failed.error == "States.QueryEvaluationError"
    assert "Expected 'boolean', but was 'string'" in (failed.cause or "")


def test_map_items_item_selector_and_the_items_type() -> None:
    processor = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    mapped = {
        "Type": "Map",
        "Items": "{% $states.input.xs %}",
        "ItemSelector": {
            "i": "{% $states.context.Map.Item.Index %}",
            "v": "{% $states.context.Map.Item.Value %}",
        },
        "ItemProcessor": processor,
        "End": True,
    }
    run = start(jsonata({"A": mapped}), {"xs": ["a", "b"]})
    assert run.state is not None and run.state.output == [{"i": 0, "v": "a"}, {"i": 1, "v": "b"}]
    run = start(jsonata({"A": mapped}), {"xs": {"not": "a list"}})
    assert run.state is not None and run.state.error == "States.QueryEvaluationError"
    assert "Expected 'array', but was 'object'" in (run.state.cause or "")


def test_wait_seconds_and_fail_error_cause_expressions() -> None:
    definition = jsonata(
        {
            "A": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "Next": "F"},
            "F": {
                "Type": "Fail",
                "Error": "{% 'E.' & $states.input.s %}",
                "Cause": "{% $string($states.input) %}",
            },
        }
    )
    run = start(definition, {"s": 5})
    (timer,) = run.timers().items()
    assert timer[1] == run.after(5)
    run.send(TimerFired(timer[0]), at=timer[1])
    assert run.state is not None and (run.state.error, run.state.cause) == ("E.5", '{"s":5}')


def test_parallel_arguments_feed_every_branch() -> None:
    def branch(name: str) -> dict[str, Any]:
        return {
            "StartAt": name,
            "States": {name: {"Type": "Pass", "Output": "{% $states.input.v %}", "End": True}},
        }

    parallel = {
        "Type": "Parallel",
        "Arguments": {"v": "{% $states.input.x + 1 %}"},
        "Branches": [branch("B1"), branch("B2")],
        "End": True,
    }
    run = start(jsonata({"A": parallel}), {"x": 1})
    assert run.state is not None and run.state.output == [2, 2]

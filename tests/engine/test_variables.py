"""Workflow variables: Assign in both query languages, scopes of Parallel and Map, limits, history."""

from __future__ import annotations

from typing import Any

from stepstone.engine.events import TaskSucceeded
from stepstone.engine.history import to_aws
from stepstone.engine.state import ExecutionState
from stepstone.engine.variables import MAX_VARIABLE_BYTES
from tests.engine.harness import LAMBDA, start


def chain(*states: tuple[str, dict[str, Any]], language: str = "JSONPath") -> dict[str, Any]:
    body: dict[str, Any] = {}
    for index, (name, state) in enumerate(states):
        link = {"Next": states[index + 1][0]} if index + 1 < len(states) else {"End": True}
        body[name] = state if state["Type"] == "Choice" else {**state, **link}
    return {"QueryLanguage": language, "StartAt": states[0][0], "States": body}


def test_jsonpath_assign_reads_the_result_and_later_states_read_the_variable() -> None:
    run = start(
        chain(
            ("A", {"Type": "Pass", "Result": {"answer": 42}, "Assign": {"x.$": "$.answer", "k": "lit"}}),
            (
                "B",
                {
                    "Type": "Pass",
                    "Parameters": {"x.$": "$x", "k.$": "$k", "both.$": "States.Format('{}{}', $x, $k)"},
                },
            ),
        ),
        {"ignored": True},
    )
    assert run.state is not None and run.state.status == "SUCCEEDED"
    assert run.state.output == {"x": 42, "k": "lit", "both": "42lit"}


def test_assignments_of_one_state_see_the_values_from_before_it() -> None:
    run = start(
        chain(
            ("A", {"Type": "Pass", "Assign": {"a": 1}}),
            ("B", {"Type": "Pass", "Assign": {"a": 2, "old": "{% $a %}"}, "Output": "{% $a %}"}),
            ("C", {"Type": "Pass", "Output": {"a": "{% $a %}", "old": "{% $old %}"}}),
            language="JSONata",
        )
    )
    assert run.state is not None and run.state.output == {"a": 2, "old": 1}
    exited = [e for e in run.history if e["type"] == "PassStateExited"]
    assert exited[1]["stateExitedEventDetails"]["output"] == 1  # Output read the old $a too
    rendered = to_aws(exited[1])["stateExitedEventDetails"]
    assert rendered["assignedVariables"] == {"a": "2", "old": "1"}
    assert rendered["assignedVariablesDetails"] == {"truncated": False}


def test_branches_read_outer_variables_and_keep_their_own_to_themselves() -> None:
    def branch(n: int) -> dict[str, Any]:
        return {
            "StartAt": f"In{n}",
            "States": {
                f"In{n}": {"Type": "Pass", "Assign": {"inner.$": "$x"}, "Next": f"Read{n}"},
                f"Read{n}": {
                    "Type": "Pass",
                    "Parameters": {"outer.$": "$x", "inner.$": "$inner"},
                    "End": True,
                },
            },
        }

    run = start(
        chain(
            ("Set", {"Type": "Pass", "Assign": {"x": 42}}),
            ("Par", {"Type": "Parallel", "Branches": [branch(1), branch(2)]}),
            ("After", {"Type": "Pass", "Parameters": {"seen.$": "$inner"}}),
        )
    )
    state = run.state
    assert state is not None and state.status == "FAILED"
    assert state.error == "States.Runtime"
    assert "'$inner'" in (state.cause or "")  # the branch's variable is not visible outside it
    exited = [e for e in run.history if e["type"] == "ParallelStateExited"]
    assert exited[0]["stateExitedEventDetails"]["output"] == [{"outer": 42, "inner": 42}] * 2


def test_map_iterations_have_a_scope_each() -> None:
    processor = {
        "StartAt": "Keep",
        "States": {
            "Keep": {"Type": "Pass", "Assign": {"mine.$": "$"}, "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"mine.$": "$mine", "base.$": "$base"}, "End": True},
        },
    }
    run = start(
        chain(
            ("Set", {"Type": "Pass", "Assign": {"base": 10, "items": [1, 2, 3]}}),
            ("Map", {"Type": "Map", "ItemsPath": "$items", "ItemProcessor": processor}),
        )
    )
    assert run.state is not None and run.state.output == [
        {"mine": 1, "base": 10},
        {"mine": 2, "base": 10},
        {"mine": 3, "base": 10},
    ]


def test_choice_rule_assign_replaces_the_state_assign_when_the_rule_matches() -> None:
    definition = chain(
        (
            "C",
            {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.n", "NumericEquals": 1, "Assign": {"which": "rule"}, "Next": "Out"}
                ],
                "Assign": {"which": "state"},
                "Default": "Out",
            },
        ),
        ("Out", {"Type": "Pass", "Parameters": {"which.$": "$which"}}),
    )
    assert start(definition, {"n": 1}).state.output == {"which": "rule"}  # type: ignore[union-attr]
    assert start(definition, {"n": 2}).state.output == {"which": "state"}  # type: ignore[union-attr]


def test_task_assign_and_catch_assign() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA,
                "ResultSelector": {"v.$": "$.value"},
                "Assign": {"got.$": "$.v"},
                "Next": "Show",
            },
            "Show": {"Type": "Pass", "Parameters": {"got.$": "$got"}, "End": True},
        },
    }
    run = start(definition)
    (invoke,) = run.invocations()
    run.send(TaskSucceeded(invoke.task_id, {"value": 7}))
    assert run.state is not None and run.state.output == {"got": 7}


def test_a_variable_above_the_size_limit_fails_the_state() -> None:
    big = "x" * (MAX_VARIABLE_BYTES + 1)
    run = start(chain(("A", {"Type": "Pass", "Assign": {"big.$": "$.big"}})), {"big": big})
    state = run.state
    assert state is not None and state.status == "FAILED"
    assert state.error == "States.DataLimitExceeded"
    assert "'big'" in (state.cause or "")


def test_variables_survive_the_json_round_trip_of_the_state() -> None:
    definition = chain(
        ("A", {"Type": "Pass", "Assign": {"x": {"deep": [1, 2]}}}),
        ("T", {"Type": "Task", "Resource": LAMBDA, "Parameters": {"x.$": "$x"}}),
    )
    run = start(definition)
    assert run.state is not None
    run.state = ExecutionState.from_json(run.state.to_json())
    (invoke,) = run.invocations()
    assert invoke.payload == {"x": {"deep": [1, 2]}}
    assert run.state.frames["root"].variables == {"x": {"deep": [1, 2]}}


def test_unicode_variable_names_are_assigned_and_read_back() -> None:
    run = start(
        chain(
            ("A", {"Type": "Pass", "Assign": {"café": "crème", "Ωmega_2.$": "$.n"}}),
            (
                "B",
                {
                    "Type": "Pass",
                    "Parameters": {
                        "drink.$": "$café",
                        "n.$": "$Ωmega_2",
                        "s.$": "States.Format('{}', $café)",
                    },
                },
            ),
        ),
        {"n": [1, 2]},
    )
    assert run.state is not None and run.state.status == "SUCCEEDED"
    assert run.state.output == {"drink": "crème", "n": [1, 2], "s": "crème"}


def test_unicode_variable_names_are_read_by_jsonata_too() -> None:
    run = start(
        chain(
            ("A", {"Type": "Pass", "Assign": {"café": "crème"}}),
            ("B", {"Type": "Pass", "Output": "{% $café & '!' %}"}),
            language="JSONata",
        ),
        {},
    )
    assert run.state is not None and run.state.output == "crème!"

"""The machine and its graphs: StartAt, Next targets, reachability, terminal states, names, nesting."""

from __future__ import annotations

import pytest

from stepstone.asl.diagnostics import Diagnostic, InvalidDefinitionError
from stepstone.asl.validate import check, validate
from tests.asl.definitions import VALID
from tests.asl.helpers import PASS_END, errors, machine, messages, single, warnings

S = "SCHEMA_VALIDATION_FAILED"
T = "MISSING_TRANSITION_TARGET"


@pytest.mark.parametrize("name", sorted(VALID))
def test_realistic_definitions_are_valid(name: str) -> None:
    assert validate(VALID[name]) == []
    check(VALID[name])  # does not raise


def test_a_missing_next_target_is_reported_at_the_next_field() -> None:
    definition = machine(GetApproval={"Type": "Pass", "Next": "Nowhere"}, Done=PASS_END)
    assert errors(definition) == [(T, "/States/GetApproval/Next"), (T, "/States/Done")]
    assert messages(definition) == ["Missing 'Next' target: Nowhere", 'State "Done" is not reachable.']


def test_unknown_start_at() -> None:
    assert errors({"StartAt": "B", "States": {"A": PASS_END}}) == [(T, "/StartAt")]


def test_missing_start_at_and_states() -> None:
    assert errors({"StartAt": "A"}) == [(S, "")]
    assert errors({"States": {"A": PASS_END}}) == [(S, "")]
    assert messages({}) == [
        "The field 'StartAt' is required but was missing",
        "The field 'States' is required but was missing",
    ]


def test_empty_states() -> None:
    assert errors({"StartAt": "A", "States": {}}) == [(S, "/States")]


def test_default_and_catch_targets_are_transitions() -> None:
    definition = machine(
        C={
            "Type": "Choice",
            "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Ghost"}],
            "Default": "D",
        },
        D={
            "Type": "Task",
            "Resource": "arn:stepstone:function:f",
            "Catch": [{"ErrorEquals": ["X"], "Next": "E"}],
            "End": True,
        },
    )
    assert errors(definition) == [(T, "/States/C/Choices/0/Next"), (T, "/States/D/Catch/0/Next")]


def test_unreachable_cycle_is_reported_even_though_it_is_targeted() -> None:
    definition = machine(A=PASS_END, B={"Type": "Pass", "Next": "C"}, C={"Type": "Pass", "Next": "B"})
    assert errors(definition) == [(T, "/States/B"), (T, "/States/C")]


def test_states_need_next_or_end_but_not_both() -> None:
    assert errors(single({"Type": "Pass"})) == [(S, "/States/S"), ("MISSING_END_STATE", "/States")]
    both = machine(A={"Type": "Pass", "Next": "B", "End": True}, B=PASS_END)
    assert errors(both) == [(S, "/States/A")]
    assert "[Next, End]" in messages(both)[0]


def test_a_graph_without_terminal_state_is_missing_its_end() -> None:
    loop = machine(A={"Type": "Pass", "Next": "B"}, B={"Type": "Wait", "Seconds": 1, "Next": "A"})
    assert errors(loop) == [("MISSING_END_STATE", "/States")]


@pytest.mark.parametrize("field", ["Next", "End"])
def test_terminal_types_may_not_transition(field: str) -> None:
    value = "S" if field == "Next" else True
    assert errors(single({"Type": "Succeed", field: value})) == [(S, f"/States/S/{field}")]


def test_unknown_type_and_missing_type() -> None:
    assert errors(single({"Type": "Sleep", "End": True})) == [(S, "/States/S/Type")]
    assert (
        "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]" in messages(single({"Type": "Sleep"}))[0]
    )
    assert errors(single({"End": True}))[0] == (S, "/States/S")


def test_a_state_must_be_an_object() -> None:
    assert errors({"StartAt": "S", "States": {"S": "Pass"}})[0] == (S, "/States/S")


def test_state_names_are_limited_and_unique_across_the_whole_machine() -> None:
    long_name = "N" * 81
    assert errors(machine(**{long_name: PASS_END})) == [("INVALID_STATE_NAME", f"/States/{long_name}")]
    nested = machine(
        Fan={"Type": "Parallel", "Branches": [{"StartAt": "Fan", "States": {"Fan": PASS_END}}], "End": True}
    )
    assert errors(nested) == [("DUPLICATE_STATE_NAME", "/States/Fan/Branches/0/States/Fan")]


def test_pointers_escape_slashes_and_tildes_in_state_names() -> None:
    assert errors(machine(**{"a/b~c": {"Type": "Pass", "Next": "x"}})) == [
        (T, "/States/a~1b~0c/Next"),
        ("MISSING_END_STATE", "/States"),
    ]


def test_a_next_may_not_leave_its_branch() -> None:
    definition = machine(
        Fan={
            "Type": "Parallel",
            "Next": "After",
            "Branches": [{"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Next": "After"}}}],
        },
        After=PASS_END,
    )
    found = validate(definition)
    assert [(d.code, d.location) for d in found if d.is_error] == [
        (T, "/States/Fan/Branches/0/States/Inner/Next"),
        ("MISSING_END_STATE", "/States/Fan/Branches/0/States"),
    ]
    assert "may not leave" in found[0].message


def test_map_processor_is_its_own_graph_and_iterator_is_accepted() -> None:
    inner = {"StartAt": "I", "States": {"I": {"Type": "Pass", "Next": "Gone"}}}
    assert errors(single({"Type": "Map", "ItemProcessor": inner, "End": True})) == [
        (T, "/States/S/ItemProcessor/States/I/Next"),
        ("MISSING_END_STATE", "/States/S/ItemProcessor/States"),
    ]
    legacy = {"StartAt": "I", "States": {"I": PASS_END}}
    assert errors(single({"Type": "Map", "Iterator": legacy, "End": True})) == []


def test_map_needs_exactly_one_processor() -> None:
    assert errors(single({"Type": "Map", "End": True})) == [(S, "/States/S")]
    graph = {"StartAt": "I", "States": {"I": PASS_END}}
    both = single({"Type": "Map", "Iterator": graph, "ItemProcessor": graph, "End": True})
    assert (S, "/States/S") in errors(both)


def test_parallel_needs_branches() -> None:
    assert errors(single({"Type": "Parallel", "End": True})) == [(S, "/States/S")]
    assert errors(single({"Type": "Parallel", "Branches": [], "End": True})) == [(S, "/States/S/Branches")]
    assert errors(single({"Type": "Parallel", "Branches": ["x"], "End": True})) == [
        (S, "/States/S/Branches/0")
    ]


def test_unknown_top_level_fields_and_types() -> None:
    assert errors({"StartAt": "S", "States": {"S": PASS_END}, "Coment": "typo"}) == [(S, "/Coment")]
    assert errors(single(PASS_END, TimeoutSeconds=0)) == [(S, "/TimeoutSeconds")]
    assert errors(single(PASS_END, Version=1)) == [(S, "/Version")]


def test_check_raises_with_aws_message_for_one_error() -> None:
    with pytest.raises(InvalidDefinitionError) as caught:
        check(machine(A={"Type": "Pass", "Next": "B"}, C=PASS_END) | {"StartAt": "A"})
    assert str(caught.value).startswith(
        "Invalid State Machine Definition: "
        "''MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next', "
    )
    assert all(isinstance(d, Diagnostic) for d in caught.value.diagnostics)


def test_check_message_for_a_single_error_is_quoted_once() -> None:
    with pytest.raises(InvalidDefinitionError) as caught:
        check(single({"Type": "Nope", "End": True}))
    text = str(caught.value)
    assert text.startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type'")
    assert "at /States/S/Type" in text


def test_check_passes_warnings_through() -> None:
    check(single({"Type": "Pass", "Result": {"a.$": "$.x"}, "End": True}))  # only a warning: no raise


def test_not_an_object_at_all() -> None:
    assert errors([1, 2]) == [(S, "")]
    assert errors(None) == [(S, "")]


def test_a_state_name_with_a_control_character_is_accepted_with_a_warning() -> None:
    # AWS documents a state name's length (1 to 80), not which characters it may hold
    definition = machine(**{"Tab\there": PASS_END})
    assert errors(definition) == []
    assert warnings(definition) == [("MAY_BE_REFUSED", "/States/Tab\there")]

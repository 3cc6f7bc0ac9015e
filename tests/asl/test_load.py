"""Loading definition text: JSON, JSON with documentation-style comments, YAML, and what cannot be read."""

from __future__ import annotations

import json

import pytest

from stepstone.asl.diagnostics import Diagnostic
from stepstone.asl.load import load_definition, strip_comments
from stepstone.asl.validate import validate
from tests.asl.definitions import APPROVAL_WITH_COMMENT, ORDER_PIPELINE, YAML_MACHINE


def test_plain_json_loads_without_diagnostics() -> None:
    definition, diagnostics = load_definition(json.dumps(ORDER_PIPELINE))
    assert definition == ORDER_PIPELINE
    assert diagnostics == []


def test_the_approval_machine_loads_with_one_warning_and_validates_clean() -> None:
    definition, diagnostics = load_definition(APPROVAL_WITH_COMMENT)
    assert [(d.severity, d.code, d.location) for d in diagnostics] == [("WARNING", "COMMENT_IGNORED", "")]
    assert "Line 11" in diagnostics[0].message
    assert "crucial part" in diagnostics[0].message
    payload = definition["States"]["GetApproval"]["Parameters"]["Payload"]
    assert payload == {
        "taskToken.$": "$$.Task.Token",
        "requestId.$": "$.requestId",
        "approvalPage": "https://myapp.com/approve",
    }
    assert validate(definition) == []


def test_slashes_inside_strings_are_data_even_after_an_escaped_quote() -> None:
    text = '{"a": "x\\"//y", "b": "https://h/p"} // trailing'
    cleaned, comments = strip_comments(text)
    assert json.loads(cleaned) == {"a": 'x"//y', "b": "https://h/p"}
    assert [(line, col) for line, col, _ in comments] == [(1, 37)]


def test_block_comments_are_removed_and_keep_line_numbers() -> None:
    text = '{\n  /* one\n  two */ "StartAt": "A",\n  "States": {"A": {"Type": "Succeed"}} // end\n}'
    definition, diagnostics = load_definition(text)
    assert definition["StartAt"] == "A"
    assert [d.message.split(":")[0] for d in diagnostics] == ["Line 2, column 3", "Line 4, column 40"]


def test_a_syntax_error_reports_line_and_column() -> None:
    definition, diagnostics = load_definition('{\n  "StartAt": "A",\n  "States": {,}\n}')
    assert definition == {}
    assert [d.code for d in diagnostics] == ["INVALID_JSON_DESCRIPTION"]
    assert diagnostics[0].severity == "ERROR"
    assert diagnostics[0].message.startswith("Line 3, column 14")


def test_a_syntax_error_after_a_comment_still_points_at_the_right_column() -> None:
    _, diagnostics = load_definition('{"a": 1, // note\n "b": }')
    assert [d.code for d in diagnostics] == ["COMMENT_IGNORED", "INVALID_JSON_DESCRIPTION"]
    assert diagnostics[1].message.startswith("Line 2, column 7")


def test_yaml_loads_and_keeps_timestamps_as_text() -> None:
    definition, diagnostics = load_definition(YAML_MACHINE)
    assert diagnostics == []
    assert definition["States"]["Hold"]["Timestamp"] == "2026-01-01T00:00:00Z"
    assert validate(definition) == []


def test_broken_yaml_is_an_invalid_description_with_its_line() -> None:
    definition, diagnostics = load_definition("StartAt: A\nStates:\n  A: [unclosed\n")
    assert definition == {}
    assert [d.code for d in diagnostics] == ["INVALID_JSON_DESCRIPTION"]
    assert diagnostics[0].message.startswith("Line ")


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_text_is_a_missing_description(text: str) -> None:
    assert load_definition(text) == ({}, [Diagnostic("MISSING_DESCRIPTION", "The definition is empty")])


@pytest.mark.parametrize(("text", "kind"), [("[1, 2]", "list"), ("just words", "str"), ("null", "null")])
def test_a_value_that_is_not_an_object_is_rejected(text: str, kind: str) -> None:
    definition, diagnostics = load_definition(text)
    assert definition == {}
    assert [d.code for d in diagnostics] == ["SCHEMA_VALIDATION_FAILED"]
    assert kind in diagnostics[0].message


def test_nan_is_not_json() -> None:
    _, diagnostics = load_definition('{"StartAt": NaN}')
    assert [d.code for d in diagnostics] == ["INVALID_JSON_DESCRIPTION"]


def test_duplicate_state_names_are_errors_and_other_duplicate_keys_warnings() -> None:
    text = (
        '{"StartAt": "A", "Comment": "x", "Comment": "y", "States": '
        '{"A": {"Type": "Succeed"}, "A": {"Type": "Pass", "End": true}}}'
    )
    definition, diagnostics = load_definition(text)
    assert definition == {}
    assert [(d.severity, d.code, d.location) for d in diagnostics] == [
        ("WARNING", "DUPLICATE_KEY", "/Comment"),
        ("ERROR", "DUPLICATE_STATE_NAME", "/States/A"),
    ]

"""Retry, Catch and Choice rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.asl.helpers import PASS_END, errors, machine, messages, single, warnings

S = "SCHEMA_VALIDATION_FAILED"
FN = "arn:stepstone:function:work"


def retrying(*retriers: Any) -> dict[str, Any]:
    return single({"Type": "Task", "Resource": FN, "Retry": list(retriers), "End": True})


def catching(*catchers: Any) -> dict[str, Any]:
    return machine(
        S={"Type": "Task", "Resource": FN, "Catch": list(catchers), "End": True}, Handler={"Type": "Succeed"}
    )


def test_a_complete_retrier_is_valid() -> None:
    retrier = {
        "ErrorEquals": ["States.Timeout", "Custom"],
        "IntervalSeconds": 3,
        "MaxAttempts": 0,
        "BackoffRate": 1.5,
        "MaxDelaySeconds": 10,
        "JitterStrategy": "NONE",
        "Comment": "why",
    }
    assert errors(retrying(retrier, {"ErrorEquals": ["States.ALL"]})) == []


@pytest.mark.parametrize(
    ("retrier", "location"),
    [
        ({}, "/States/S/Retry/0"),
        ({"ErrorEquals": []}, "/States/S/Retry/0/ErrorEquals"),
        ({"ErrorEquals": "States.ALL"}, "/States/S/Retry/0/ErrorEquals"),
        ({"ErrorEquals": [3]}, "/States/S/Retry/0/ErrorEquals/0"),
        ({"ErrorEquals": ["States.ALL", "X"]}, "/States/S/Retry/0/ErrorEquals"),
        ({"ErrorEquals": ["X"], "MaxAttempts": -1}, "/States/S/Retry/0/MaxAttempts"),
        ({"ErrorEquals": ["X"], "MaxAttempts": 100_000_000}, "/States/S/Retry/0/MaxAttempts"),
        ({"ErrorEquals": ["X"], "IntervalSeconds": 0}, "/States/S/Retry/0/IntervalSeconds"),
        ({"ErrorEquals": ["X"], "BackoffRate": 0.5}, "/States/S/Retry/0/BackoffRate"),
        ({"ErrorEquals": ["X"], "BackoffRate": "2"}, "/States/S/Retry/0/BackoffRate"),
        ({"ErrorEquals": ["X"], "MaxDelaySeconds": 0}, "/States/S/Retry/0/MaxDelaySeconds"),
        ({"ErrorEquals": ["X"], "MaxDelaySeconds": 31_622_402}, "/States/S/Retry/0/MaxDelaySeconds"),
        ({"ErrorEquals": ["X"], "JitterStrategy": "PARTIAL"}, "/States/S/Retry/0/JitterStrategy"),
        ({"ErrorEquals": ["X"], "Next": "S"}, "/States/S/Retry/0/Next"),
        ("X", "/States/S/Retry/0"),
    ],
)
def test_bad_retriers(retrier: Any, location: str) -> None:
    assert errors(retrying(retrier)) == [(S, location)]


def test_states_all_must_be_the_last_retrier() -> None:
    assert errors(retrying({"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]})) == [
        (S, "/States/S/Retry/0/ErrorEquals")
    ]
    assert (
        "must be the last retrier"
        in messages(retrying({"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}))[0]
    )


def test_catchers() -> None:
    assert errors(catching({"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.err"})) == []
    assert errors(catching({"ErrorEquals": ["X"]})) == [
        (S, "/States/S/Catch/0"),
        ("MISSING_TRANSITION_TARGET", "/States/Handler"),
    ]
    assert errors(
        catching(
            {"ErrorEquals": ["States.ALL"], "Next": "Handler"}, {"ErrorEquals": ["X"], "Next": "Handler"}
        )
    ) == [(S, "/States/S/Catch/0/ErrorEquals")]
    assert errors(catching({"ErrorEquals": ["X"], "Next": "Handler", "ResultPath": "$.a[*]"})) == [
        (S, "/States/S/Catch/0/ResultPath")
    ]
    assert errors(catching({"ErrorEquals": ["X"], "Next": "Handler", "Output": "{% 1 %}"})) == [
        (S, "/States/S/Catch/0/Output")
    ]


def test_jsonata_catchers_use_output_not_result_path() -> None:
    definition = catching({"ErrorEquals": ["X"], "Next": "Handler", "ResultPath": "$.e"})
    definition["QueryLanguage"] = "JSONata"
    assert errors(definition) == [(S, "/States/S/Catch/0/ResultPath")]


# Choice ---------------------------------------------------------------------------------------------


def choosing(*rules: Any, **fields: Any) -> dict[str, Any]:
    return machine(
        C={"Type": "Choice", "Choices": list(rules), "Default": "Yes", **fields}, Yes={"Type": "Succeed"}
    )


def test_every_operator_family_is_accepted() -> None:
    rules = [
        {"Variable": "$.s", "StringEquals": "a", "Next": "Yes"},
        {"Variable": "$.s", "StringMatches": "a*", "Next": "Yes"},
        {"Variable": "$.n", "NumericLessThanEqualsPath": "$.m", "Next": "Yes"},
        {"Variable": "$.b", "BooleanEquals": False, "Next": "Yes"},
        {"Variable": "$.t", "TimestampGreaterThan": "2026-01-01T00:00:00Z", "Next": "Yes"},
        {"Variable": "$.x", "IsNull": False, "Next": "Yes"},
        {
            "Or": [{"Variable": "$.a", "IsPresent": True}, {"Not": {"Variable": "$.b", "IsString": True}}],
            "Next": "Yes",
        },
        {"Variable": "$$.Execution.Name", "StringEquals": "x", "Next": "Yes"},
    ]
    assert errors(choosing(*rules)) == []


@pytest.mark.parametrize(
    ("rule", "location"),
    [
        ({"Variable": "$.x", "Next": "Yes"}, "/States/C/Choices/0"),
        ({"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1, "Next": "Yes"}, "/States/C/Choices/0"),
        ({"StringEquals": "a", "Next": "Yes"}, "/States/C/Choices/0"),
        ({"Variable": "$.x", "StringEquals": "a"}, "/States/C/Choices/0"),
        ({"Variable": "$.x", "StringEquals": 1, "Next": "Yes"}, "/States/C/Choices/0/StringEquals"),
        ({"Variable": "$.x", "NumericEquals": "1", "Next": "Yes"}, "/States/C/Choices/0/NumericEquals"),
        ({"Variable": "$.x", "BooleanEquals": "true", "Next": "Yes"}, "/States/C/Choices/0/BooleanEquals"),
        ({"Variable": "x", "IsNull": True, "Next": "Yes"}, "/States/C/Choices/0/Variable"),
        (
            {"Variable": "$.x", "StringEqualsPath": "nope", "Next": "Yes"},
            "/States/C/Choices/0/StringEqualsPath",
        ),
        ({"And": [], "Next": "Yes"}, "/States/C/Choices/0/And"),
        (
            {"And": [{"Variable": "$.a", "IsNull": True, "Next": "Yes"}], "Next": "Yes"},
            "/States/C/Choices/0/And/0/Next",
        ),
        ({"Not": {"Variable": "$.a"}, "Next": "Yes"}, "/States/C/Choices/0/Not"),
        (
            {"Variable": "$.a", "Not": {"Variable": "$.a", "IsNull": True}, "Next": "Yes"},
            "/States/C/Choices/0/Variable",
        ),
        ("rule", "/States/C/Choices/0"),
    ],
)
def test_bad_choice_rules(rule: Any, location: str) -> None:
    assert errors(choosing(rule)) == [(S, location)]


def test_an_unknown_operator_is_an_unknown_field_and_leaves_the_rule_without_operator() -> None:
    assert errors(choosing({"Variable": "$.x", "BooleanLessThan": True, "Next": "Yes"})) == [
        (S, "/States/C/Choices/0/BooleanLessThan"),
        (S, "/States/C/Choices/0"),
    ]


def test_exactly_one_operator_message_names_what_it_found() -> None:
    rule = {"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1, "Next": "Yes"}
    assert messages(choosing(rule)) == [
        "A Choice rule must have exactly one comparison operator or And/Or/Not "
        "(found: StringEquals, NumericEquals)"
    ]


def test_choices_must_not_be_empty_and_default_must_exist() -> None:
    assert errors(choosing()) == [(S, "/States/C/Choices")]
    bad_default = machine(
        C={
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Yes"}],
            "Default": "No",
        },
        Yes=PASS_END,
    )
    assert errors(bad_default) == [("MISSING_TRANSITION_TARGET", "/States/C/Default")]


def test_choice_without_default_is_valid() -> None:
    definition = machine(
        C={"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Y"}]}, Y=PASS_END
    )
    assert errors(definition) == []


def test_jsonata_choice_rules() -> None:
    good = choosing({"Condition": "{% $states.input.ok %}", "Next": "Yes", "Assign": {"seen": "{% true %}"}})
    good["QueryLanguage"] = "JSONata"
    assert errors(good) == []
    bad = choosing(
        {"Variable": "$.x", "BooleanEquals": True, "Next": "Yes"}, {"Condition": "$.x", "Next": "Yes"}
    )
    bad["QueryLanguage"] = "JSONata"
    assert errors(bad) == [
        (S, "/States/C/Choices/0/Variable"),
        (S, "/States/C/Choices/0/BooleanEquals"),
        (S, "/States/C/Choices/0"),
        (S, "/States/C/Choices/1/Condition"),
    ]


def test_condition_in_a_jsonpath_machine_is_an_error() -> None:
    assert errors(choosing({"Condition": "{% true %}", "Next": "Yes"})) == [
        (S, "/States/C/Choices/0/Condition"),
        (S, "/States/C/Choices/0"),
    ]


def test_the_choice_compiler_reports_at_the_operand() -> None:
    rule = {"Variable": "$.t", "TimestampEquals": "not a timestamp", "Next": "Yes"}
    assert errors(choosing(rule)) == [(S, "/States/C/Choices/0/TimestampEquals")]
    assert messages(choosing(rule))[0].startswith("Invalid Choice rule: ")


@pytest.mark.parametrize(("seconds", "warned"), [(1, False), (31_622_400, False), (31_622_401, True)])
def test_max_delay_seconds_up_to_aws_documented_bound(seconds: int, warned: bool) -> None:
    # AWS documents 0 < MaxDelaySeconds < 31622401; the bound itself is accepted with a warning.
    definition = retrying({"ErrorEquals": ["X"], "MaxDelaySeconds": seconds})
    assert errors(definition) == []
    assert warnings(definition) == (
        [("MAY_BE_REFUSED", "/States/S/Retry/0/MaxDelaySeconds")] if warned else []
    )

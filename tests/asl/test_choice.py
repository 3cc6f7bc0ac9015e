"""Choice rules: every operator, type mismatches, timestamps, StringMatches, And/Or/Not, failures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepstone.asl.choice import ChoiceSyntaxError, compile_rule
from stepstone.asl.env import Env
from stepstone.asl.errors import RUNTIME, AslFailure
from stepstone.asl.timestamps import parse_timestamp

ENV = Env(variables={"guess": "a", "answer": "a", "n": {"x": 3}})


def matches(rule: dict[str, object], value: object, operand: object = None) -> bool:
    return compile_rule({"Variable": "$.v", **rule}).matches({"v": value, "o": operand}, ENV)


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"StringEquals": "a"}, "a", True),
        ({"StringEquals": "a"}, 1, False),
        ({"StringLessThan": "b"}, "a", True),
        ({"StringGreaterThan": "A "}, "A", False),
        ({"StringLessThanEquals": "AB"}, "A", True),
        ({"StringGreaterThanEquals": "a"}, "a", True),
        ({"NumericEquals": 0}, 0.0, True),
        ({"NumericEquals": 1}, True, False),
        ({"NumericEquals": 0}, None, False),
        ({"NumericEquals": 1}, "1", False),
        ({"NumericLessThan": 1}, 0, True),
        ({"NumericGreaterThan": 1}, 1, False),
        ({"NumericLessThanEquals": 1}, 1, True),
        ({"NumericGreaterThanEquals": 1}, 0.5, False),
        ({"BooleanEquals": False}, False, True),
        ({"BooleanEquals": False}, 0, False),
        ({"BooleanEquals": True}, "true", False),
        ({"TimestampEquals": "2016-03-14T01:59:00Z"}, "2016-03-14T02:59:00+01:00", True),
        ({"TimestampLessThan": "2016-03-14T01:59:00Z"}, "2016-03-14T01:58:59.999999999Z", True),
        ({"TimestampGreaterThan": "2016-03-14T01:59:00Z"}, "2016-03-14T01:59:00.000000001Z", True),
        ({"TimestampLessThanEquals": "2016-03-14T01:59:00Z"}, "2016-03-14T01:59:00Z", True),
        ({"TimestampGreaterThanEquals": "2016-03-14T01:59:00Z"}, "2016-03-14", False),
        ({"TimestampEquals": "2016-03-14T01:59:00Z"}, 1.1, False),
        ({"StringMatches": "log-*.txt"}, "log-2024.txt", True),
        ({"StringMatches": "log-*.txt"}, "log-2024.txt.gz", False),
        ({"StringMatches": "*a*b*"}, "xxaxxbxx", True),
        ({"StringMatches": "*a*b*"}, "xxbxxaxx", False),
        ({"StringMatches": "a\\*b"}, "a*b", True),
        ({"StringMatches": "a\\*b"}, "axxb", False),
        ({"StringMatches": "a\\\\*"}, "a\\zz", True),
        ({"StringMatches": "*"}, 5, False),
        ({"IsNull": True}, None, True),
        ({"IsNull": False}, [], True),
        ({"IsString": True}, "", True),
        ({"IsString": True}, 0, False),
        ({"IsNumeric": True}, 1.1, True),
        ({"IsNumeric": True}, False, False),
        ({"IsNumeric": False}, "1", True),
        ({"IsBoolean": True}, True, True),
        ({"IsBoolean": True}, 0, False),
        ({"IsTimestamp": True}, "2016-03-14T01:59:00Z", True),
        ({"IsTimestamp": True}, "2012-10-09T19:00:55", False),
        ({"IsTimestamp": True}, "2016-13-14T01:59:00Z", False),
        ({"IsPresent": True}, None, True),
    ],
)
def test_operators(rule: dict[str, object], value: object, expected: bool) -> None:
    assert matches(rule, value) is expected


@pytest.mark.parametrize(
    ("operator", "value", "operand", "expected"),
    [
        ("StringEqualsPath", "a", "a", True),
        ("StringEqualsPath", "a", 1, False),
        ("StringLessThanPath", "A", "AB", True),
        ("StringGreaterThanPath", "", "", False),
        ("StringGreaterThanEqualsPath", "", "", True),
        ("StringLessThanEqualsPath", "AB", "A", False),
        ("NumericEqualsPath", 0.0, 0, True),
        ("NumericEqualsPath", True, 1, False),
        ("NumericLessThanPath", 0, 1, True),
        ("NumericGreaterThanPath", 0.0, 0, False),
        ("NumericLessThanEqualsPath", 1, 1, True),
        ("NumericGreaterThanEqualsPath", 1, 0, True),
        ("BooleanEqualsPath", False, False, True),
        ("BooleanEqualsPath", 0, False, False),
        ("TimestampEqualsPath", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00.000Z", True),
        ("TimestampLessThanPath", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", True),
        ("TimestampGreaterThanPath", "2020-01-01T00:00:00Z", "not a time", False),
        ("TimestampLessThanEqualsPath", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", True),
        ("TimestampGreaterThanEqualsPath", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", False),
    ],
)
def test_path_operators(operator: str, value: object, operand: object, expected: bool) -> None:
    assert matches({operator: "$.o"}, value, operand) is expected


def test_variables_in_jsonpath_mode() -> None:
    assert compile_rule({"Variable": "$guess", "StringEqualsPath": "$answer"}).matches({}, ENV)
    assert compile_rule({"Variable": "$n.x", "NumericEquals": 3}).matches({}, ENV)


def test_missing_variable_is_runtime_failure_except_is_present() -> None:
    with pytest.raises(AslFailure) as info:
        compile_rule({"Variable": "$.missing", "IsNull": True}).matches({}, ENV)
    assert info.value.error == RUNTIME
    assert info.value.cause == (
        "Invalid path '$.missing': The choice state's condition path references an invalid value."
    )
    with pytest.raises(AslFailure):
        compile_rule({"Variable": "$.v", "NumericEqualsPath": "$.nope"}).matches({"v": 1}, ENV)
    assert compile_rule({"Variable": "$.missing", "IsPresent": False}).matches({}, ENV)
    assert not compile_rule({"Variable": "$.missing", "IsPresent": True}).matches({}, ENV)
    assert not compile_rule({"Variable": "$.a[*].b", "IsPresent": True}).matches({"a": [{}]}, ENV)


def test_combinators_and_next() -> None:
    rule = compile_rule(
        {
            "And": [
                {"Variable": "$.a", "NumericGreaterThan": 1},
                {
                    "Or": [
                        {"Variable": "$.b", "StringEquals": "x"},
                        {"Not": {"Variable": "$.c", "IsPresent": True}},
                    ]
                },
            ],
            "Next": "Target",
        }
    )
    assert rule.next == "Target"
    assert rule.matches({"a": 2, "b": "x", "c": 1}, ENV)
    assert rule.matches({"a": 2, "b": "y"}, ENV)
    assert not rule.matches({"a": 2, "b": "y", "c": 1}, ENV)
    assert not rule.matches({"a": 1, "b": "x"}, ENV)


def test_and_short_circuits_before_a_failing_path() -> None:
    rule = compile_rule(
        {"And": [{"Variable": "$.a", "IsPresent": True}, {"Variable": "$.a", "NumericEquals": 1}]}
    )
    assert not rule.matches({}, ENV)


@pytest.mark.parametrize(
    ("rule", "pointer"),
    [
        ({"Variable": "$.a", "NumericEquals": "1"}, "/NumericEquals"),
        ({"Variable": "$.a", "TimestampEquals": "yesterday"}, "/TimestampEquals"),
        ({"Variable": "$.a", "IsNull": "yes"}, "/IsNull"),
        ({"Variable": "$.a", "NoSuchOperator": 1}, "/NoSuchOperator"),
        ({"Variable": "$.a", "StringEquals": "a", "NumericEquals": 1}, ""),
        ({"Variable": "$.a b", "IsNull": True}, "/Variable"),
        ({"NumericEquals": 1}, ""),
        (
            {"And": [{"Variable": "$.a", "IsNull": True}, {"Not": {"Variable": "$.a", "BooleanEquals": 1}}]},
            "/And/1/Not/BooleanEquals",
        ),
        ({"Or": []}, "/Or"),
        ({"Variable": "$.a", "StringEqualsPath": "nope"}, "/StringEqualsPath"),
    ],
)
def test_syntax_errors(rule: dict[str, object], pointer: str) -> None:
    with pytest.raises(ChoiceSyntaxError) as info:
        compile_rule(rule)
    assert info.value.pointer == pointer


numbers = st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False)
NUMERIC = {
    "NumericEquals": lambda a, b: a == b,
    "NumericLessThan": lambda a, b: a < b,
    "NumericGreaterThan": lambda a, b: a > b,
    "NumericLessThanEquals": lambda a, b: a <= b,
    "NumericGreaterThanEquals": lambda a, b: a >= b,
}


@given(st.sampled_from(sorted(NUMERIC)), numbers, numbers)
def test_numeric_agrees_with_python(operator: str, value: float, operand: float) -> None:
    assert matches({operator: operand}, value) is NUMERIC[operator](value, operand)
    assert matches({f"{operator}Path": "$.o"}, value, operand) is NUMERIC[operator](value, operand)


leaf_rules = st.sampled_from(
    [
        {"Variable": "$.v", "NumericGreaterThan": 0},
        {"Variable": "$.v", "IsString": True},
        {"Variable": "$.v", "IsPresent": True},
        {"Variable": "$.w", "IsPresent": False},
        {"Variable": "$.v", "StringMatches": "*a*"},
    ]
)
rules = st.recursive(
    leaf_rules,
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3).map(lambda r: {"And": r})
        | st.lists(inner, min_size=1, max_size=3).map(lambda r: {"Or": r})
        | inner.map(lambda r: {"Not": r})
    ),
    max_leaves=6,
)


@given(rules, st.one_of(st.integers(-3, 3), st.text(alphabet="ab", max_size=3), st.none()))
def test_not_is_negation(rule: dict[str, object], value: object) -> None:
    data = {"v": value}
    assert compile_rule({"Not": rule}).matches(data, ENV) is (not compile_rule(rule).matches(data, ENV))


@given(st.datetimes(timezones=st.timezones()), st.datetimes(timezones=st.timezones()))
def test_timestamps_order_like_datetimes(a: object, b: object) -> None:
    from datetime import datetime

    assert isinstance(a, datetime) and isinstance(b, datetime)
    text_a = a.replace(microsecond=0).isoformat()
    text_b = b.replace(microsecond=0).isoformat()
    if not ("T" in text_a and "T" in text_b and text_a[-6] in "+-" and text_b[-6] in "+-"):
        return
    if len(text_a) != 25 or len(text_b) != 25:
        return  # offsets with seconds are not RFC 3339
    expected = a.replace(microsecond=0) < b.replace(microsecond=0)
    assert matches({"TimestampLessThanPath": "$.o"}, text_a, text_b) is expected
    assert parse_timestamp(text_a) is not None


#: (text, whether AWS's parser, Java's ISO_OFFSET_DATE_TIME, reads it as a timestamp)
TIMESTAMP_FORMS = [
    ("2016-03-14T01:59:00Z", True),
    ("2016-03-14T01:59Z", True),  # seconds are optional
    ("2016-03-14T01:59:00.123456789Z", True),  # up to nine fraction digits
    ("2016-03-14T01:59:00.1234567891Z", False),
    ("2016-03-14T01:59:00+05:30", True),
    ("2016-03-14T01:59:00-05:30:15", True),  # an offset to the second
    ("2016-03-14T01:59:00+05", True),  # Java reads the offset leniently: hours alone
    ("2016-03-14T01:59:00+0530", False),  # but keeps the colon
    ("2016-03-14T01:59:00+19:00", False),  # past Java's 18-hour range
    ("2016-03-14t01:59:00z", True),  # Java reads T and Z case-insensitively
    ("2016-03-14 01:59:00Z", False),
    ("2016-03-14T01:59:00", False),  # no offset
    ("20160314T015900Z", False),  # the basic form
    ("2016-W11-1T01:59:00Z", False),  # a week date
    ("2016-02-30T01:59:00Z", False),
    ("2016-03-14T24:00:00Z", False),
]


@pytest.mark.parametrize(("text", "valid"), TIMESTAMP_FORMS)
def test_is_timestamp_accepts_what_aws_parses(text: str, valid: bool) -> None:
    assert matches({"IsTimestamp": True}, text) is valid
    assert matches({"IsTimestamp": False}, text) is not valid


@pytest.mark.parametrize(("text", "valid"), [(t, v) for t, v in TIMESTAMP_FORMS if v])
def test_every_accepted_form_is_a_comparison_operand(text: str, valid: bool) -> None:
    assert matches({"TimestampEquals": text}, text)
    assert matches({"TimestampEqualsPath": "$.o"}, text, text)
    assert matches({"TimestampLessThan": "2100-01-01T00:00Z"}, text)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2016-03-14T01:59Z", "2016-03-14T01:59:00.000Z"),
        ("2016-03-14T06:59:00+05", "2016-03-14t01:59:00z"),
        ("2016-03-14T02:00:15+00:00:15", "2016-03-14T02:00:00Z"),
    ],
)
def test_forms_of_one_instant_are_equal(a: str, b: str) -> None:
    assert matches({"TimestampEquals": a}, b)
    assert not matches({"TimestampLessThan": a}, b)


def test_choice_and_wait_read_timestamps_alike() -> None:
    from tests.engine.harness import start

    for text, valid in TIMESTAMP_FORMS:
        definition = {
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "TimestampPath": "$.at", "End": True}},
        }
        run = start(definition, {"at": text})
        assert run.state is not None
        assert (run.state.status != "FAILED") is valid, text

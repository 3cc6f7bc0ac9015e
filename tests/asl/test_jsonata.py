"""stepstone.asl.jsonata: AWS's JSONata semantics, extension functions, errors and conformance cases."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from stepstone.asl.env import Env
from stepstone.asl.errors import QUERY_EVALUATION_ERROR, AslFailure
from stepstone.asl.jsonata import (
    UNDEFINED,
    FieldSyntaxError,
    JsonataSyntaxError,
    compile_expression,
    compile_value,
    is_expression,
)

STATES = {"input": {"a": 6, "items": [1, 2, 3], "one": [0], "nul": None}, "context": {}}


def run(text: str, states: Any = STATES, variables: Any = None, env: Env | None = None, **kw: Any) -> Any:
    return compile_expression(text).evaluate(states, variables or {}, env or Env(), field="Output", **kw)


def failure(text: str, **kw: Any) -> str:
    with pytest.raises(AslFailure) as info:
        run(text, **kw)
    assert info.value.error == QUERY_EVALUATION_ERROR
    return info.value.cause


# ---------------------------------------------------------------- recognising and compiling


@pytest.mark.parametrize("value", ["{% 1 %}", "{%1%}", "{% $states.input %}"])
def test_is_expression(value: str) -> None:
    assert is_expression(value)


@pytest.mark.parametrize("value", [" {% 1 %}", "{% 1 %} ", "{% 1", "$.a", "{%%", 1, None, ["{% 1 %}"]])
def test_is_not_expression(value: object) -> None:
    assert not is_expression(value)


def test_syntax_error_has_position_and_caret() -> None:
    with pytest.raises(JsonataSyntaxError) as info:
        compile_expression("$states.input.a +")
    error = info.value
    assert (error.expression, error.position, error.code) == ("$states.input.a +", 17, "S0207")
    assert error.message == "Unexpected end of expression"
    assert str(error).splitlines() == [
        "Unexpected end of expression (S0207) at position 17",
        "$states.input.a +",
        " " * 17 + "^",
    ]
    assert isinstance(error, ValueError)


def test_syntax_error_in_a_value_names_the_field() -> None:
    with pytest.raises(FieldSyntaxError) as info:
        compile_value({"a": [1, "{% {'x': } %}"]}, "Output")
    assert info.value.field == "Output/a[1]"
    assert str(info.value).startswith("in field 'Output/a[1]': ")
    assert info.value.position == 6


# ---------------------------------------------------------------- values and undefined


def test_static_value_is_returned_without_copying() -> None:
    value = {"a": [1, {"b": "$.x"}], "c": " {% not %} "}
    compiled = compile_value(value, "Output")
    assert compiled.is_static
    assert compiled.evaluate(STATES, {}, Env()) is value


def test_value_shares_static_parts_and_evaluates_leaves() -> None:
    static_part = {"deep": [1, 2]}
    value = {"s": static_part, "x": "{% $states.input.a + 1 %}", "l": [0, "{% $v %}"]}
    result = compile_value(value, "Arguments").evaluate(STATES, {"v": "var"}, Env())
    assert result == {"s": {"deep": [1, 2]}, "x": 7, "l": [0, "var"]}
    assert result["s"] is static_part
    assert value["x"] == "{% $states.input.a + 1 %}"  # the definition is untouched


def test_undefined_nested_field_fails_with_aws_text() -> None:
    with pytest.raises(AslFailure) as info:
        compile_value({"result": "{% $doesNotExist %}"}, "Output").evaluate(STATES, {}, Env())
    assert info.value.cause == (
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' "
        "returned nothing (undefined)."
    )


def test_undefined_array_element_names_its_index() -> None:
    with pytest.raises(AslFailure, match=r"field 'Output/a\[1\]' returned nothing"):
        compile_value({"a": [1, "{% $states.input.nope %}"]}, "Output").evaluate(STATES, {}, Env())


def test_null_is_a_value_not_undefined() -> None:
    assert compile_value({"v": "{% $states.input.nul %}"}, "Output").evaluate(STATES, {}, Env()) == {
        "v": None
    }
    assert compile_expression("null").evaluate_optional(STATES, {}, Env()) is None
    assert compile_expression("$states.input.nope").evaluate_optional(STATES, {}, Env()) is UNDEFINED


def test_items_of_the_wrong_type() -> None:
    with pytest.raises(AslFailure) as info:
        compile_expression("$ItemsVar").evaluate_typed(
            STATES, {"ItemsVar": {"foo": "bar"}}, Env(), field="Items", expected="array"
        )
    assert info.value.cause == (
        "The JSONata expression '$ItemsVar' specified for the field 'Items' "
        "returned an unexpected result type. "
        """Expected 'array', but was 'object' for value: {"foo":"bar"}"""
    )
    assert compile_expression("[0]").evaluate_typed(STATES, {}, Env(), field="Items", expected="array") == [0]


def test_numbers_come_out_as_aws_shows_them() -> None:
    result = run("[$states.input.a + 1, 7.0, 10 / 4, $sum($states.input.items)]")
    assert result == [7, 7, 2.5, 6]
    assert [type(v) for v in result] == [int, int, float, int]


def test_one_element_arrays_stay_arrays() -> None:
    assert run("$states.input.one") == [0]
    assert run("[0]") == [0]


def test_variables_and_states_fields() -> None:
    states = {
        "input": {},
        "result": {"r": 1},
        "errorOutput": {"Error": "E"},
        "context": {"Execution": {"Id": "x"}},
    }
    assert run(
        "[$states.result.r, $states.errorOutput.Error, $states.context.Execution.Id, $v]", states, {"v": 2}
    ) == [
        1,
        "E",
        "x",
        2,
    ]


def test_runtime_error_is_a_query_evaluation_error() -> None:
    cause = failure("'a' + 1")
    assert cause.startswith(
        "The JSONata expression ''a' + 1' specified for the field 'Output' threw an error"
    )
    assert "T2001" in cause


def test_eval_is_removed() -> None:
    assert "T1006" in failure("$eval('1 + 1')")


# ---------------------------------------------------------------- clock and randomness


def test_now_is_an_argument_never_the_clock() -> None:
    assert run("$millis()", now=1_700_000_000_123) == 1_700_000_000_123
    assert run("$now()", now=1_700_000_000_123) == "2023-11-14T22:13:20.123Z"


def test_now_defaults_to_the_state_entry_time() -> None:
    states = {"input": {}, "context": {"State": {"EnteredTime": "2024-01-02T03:04:05.678Z"}}}
    assert run("$now()", states) == "2024-01-02T03:04:05.678Z"
    assert run("$now()", {"input": {}}) == "1970-01-01T00:00:00.000Z"


def test_random_and_uuid_draw_from_env_rng() -> None:
    first = run("[$random(), $uuid()]", env=Env(rng=random.Random(7)))
    again = run("[$random(), $uuid()]", env=Env(rng=random.Random(7)))
    other = run("[$random(), $uuid()]", env=Env(rng=random.Random(8)))
    assert first == again != other
    assert 0 <= first[0] < 1
    assert first[1][14] == "4" and len(first[1]) == 36


def test_random_with_seed_is_reproducible() -> None:
    assert run("$random(42)") == run("$random(42)", env=Env(rng=random.Random(99)))
    assert run("$random(42)") != run("$random(43)")


# ---------------------------------------------------------------- extension functions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$partition([1,2,3,4,5], 2)", [[1, 2], [3, 4], [5]]),
        ("$partition([1,2,3], 3)", [[1, 2, 3]]),
        ("$partition([0], 4)", [[0]]),
        ("$partition([1,2,3,4,5], 2.9)", [[1, 2], [3, 4], [5]]),
        ("$range(0, 10, 2)", [0, 2, 4, 6, 8, 10]),
        ("$range(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("$range(10, 0, -5)", [10, 5, 0]),
        ("$range(-1.7, 2, 1)", [-1, 0, 1, 2]),
        ("$range(1, 9, 9)", 1),
        ("$hash('input data', 'SHA-256')", hashlib.sha256(b"input data").hexdigest()),
        ("$hash('x', 'MD5')", hashlib.md5(b"x").hexdigest()),
        ("$hash('x', 'SHA-512')", hashlib.sha512(b"x").hexdigest()),
        ("$parse('[1, 2, \"HelloWorld\"]')", [1, 2, "HelloWorld"]),
        ('$parse(\'{"a": {"b": true}}\').a.b', True),
    ],
)
def test_extension_function(text: str, expected: Any) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    "text",
    ["$partition([1,2], 0)", "$partition([], 2)", "$range(0, 10)", "$range(0, 10, -1)", "$hash('x')"],
)
def test_extension_function_yields_undefined(text: str) -> None:
    assert "returned nothing (undefined)" in failure(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("$partition('abc', 2)", "Argument 1 of function $partition must be an array"),
        ("$partition([1], -1)", "Argument 2 of function $partition must be a positive number"),
        ("$range(0, 'a', 1)", "Argument 2 of function $range must be a number"),
        ("$range(0, 400000, 1)", "Expression evaluation memory limit exceeded"),
        ("$hash('x', 'sha-256')", "Argument 2 of function $hash must be one of MD5, SHA-1"),
        ("$hash(1, 'MD5')", "Argument 1 of function $hash must be a string"),
        ("$parse('{bad')", "Argument 1 of function $parse is not valid JSON"),
        ("$parse(1)", "Argument 1 of function $parse must be a string"),
        ("$uuid(1)", "Function $uuid takes 0 arguments, got 1"),
    ],
)
def test_extension_function_errors(text: str, reason: str) -> None:
    assert reason in failure(text)


# ---------------------------------------------------------------- AWS conformance cases, expression level

CONFORMANCE = Path(__file__).parents[3] / "shared" / "conformance" / "public.jsonl"


def _pass_output_cases() -> list[Any]:
    """JSONata cases whose machine is one Pass state with an Output: the Output alone decides the result."""
    if not CONFORMANCE.exists():
        return []
    found = []
    for line in CONFORMANCE.read_text().splitlines():
        case = json.loads(line)
        definition = json.loads(case["definition"])
        states = definition["States"]
        if "jsonata" not in case["needs"] or len(states) != 1:
            continue
        (state,) = states.values()
        language = state.get("QueryLanguage", definition.get("QueryLanguage"))
        if state["Type"] == "Pass" and language == "JSONata" and "Output" in state and "Assign" not in state:
            found.append(pytest.param(case, state["Output"], id=case["id"]))
    return found


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="conformance cases are not beside the repository")
@pytest.mark.parametrize(("case", "output"), _pass_output_cases())
def test_conformance_pass_output(case: dict[str, Any], output: Any) -> None:
    states = {"input": json.loads(case["input"]), "context": {}}
    expect = case["expect"]
    compiled = compile_value(output, "Output")
    if expect["status"] == "SUCCEEDED":
        assert compiled.evaluate(states, {}, Env()) == expect["output"]
    else:
        with pytest.raises(AslFailure) as info:
            compiled.evaluate(states, {}, Env())
        assert info.value.error == expect["error"]
        assert expect["cause"].endswith(info.value.cause)


def test_conformance_cases_were_found() -> None:
    if CONFORMANCE.exists():
        assert len(_pass_output_cases()) >= 15

"""The JSONata fast path (stepstone.asl.jsonata.fast) answers exactly what jlens answers, or steps aside.

For every shape the fast path compiles (paths, variables, literals, arithmetic, comparisons, `&`,
`and`/`or`, conditionals, object and array constructors), hypothesis generates expressions and
documents and compares the fast answer with jlens's (the same Expression with the fast path off):
same JSON text (so 1 and 1.0, true and 1, key order all count). Where jlens fails or selects
nothing the fast path must have fallen back, so errors stay jlens's own.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stepstone.asl.env import Env
from stepstone.asl.errors import AslFailure
from stepstone.asl.jsonata import UNDEFINED, compile_expression, compile_value
from stepstone.asl.jsonata.expression import Expression
from stepstone.asl.jsonata.fast import Fallback, compile_fast
from stepstone.engine.jsonata_io import JsonataCondition

KEYS = ["a", "b", "n", "s", "a b"]
CONTEXT = {"Execution": {"Name": "x", "StartTime": "2024-01-01T00:00:00.000Z"}, "State": {"Name": "S"}}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=False, allow_nan=True)


# ---------------------------------------------------------------------------------- documents

numbers = st.one_of(
    st.integers(-5, 5),
    st.integers(-(2**60), 2**60),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, -2.5, 1e16, 2.0**53, 2.0**53 + 2, 1e20, 1e300, 0.1]),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(
    numbers, st.booleans(), st.none(), st.sampled_from(["", "x", "ab", "é", "\U0001f600", "10", "b"])
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
values = st.one_of(scalars, numbers, numbers, documents)  # mostly what operators accept
inputs = st.fixed_dictionaries({key: values for key in KEYS[:4]}, optional={"a b": documents})


# ---------------------------------------------------------------------------------- expressions


def _step(key: str) -> str:
    return f"`{key}`" if " " in key else key


paths = st.one_of(
    st.builds(lambda key: f"$states.input.{_step(key)}", st.sampled_from(KEYS)),
    st.sampled_from(["$v", "$w"]),
    st.builds(
        lambda root, steps: root + "".join(f".{_step(k)}" for k in steps),
        st.sampled_from(["$states.input", "$states", "$v", "$w", "$missing"]),
        st.lists(st.sampled_from(KEYS), max_size=3),
    ),
)
literals = st.one_of(
    st.sampled_from(["0", "1", "2", "10", "1.5", "2e3", "0.1", "9007199254740993", "1e400"]),
    st.sampled_from(['"x"', "'ab'", '""', '"10"', "true", "false", "null"]),
)
OPERATORS = ["+", "-", "*", "/", "%", "&", "=", "!=", "<", "<=", ">", ">=", "and", "or"]


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.builds(
        lambda a, op, b, paren: f"({a} {op} {b})" if paren else f"{a} {op} {b}",
        inner, st.sampled_from(OPERATORS), inner, st.booleans(),
    )  # fmt: skip
    # Precedence and associativity, without parentheses.
    chain = st.builds(
        lambda a, op1, b, op2, c: f"{a} {op1} {b} {op2} {c}",
        inner, st.sampled_from(OPERATORS), inner, st.sampled_from(OPERATORS), inner,
    )  # fmt: skip
    return st.one_of(
        binary,
        chain,
        st.builds(lambda a: f"-{a}", inner),
        st.builds(lambda a, b, c: f"({a} ? {b} : {c})", inner, inner, inner),
        st.builds(lambda a, b: f"({a} ? {b})", inner, inner),
        st.builds(
            lambda pairs: "{" + ", ".join(f'"{k}": {v}' for k, v in pairs.items()) + "}",
            st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
        ),
        st.builds(lambda items: "[" + ", ".join(items) + "]", st.lists(inner, max_size=3)),
    )


expressions = st.recursive(st.one_of(paths, literals), _compound, max_leaves=6)


def _slow(text: str) -> Expression:
    expression = compile_expression(text)
    expression._fast = None  # jlens alone
    return expression


def _agree(text: str, document: Any, variables: dict[str, Any]) -> bool:
    """Compare the fast answer with jlens's; True when the fast path answered (did not fall back)."""
    fast = compile_fast(text)
    if fast is None:
        # Only a literal that a double cannot hold exactly is left to jlens among these shapes.
        assert "1e400" in text or "9007199254740993" in text, f"the fast path should compile {text!r}"
        return False
    states = {"input": document, "context": CONTEXT}
    try:
        got = fast(states, variables)
    except Fallback:
        return False
    try:
        expected = _slow(text).evaluate_optional(states, variables, Env(variables=variables), field="Output")
    except AslFailure as failure:
        pytest.fail(f"{text!r} answered {got!r} where jlens fails: {failure.cause}")
    assert expected is not UNDEFINED, f"{text!r} answered {got!r} where jlens selects nothing"
    assert _dumps(got) == _dumps(expected), (text, got, expected)
    return True


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, inputs, values, values)
def test_fast_path_agrees_with_jlens(text: str, document: Any, v: Any, w: Any) -> None:
    _agree(text, document, {"v": v, "w": w})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3), inputs)
def test_paths_into_present_objects_take_the_fast_path(steps: list[str], document: Any) -> None:
    # Build the document so that the path exists and ends on a plain value: no fallback allowed.
    node: dict[str, Any] = document
    for key in steps[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[steps[-1]] = "leaf"
    text = "$states.input" + "".join(f".{_step(k)}" for k in steps)
    assert _agree(text, document, {})


# The shapes of real definitions, on data where the fast path must answer (no silent fallback).
ANSWERED = [
    ("$states.input.orderId", {"orderId": "o-1"}, "o-1"),
    ("$states.input.a.b", {"a": {"b": [1, 2]}}, [1, 2]),
    ("$states.input.payload", {"payload": {"a": 1.0, "tag": "x"}}, {"a": 1, "tag": "x"}),
    ("$count + 1", {}, 8),
    ("$states.input.i < $states.input.n", {"i": 1, "n": 2}, True),
    ("$states.input.price * 2 - 1", {"price": 2.5}, 4),
    ("'order-' & $states.input.id & '-' & $count", {"id": "x"}, "order-x-7"),
    ('$states.input.status = "DONE" and $count >= 7', {"status": "DONE"}, True),
    ('{"id": $states.input.id, "items": [$count, {"n": 1}]}', {"id": 3}, {"id": 3, "items": [7, {"n": 1}]}),
    ('$count > 5 ? "big" : "small"', {}, "big"),
    ("-$count % 4", {}, -3),
]


@pytest.mark.parametrize(("text", "document", "value"), ANSWERED)
def test_common_shapes_are_answered_without_jlens(text: str, document: Any, value: Any) -> None:
    fast = compile_fast(text)
    assert fast is not None
    assert _dumps(fast({"input": document}, {"count": 7})) == _dumps(value)
    assert _agree(text, document, {"count": 7})


@pytest.mark.parametrize(
    "text",
    ["$states.input.items[0]", "$sum($states.input.items)", "$states.input.*", "$eval('1')", "$", "a.b",
     "$x.true", '{"a": 1, "a": 2}', "1 ? 2 : 3 ? 4 : 5", "$states.input ~> $string()", "1..2", "/* c */ 1"],
)  # fmt: skip
def test_other_shapes_stay_with_jlens(text: str) -> None:
    assert compile_fast(text) is None


def test_an_expression_falls_back_with_jlenss_own_error() -> None:
    expression = compile_expression("$states.input.a + 1")
    with pytest.raises(AslFailure) as fast:
        expression.evaluate({"input": {"a": "x"}}, {}, Env(), field="Output")
    with pytest.raises(AslFailure) as slow:
        _slow("$states.input.a + 1").evaluate({"input": {"a": "x"}}, {}, Env(), field="Output")
    assert fast.value.cause == slow.value.cause and "must evaluate to a number" in fast.value.cause
    assert expression.evaluate_optional({"input": {}}, {}, Env()) is UNDEFINED  # missing: jlens's undefined


def test_a_variable_shadows_a_function_name_as_in_jlens() -> None:
    for name in ("partition", "string", "states_x"):
        text = f"${name}"
        variables = {name: random.Random(1).random()}
        assert compile_expression(text).evaluate({"input": {}}, variables, Env()) == _slow(text).evaluate(
            {"input": {}}, variables, Env()
        )


def _outcome(run: Any) -> str:
    try:
        return "value " + _dumps(run())
    except AslFailure as failure:
        return f"failure {failure.error}: {failure.cause}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, expressions, inputs, values)
def test_a_template_built_in_one_closure_matches_the_general_walk(
    a: str, b: str, document: Any, v: Any
) -> None:
    assume("1e400" not in a + b)  # a syntax error in jlens (number out of range)
    template = {"x": f"{{% {a} %}}", "fixed": 1, "list": [f"{{% {b} %}}", "y"]}
    fast, slow = compile_value(template, "Output"), compile_value(template, "Output")
    slow._fast = None
    states, variables = {"input": document, "context": CONTEXT}, {"v": v, "w": None}
    env = Env(variables=variables)
    assert _outcome(lambda: fast.evaluate(states, variables, env)) == _outcome(
        lambda: slow.evaluate(states, variables, env)
    )


def test_a_choice_condition_on_the_fast_path_still_requires_a_boolean() -> None:
    condition = JsonataCondition("{% $states.input.i < $states.input.n %}", "Next")
    assert condition.matches({"i": 1, "n": 2}, Env()) is True
    assert condition.matches({"i": 2, "n": 2}, Env()) is False
    not_boolean = JsonataCondition("{% $states.input.n %}", "Next")
    with pytest.raises(AslFailure) as info:
        not_boolean.matches({"n": 2}, Env())
    assert "unexpected result type" in info.value.cause

"""Intrinsic functions: parsing (syntax, arity, literal kinds), results and run-time failures."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepstone.asl.env import Env
from stepstone.asl.errors import INTRINSIC_FAILURE, AslFailure
from stepstone.asl.intrinsics import REGISTRY, IntrinsicSyntaxError, is_intrinsic, parse_intrinsic
from stepstone.asl.paths import PathNotFound


def run(text: str, data: object = None, env: Env | None = None) -> object:
    return parse_intrinsic(text).evaluate(data, env or Env())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # AWS's recordings (test_format_1/2): strings raw, objects as Java maps, JSON text untouched.
        ("", ""),
        (" ", " "),
        (None, "null"),
        (1, "1"),
        (1.1, "1.1"),
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),
        ('{"Arg1": 1, "Arg2": []}', '{"Arg1": 1, "Arg2": []}'),
        # The same rendering for the other JSON types, nested the way Java's toString nests them.
        (True, "true"),
        (False, "false"),
        ([1, 2], "[1, 2]"),
        ([], "[]"),
        ({}, "{}"),
        ({"s": "two words", "q": 'a "quote"'}, '{s=two words, q=a "quote"}'),
        ({"b": True, "n": None, "l": [{"x": [1.5, "y"]}, {}]}, "{b=true, n=null, l=[{x=[1.5, y]}, {}]}"),
        ({"z": 1, "a": 2}, "{z=1, a=2}"),  # the object's own key order
        (12345678901234567890, "12345678901234567890"),
        # Numbers as Java's Double.toString prints them: plain from 10^-3 to 10^7, else d.dddE<n>.
        (1.0, "1.0"),
        (100.0, "100.0"),
        (-2.5, "-2.5"),
        (0.001, "0.001"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (1e20, "1.0E20"),
        (1e-5, "1.0E-5"),
        (-0.0001234, "-1.234E-4"),
        (0.0, "0.0"),
        ({"f": [1e21, 0.5]}, "{f=[1.0E21, 0.5]}"),
    ],
)
def test_format_renders_each_json_type_as_aws_does(value: object, expected: str) -> None:
    assert run("States.Format('<{}>', $.v)", {"v": value}) == f"<{expected}>"


def test_every_documented_function_is_registered() -> None:
    documented = """Format StringToJson JsonToString Array ArrayPartition ArrayContains ArrayRange
        ArrayGetItem ArrayLength ArrayUnique Base64Encode Base64Decode Hash JsonMerge MathRandom MathAdd
        StringSplit UUID"""
    assert set(REGISTRY) == {f"States.{name}" for name in documented.split()}


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ("States.Format('Hello, my name is {}.', $.name)", {"name": "Ann"}, "Hello, my name is Ann."),
        ("States.Format('{} {} {} {}', 1, 1.5, true, null)", None, "1 1.5 true null"),
        ("States.Format('a \\{\\} {} \\' \\\\', 'x')", None, "a {} x ' \\"),
        ("States.Format($.t, $.v)", {"t": "It's {}!", "v": "Pika"}, "It's Pika!"),
        ("States.StringToJson($.s)", {"s": '{"a":[1,2.5]}'}, {"a": [1, 2.5]}),
        ("States.StringToJson(' ')", None, None),
        ("States.StringToJson('-0')", None, 0),
        ("States.JsonToString($.o)", {"o": {"Arg1": 1, "Arg2": []}}, '{"Arg1":1,"Arg2":[]}'),
        ("States.JsonToString($.o)", {"o": "HelloWorld"}, '"HelloWorld"'),
        ("States.Array(1, 'a', $.x, States.Array())", {"x": None}, [1, "a", None, []]),
        ("States.ArrayPartition($.a, 3)", {"a": [0, 1, 2, 3]}, [[0, 1, 2], [3]]),
        ("States.ArrayPartition($.a, 4)", {"a": []}, []),
        ("States.ArrayContains($.a, 1)", {"a": [True, "1", 1.0]}, True),
        ("States.ArrayContains($.a, 1)", {"a": [True, "1"]}, False),
        ("States.ArrayContains($.a, $.b)", {"a": [{"x": [1]}], "b": {"x": [1]}}, True),
        ("States.ArrayRange(1, 9, 2)", None, [1, 3, 5, 7, 9]),
        ("States.ArrayRange(0, 9, 3)", None, [0, 3, 6, 9]),
        ("States.ArrayRange(9, 1, -4)", None, [9, 5, 1]),
        ("States.ArrayRange(1, 9, 9)", None, [1]),
        ("States.ArrayGetItem($.a, 5)", {"a": [1, 2, 3, 4, 5, 6, 7]}, 6),
        ("States.ArrayLength($.a)", {"a": [None, None, 1]}, 3),
        (
            "States.ArrayUnique($.a)",
            {"a": [1, 1, True, True, "1", None, None, {"a": 1}, {"a": 1}]},
            [1, True, "1", None, {"a": 1}],
        ),
        ("States.Base64Encode('Data to encode')", None, "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", None, "Data to encode"),
        ("States.Hash('input data', 'SHA-1')", None, hashlib.sha1(b"input data").hexdigest()),
        ("States.Hash('input data', 'MD5')", None, hashlib.md5(b"input data").hexdigest()),
        (
            "States.JsonMerge($.a, $.b, false)",
            {"a": {"a": {"x": 1}, "b": 2}, "b": {"a": {"y": 1}}},
            {"a": {"y": 1}, "b": 2},
        ),
        ("States.MathAdd(111, -1)", None, 110),
        ("States.MathAdd($.a, $.b)", {"a": 1.5, "b": 1.51}, 4),
        ("States.MathAdd($.a, $.b)", {"a": -1.49, "b": -1.5}, -2),
        ("States.MathAdd($.a, 0)", {"a": 2.5}, 3),
        ("States.MathAdd($.a, $.b)", {"a": -0.5, "b": 0.5}, 1),
        ("States.StringSplit($.s, ',')", {"s": ", , ,"}, [" ", " "]),
        ("States.StringSplit($.s, ',')", {"s": ",,,,"}, []),
        ("States.StringSplit('This.is+a,test=string', '.+,=')", None, ["This", "is", "a", "test", "string"]),
        ("States.StringSplit($$.Execution.Input.s, ',')", None, ["from", "context"]),
        ("States.Format('{}', $v.x)", None, "var"),
    ],
)
def test_results(text: str, data: object, expected: object) -> None:
    env = Env(context={"Execution": {"Input": {"s": "from,context"}}}, variables={"v": {"x": "var"}})
    result = run(text, data, env)
    assert result == expected
    assert json.dumps(result) == json.dumps(expected)  # int stays int, key order kept


def test_math_add_results_are_integers() -> None:
    assert type(run("States.MathAdd(1.0, 2)")) is int


def test_math_random_uses_env_rng_and_seed() -> None:
    first = [run("States.MathRandom(0, 1000)", env=Env(rng=random.Random(7))) for _ in range(3)]
    again = [run("States.MathRandom(0, 1000)", env=Env(rng=random.Random(7))) for _ in range(3)]
    assert first == again
    seeded = {run("States.MathRandom(0, 1000, 42)", env=Env(rng=random.Random(i))) for i in range(5)}
    assert len(seeded) == 1
    assert all(0 <= value < 1000 for value in first)


def test_uuid_is_v4_from_env_rng() -> None:
    value = run("States.UUID()", env=Env(rng=random.Random(3)))
    assert isinstance(value, str)
    parsed = uuid.UUID(value)
    assert parsed.version == 4
    assert value == run("States.UUID()", env=Env(rng=random.Random(3)))
    assert value != run("States.UUID()", env=Env(rng=random.Random(4)))


@pytest.mark.parametrize(
    ("text", "offset", "reason"),
    [
        ("States.Nope(1)", 0, "unknown intrinsic function"),
        ("States.MathAdd(1)", 0, "takes 2 arguments but 1 were given"),
        ("States.UUID(1)", 0, "takes 0 arguments"),
        ("States.MathAdd('a', 1)", 15, "argument 1 of States.MathAdd must be a number"),
        ("States.ArrayLength(States.Format('x'))", 19, "must be an array"),
        ("States.ArrayRange(1, 5000, 1)", 0, "not have more than 1000 items"),
        ("States.ArrayRange(1, 5, 0)", 0, "step must not be 0"),
        ("States.ArrayPartition($.a, 0)", 0, "chunk size must be greater than 0"),
        ("States.JsonMerge($.a, $.b, true)", 0, "shallow"),
        ("States.Format('{} {}', 1)", 0, "2 placeholders but 1 values"),
        ("States.Hash('x', 'SHA-2')", 0, "hash algorithm"),
        ("States.Array('abc)", 13, "unterminated string"),
        ("States.Array(1) x", 16, "unexpected text"),
        ("States.Array(1 2)", 15, "expected ',' or ')'"),
        ("States.Array($.a b)", 17, "expected ',' or ')'"),
    ],
)
def test_syntax_errors(text: str, offset: int, reason: str) -> None:
    with pytest.raises(IntrinsicSyntaxError) as info:
        parse_intrinsic(text)
    assert reason in info.value.reason
    assert info.value.offset == offset
    assert str(info.value).splitlines()[-1] == "  " + " " * offset + "^"


def test_nesting_limit() -> None:
    nested = "States.Array(" * 10 + ")" * 10
    assert parse_intrinsic(nested).evaluate(None, Env()) is not None
    with pytest.raises(IntrinsicSyntaxError):
        parse_intrinsic("States.Array(" * 11 + ")" * 11)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("States.MathAdd($.a, 1)", {"a": "1"}),
        ("States.MathAdd($.a, 1)", {"a": 2**31}),
        ("States.ArrayGetItem($.a, 3)", {"a": [1]}),
        ("States.ArrayRange($.a, 2000, 1)", {"a": 0}),
        ("States.ArrayRange(1, 2, $.a)", {"a": 0}),
        ("States.ArrayPartition($.a, $.n)", {"a": [1], "n": -1}),
        ("States.ArrayLength($.a)", {"a": {}}),
        ("States.StringToJson($.s)", {"s": "not json"}),
        ("States.Base64Decode($.s)", {"s": "***"}),
        ("States.Base64Encode($.s)", {"s": "x" * 10_001}),
        ("States.Hash($.s, $.alg)", {"s": "x", "alg": "SHA-2"}),
        ("States.Format($.t, 1)", {"t": "no placeholder"}),
        ("States.JsonMerge($.a, $.a, $.deep)", {"a": {}, "deep": True}),
        ("States.MathRandom(5, 5)", None),
    ],
)
def test_runtime_failures(text: str, data: object) -> None:
    with pytest.raises(AslFailure) as info:
        run(text, data)
    assert info.value.error == INTRINSIC_FAILURE
    assert "States." in info.value.cause


def test_missing_path_argument_raises_path_not_found() -> None:
    with pytest.raises(PathNotFound):
        run("States.Array($.missing)", {})


def test_is_intrinsic() -> None:
    assert is_intrinsic("States.Array()")
    assert not is_intrinsic("$.States")


args = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.sampled_from(["true", "false", "null", "1.5", "$", "$.a[0]", "$$.Execution.Id", "$v.x"]),
    st.text(alphabet="ab'{}\\ ", max_size=6).map(
        lambda s: "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"
    ),
)


@given(st.lists(args, max_size=4), st.booleans())
def test_round_trip(arguments: list[str], nest: bool) -> None:
    inner = f"States.Array({', '.join(arguments)})"
    text = f"States.ArrayLength({inner})" if nest else inner
    call = parse_intrinsic(text)
    assert parse_intrinsic(str(call)) == call


@given(st.lists(st.integers() | st.text(max_size=3) | st.none(), max_size=30), st.integers(1, 12))
def test_partition_concatenates_back(items: list[object], size: int) -> None:
    chunks = run("States.ArrayPartition($.a, $.n)", {"a": items, "n": size})
    assert isinstance(chunks, list)
    assert [x for chunk in chunks for x in chunk] == items
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-7, 7).filter(bool))
def test_range_agrees_with_python(start: int, end: int, step: int) -> None:
    expected = list(range(start, end + (1 if step > 0 else -1), step))
    assert run("States.ArrayRange($.a, $.b, $.c)", {"a": start, "b": end, "c": step}) == expected


@given(st.text(max_size=50))
def test_base64_and_json_round_trip(text: str) -> None:
    encoded = run("States.Base64Encode($.s)", {"s": text})
    assert encoded == base64.b64encode(text.encode()).decode()
    assert run("States.Base64Decode($.s)", {"s": encoded}) == text
    assert run("States.StringToJson(States.JsonToString($.s))", {"s": text}) == text


@given(st.lists(st.integers(-3, 3) | st.booleans() | st.sampled_from(["a", "b"]), max_size=20))
def test_unique_keeps_first_occurrences(items: list[object]) -> None:
    result = run("States.ArrayUnique($.a)", {"a": items})
    assert isinstance(result, list)
    expected: list[object] = []
    for item in items:
        if not any(type(item) is type(seen) and item == seen for seen in expected):
            expected.append(item)
    assert result == expected


@given(st.integers(-(2**31), 2**31 - 1), st.integers(-(2**31), 2**31 - 1))
def test_math_add_agrees_with_python(a: int, b: int) -> None:
    assert run("States.MathAdd($.a, $.b)", {"a": a, "b": b}) == a + b

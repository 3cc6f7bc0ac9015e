"""JSONPath parsing, evaluation (Jayway semantics) and ReferencePath.set."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepstone.asl.env import Env
from stepstone.asl.errors import RESULT_PATH_MATCH_FAILURE, AslFailure
from stepstone.asl.paths import (
    PathNotFound,
    PathSyntaxError,
    compact_json,
    parse_path,
    parse_reference_path,
)
from stepstone.asl.paths.evaluate import definite_value

DATA = {
    "a": {"b": [1, 2, {"x": 3}], "c d": 4, "n": None},
    "arr": [{"x": 1, "t": "a"}, {"x": 5, "t": "b"}, {"y": 2}],
}
ENV = Env(context={"Execution": {"Id": "exec-1"}}, variables={"v": {"x": [10, 20]}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$", DATA),
        ("$.a.b", [1, 2, {"x": 3}]),
        ("$.a.b[-1].x", 3),
        ("$['a']['c d']", 4),
        ('$["a"].n', None),
        ("$.arr[*].x", [1, 5]),
        ("$.arr.*.t", ["a", "b"]),
        ("$..x", [3, 1, 5]),
        ("$.arr[?(@.x > 1)]", [{"x": 5, "t": "b"}]),
        ("$.arr[?(@.t == 'a' || @.y == 2)].x", [1]),
        ("$.arr[?(@.x)]", [DATA["arr"][0], DATA["arr"][1]]),
        ("$.arr[?(!(@.x))]", [{"y": 2}]),
        ("$.arr[?(@.t in ['b', 'c'])].x", [5]),
        ("$.arr[?(@.t =~ /A/i)].x", [1]),
        ("$.a.b[0,2]", [1, {"x": 3}]),
        ("$.a.b[-2:]", [2, {"x": 3}]),
        ("$.a.b[:1]", [1]),
        ("$.a.missing[*]", []),
        ("$$.Execution.Id", "exec-1"),
        ("$v.x[1]", 20),
        ("$v", {"x": [10, 20]}),
    ],
)
def test_evaluate(text: str, expected: object) -> None:
    assert parse_path(text).evaluate(DATA, ENV) == expected


@pytest.mark.parametrize("text", ["$.missing", "$.a.b[3]", "$.a.b.x", "$.arr[0][0]", "$nope", "$.a['c d'].e"])
def test_definite_path_not_found(text: str) -> None:
    with pytest.raises(PathNotFound) as info:
        parse_path(text).evaluate(DATA, ENV)
    assert info.value.path == text


def test_index_into_string_is_not_found() -> None:
    # Python would happily index a string; JSONPath must not.
    with pytest.raises(PathNotFound):
        parse_path("$.s[0]").evaluate({"s": "abc"}, ENV)


@pytest.mark.parametrize(
    ("text", "definite", "root", "variable"),
    [
        ("$", True, "input", None),
        ("$.a[0]['b c']", True, "input", None),
        ("$.a[*]", False, "input", None),
        ("$..a", False, "input", None),
        ("$.a[0,1]", False, "input", None),
        ("$.a[1:]", False, "input", None),
        ("$.a[?(@.b)]", False, "input", None),
        ("$$.Map.Item.Value", True, "context", None),
        ("$my_var.x", True, "variable", "my_var"),
        ("$café.x", True, "variable", "café"),
        ("$Ωmega_2[0]", True, "variable", "Ωmega_2"),
        ("$名前", True, "variable", "名前"),
    ],
)
def test_shape(text: str, definite: bool, root: str, variable: str | None) -> None:
    path = parse_path(text)
    assert (path.definite, path.root, path.variable) == (definite, root, variable)


@pytest.mark.parametrize(
    ("text", "offset"),
    [("a", 0), ("$.", 2), ("$[", 2), ("$.a b", 3), ("$['a'", 5), ("$[?(@.x >)]", 9), ("$1x", 1), ("$²x", 1)],
)
def test_syntax_error_points_at_offending_character(text: str, offset: int) -> None:
    with pytest.raises(PathSyntaxError) as info:
        parse_path(text)
    assert info.value.offset == offset
    assert info.value.text == text
    assert str(info.value).splitlines()[-1] == "  " + " " * offset + "^"


def test_canonical_text_and_bracket_text() -> None:
    path = parse_path("$['a'].b[0]['c d']")
    assert str(path) == "$.a.b[0]['c d']"
    assert path.bracket_text == "$['a']['b'][0]['c d']"
    assert path.text == "$['a'].b[0]['c d']"
    assert parse_path("$.a") == parse_path("$['a']")
    assert parse_path("$.a") != parse_path("$$.a")


names = st.text(min_size=1, max_size=6)
selectors = st.one_of(
    names.map(lambda n: "[" + "'" + n.replace("\\", "\\\\").replace("'", "\\'") + "']"),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True).map(lambda n: "." + n),
    st.integers(-5, 5).map(lambda i: f"[{i}]"),
    st.just("[*]"),
    st.just("..x"),
    st.tuples(st.integers(-3, 3), st.integers(-3, 3)).map(lambda t: f"[{t[0]}:{t[1]}]"),
    st.integers(0, 9).map(lambda i: f"[?(@.x > {i} && @.y != 'q')]"),
    st.lists(names, min_size=2, max_size=3).map(
        lambda ns: "[" + ", ".join("'" + n.replace("\\", "\\\\").replace("'", "\\'") + "'" for n in ns) + "]"
    ),
    st.integers(0, 4).map(lambda i: f"[(@.length-{i})]"),
    st.sampled_from(
        [
            "[?(@.status==Failure)]",
            "[?(!@.x || (@.x in [1, 'a'] && @.y nin [2]))]",
            "[?(@.tags subsetof ['a'] || @.tags anyof ['b'] || @.tags noneof ['c'])]",
            "[?(@.s =~ /a.*/i && @.s size 3 && @.t empty false)]",
            "[?(@.n === 1 || @.n !== '1' || @.n <= $.max)]",
            "[?(!(@.a == true) && @.b != null)]",
        ]
    ),
)
# Jayway reads a dot before any bracket as nothing: `$.[0]` is `$[0]`.
dotted = selectors.map(lambda s: "." + s if s.startswith("[") else s)


@given(st.sampled_from(["$", "$$", "$var"]), st.lists(selectors, max_size=5))
def test_round_trip(root: str, parts: list[str]) -> None:
    path = parse_path(root + "".join(parts))
    assert parse_path(str(path)) == path
    assert str(parse_path(str(path))) == str(path)


@given(st.lists(selectors, max_size=5), st.sampled_from(["", " ", "  "]))
def test_a_dot_before_a_bracket_and_surrounding_spaces_change_nothing(parts: list[str], pad: str) -> None:
    plain = parse_path("$" + "".join(parts))
    dotted_text = "$" + "".join("." + p if p.startswith("[") else p for p in parts)
    assert parse_path(pad + dotted_text + pad) == plain


@given(st.lists(dotted, max_size=5), st.deferred(lambda: json_values))
def test_indefinite_paths_never_fail(parts: list[str], data: object) -> None:
    path = parse_path("$" + "".join(parts))
    try:
        result = path.evaluate(data, ENV)
    except PathNotFound as miss:
        assert path.definite and miss.reason
        return
    assert path.definite or isinstance(result, list)


steps = st.one_of(st.sampled_from(["a", "b", "x"]), st.integers(-2, 2))


@given(st.lists(steps, max_size=4), st.deferred(lambda: json_values))
def test_the_fast_walk_agrees_with_the_jayway_walk(path_steps: list[str | int], data: object) -> None:
    text = "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path_steps)
    path = parse_path(text)
    assert path.steps == tuple(path_steps)
    try:
        fast: object = path.evaluate(data, ENV)
    except PathNotFound as miss:
        fast = ("miss", miss.reason)
    try:
        slow: object = definite_value(path, data)
    except PathNotFound as miss:
        slow = ("miss", miss.reason)
    assert fast == slow


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)
keys = st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=4)


@given(st.dictionaries(st.text(max_size=4), json_values, max_size=4), keys, json_values)
def test_reference_set_then_get(data: dict[str, object], path_keys: list[str], value: object) -> None:
    text = "$" + "".join("['" + k.replace("\\", "\\\\").replace("'", "\\'") + "']" for k in path_keys)
    ref = parse_reference_path(text)
    before = copy.deepcopy(data)
    try:
        updated = ref.set(data, value)
    except AslFailure as failure:
        assert failure.error == RESULT_PATH_MATCH_FAILURE
        assert data == before
        return
    assert ref.get(updated, ENV) == value
    assert data == before  # the original is untouched


def test_reference_set_shares_untouched_parts() -> None:
    data = {"keep": {"big": [1, 2, 3]}, "a": {"b": 1}}
    updated = parse_reference_path("$.a.c").set(data, 2)
    assert updated == {"keep": {"big": [1, 2, 3]}, "a": {"b": 1, "c": 2}}
    assert updated["keep"] is data["keep"]
    assert data["a"] == {"b": 1}


def test_reference_set_root_replaces_and_creates_missing_objects() -> None:
    assert parse_reference_path("$").set({"a": 1}, [1]) == [1]
    assert parse_reference_path("$.x.y.z").set({}, 1) == {"x": {"y": {"z": 1}}}
    assert parse_reference_path("$.l[1]").set({"l": [0, 0]}, 9) == {"l": [0, 9]}


@pytest.mark.parametrize(("text", "data"), [("$.a.b", {"a": "str"}), ("$.a[5]", {"a": [1]}), ("$.a", 3)])
def test_reference_set_failure(text: str, data: object) -> None:
    with pytest.raises(AslFailure) as info:
        parse_reference_path(text).set(data, 1)
    assert info.value.error == RESULT_PATH_MATCH_FAILURE
    assert info.value.cause == f"Unable to apply ReferencePath {text} to input {compact_json(data)}"


@pytest.mark.parametrize("text", ["$.a[*]", "$..a", "$.a[0:1]", "$.a[0,1]", "$.a[?(@.x)]"])
def test_reference_path_must_be_definite(text: str) -> None:
    with pytest.raises(PathSyntaxError):
        parse_reference_path(text)


def test_compact_json_matches_aws() -> None:
    assert compact_json({"a": [1, 2.5, None, True], "é": "x"}) == '{"a":[1,2.5,null,true],"é":"x"}'

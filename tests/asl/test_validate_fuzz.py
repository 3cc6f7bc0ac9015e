"""Malformed definitions of every kind: validate() answers with diagnostics and never raises."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stepstone.asl.load import load_definition
from stepstone.asl.validate import validate
from tests.asl.definitions import APPROVAL_WITH_COMMENT, VALID

_KEYS = st.sampled_from(
    [
        "Type",
        "Next",
        "End",
        "StartAt",
        "States",
        "Resource",
        "Choices",
        "Variable",
        "Retry",
        "Catch",
        "ErrorEquals",
        "Branches",
        "ItemProcessor",
        "Parameters",
        "ResultPath",
        "x.$",
        "Seconds",
        "QueryLanguage",
        "Condition",
        "And",
        "Not",
        "StringEquals",
        "Default",
        "TimeoutSeconds",
        "HeartbeatSeconds",
        "Output",
        "Arguments",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**9),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "$",
            "$.a",
            "$$.Task.Token",
            "$..x",
            "States.ALL",
            "States.Format('{}', $.a)",
            "States.(",
            "{% $x %}",
            "Pass",
            "Task",
            "Map",
            "Parallel",
            "Choice",
            "JSONata",
            "arn:stepstone:x",
        ]
    ),
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=30,
)
_VALID = [copy.deepcopy(VALID[name]) for name in sorted(VALID)]


def _containers(value: Any) -> list[Any]:
    found = [value] if isinstance(value, dict | list) else []
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for child in children:
        found.extend(_containers(child))
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_random_json_never_raises(value: Any) -> None:
    diagnostics = validate(value)
    assert isinstance(diagnostics, list)
    if not isinstance(value, dict):
        assert any(d.is_error for d in diagnostics)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(_VALID))), st.data())
def test_mutated_valid_definitions_never_raise(index: int, data: st.DataObject) -> None:
    definition = copy.deepcopy(_VALID[index])
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(_containers(definition)))
        if isinstance(target, dict) and target:
            key = data.draw(st.sampled_from(sorted(target)))
            if data.draw(st.booleans()):
                target[key] = data.draw(_JSON)
            else:
                del target[key]
        elif isinstance(target, list) and target:
            target[data.draw(st.integers(0, len(target) - 1))] = data.draw(_JSON)
        elif isinstance(target, dict):
            target[data.draw(_KEYS)] = data.draw(_JSON)
    diagnostics = validate(definition)
    assert all(d.location == "" or d.location.startswith("/") for d in diagnostics)
    assert diagnostics == validate(copy.deepcopy(definition)), "validation must be deterministic"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.sampled_from(["", "{", "[1,", "a: [", "//", '{"a": 1} //x', "{\n/*"]))
def test_random_text_never_raises(text: str) -> None:
    definition, diagnostics = load_definition(text)
    assert isinstance(definition, dict)
    if not definition:
        validate(definition)  # an empty object is reported, never raised
    assert all(d.severity in ("ERROR", "WARNING") for d in diagnostics)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(APPROVAL_WITH_COMMENT) - 1), st.sampled_from(["", "}", "//", '"', "\\", ",", "/*"]))
def test_truncated_and_spliced_text_never_raises(cut: int, splice: str) -> None:
    definition, diagnostics = load_definition(
        APPROVAL_WITH_COMMENT[:cut] + splice + APPROVAL_WITH_COMMENT[cut:]
    )
    validate(definition)
    assert isinstance(diagnostics, list)


def test_deeply_nested_input_is_an_error_not_a_crash() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    definition, diagnostics = load_definition(deep)
    assert definition == {}
    assert [d.code for d in diagnostics] == ["INVALID_JSON_DESCRIPTION"]
    nested: Any = {"StartAt": "S", "States": {"S": {"Type": "Pass", "End": True, "Parameters": {}}}}
    cursor = nested["States"]["S"]["Parameters"]
    for _ in range(5000):
        cursor["a"] = {}
        cursor = cursor["a"]
    assert isinstance(validate(nested), list)
    assert json.dumps(validate(json.loads('{"StartAt": 1}'))[0].to_aws())

"""Payload templates: dynamic fields, static sharing, errors with JSON Pointers, flags."""

from __future__ import annotations

import pytest

from stepstone.asl.env import Env
from stepstone.asl.errors import INTRINSIC_FAILURE, RUNTIME, AslFailure
from stepstone.asl.template import TemplateSyntaxError, compile_template

ENV = Env(
    context={"Execution": {"Id": "e-1"}, "Map": {"Item": {"Value": "Pika"}}}, variables={"T": "It's {}!"}
)


def test_dynamic_fields_paths_context_variables_and_intrinsics() -> None:
    template = compile_template(
        {
            "static": 1,
            "b.$": "$.x",
            "nested": {"id.$": "$$.Execution.Id", "list": [1, {"v.$": "$T"}], "all.$": "$.arr[*].k"},
            "sum.$": "States.MathAdd($.x, 1)",
            "msg.$": "States.Format($T, $$.Map.Item.Value)",
        }
    )
    result = template.evaluate({"x": 5, "arr": [{"k": 1}, {"k": 2}]}, ENV)
    assert result == {
        "static": 1,
        "b": 5,
        "nested": {"id": "e-1", "list": [1, {"v": "It's {}!"}], "all": [1, 2]},
        "sum": 6,
        "msg": "It's Pika!",
    }
    assert list(result) == ["static", "b", "nested", "sum", "msg"]


def test_static_template_returns_the_same_object() -> None:
    source = {"a": [1, {"b": "c"}], "d.e": "$.not_dynamic"}
    template = compile_template(source)
    assert template.static
    assert template.evaluate({"x": 1}, ENV) is source
    assert template.evaluate({"y": 2}, ENV) is source


def test_static_subtrees_are_shared_not_copied() -> None:
    source = {"big": {"list": [1, 2, 3]}, "x.$": "$.x"}
    result = compile_template(source).evaluate({"x": 1}, ENV)
    assert result["big"] is source["big"]
    assert result["x"] == 1


def test_evaluation_does_not_mutate_input() -> None:
    data = {"x": {"y": [1]}}
    result = compile_template({"copy.$": "$.x"}).evaluate(data, ENV)
    assert result == {"copy": {"y": [1]}}
    assert data == {"x": {"y": [1]}}


def test_references_flags() -> None:
    assert not compile_template({"a.$": "$.x"}).references_context
    assert compile_template({"a": {"b.$": "$$.Execution.Id"}}).references_context
    assert compile_template({"a": ["x", {"b.$": "States.Format('{}', $$.Execution.Id)"}]}).references_context
    assert compile_template({"a.$": "States.Array(States.Array($v))"}).references_variables
    assert not compile_template({"a.$": "States.Array($.v)"}).references_variables


def test_path_not_found_message_matches_aws() -> None:
    template = compile_template({"value.$": "$.no_such_jsonpath"})
    with pytest.raises(AslFailure) as info:
        template.evaluate({"int-literal": 0}, ENV)
    assert info.value.error == RUNTIME
    assert info.value.cause == (
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' "
        "could not be found in the input '{\"int-literal\":0}'"
    )


def test_path_not_found_inside_intrinsic_is_runtime_error() -> None:
    with pytest.raises(AslFailure) as info:
        compile_template({"v.$": "States.Array($.missing)"}).evaluate({}, ENV)
    assert info.value.error == RUNTIME
    assert "'$.missing'" in info.value.cause and "'v.$'" in info.value.cause


def test_intrinsic_failure_passes_through() -> None:
    with pytest.raises(AslFailure) as info:
        compile_template({"v.$": "States.ArrayGetItem($.a, 9)"}).evaluate({"a": []}, ENV)
    assert info.value.error == INTRINSIC_FAILURE


@pytest.mark.parametrize(
    ("source", "pointer"),
    [
        ({"a": {"b.$": "$.a b"}}, "/a/b.$"),
        ({"x": [{"y.$": "States.Nope()"}]}, "/x/0/y.$"),
        ({"q/r~s.$": 3}, "/q~1r~0s.$"),
        ({"k.$": "not a path"}, "/k.$"),
        ([{"k.$": "States.MathAdd(1)"}], "/0/k.$"),
    ],
)
def test_syntax_errors_carry_json_pointer(source: object, pointer: str) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        compile_template(source, field="ResultSelector")
    assert info.value.pointer == pointer
    assert str(info.value).startswith(f"ResultSelector{pointer}: ")

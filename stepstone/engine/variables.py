"""Workflow variables: compiled `Assign` fields and their size limits (`scopes` says what a frame sees).

All of a state's expressions (`Assign` included) read the variables as they were when the state was
left; the new values are committed together afterwards, so `{"a": 1, "b": "{% $a %}"}` gives `b` the
old `a`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from stepstone.asl.errors import AslFailure
from stepstone.asl.json import JSON
from stepstone.asl.jsonata import CompiledValue, compile_value
from stepstone.asl.template import Template, compile_template

if TYPE_CHECKING:
    from stepstone.asl.env import Env

#: AWS's limits: one variable, all variables of one Assign, all variables an execution holds.
MAX_VARIABLE_BYTES = 256 * 1024
MAX_ASSIGN_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"

Assigned = dict[str, JSON]


class JsonPathAssign:
    """`Assign` in a JSONPath state: a payload template over the state's result (`$`), `$$` and `$name`."""

    __slots__ = ("_template",)

    def __init__(self, source: JSON) -> None:
        self._template: Template = compile_template(source, "Assign")

    def evaluate(self, data: JSON, env: Env) -> Assigned:
        value = self._template.evaluate(data, env)
        assert isinstance(value, dict)
        return value


class JsonataAssign:
    """`Assign` in a JSONata state: a value whose `{% %}` strings read `$states` and the variables."""

    __slots__ = ("_value",)

    def __init__(self, source: JSON) -> None:
        self._value: CompiledValue = compile_value(source, "Assign")

    def evaluate(self, states: JSON, env: Env) -> Assigned:
        value = self._value.evaluate(states, env.variables, env)
        assert isinstance(value, dict)
        return value


def _size(value: JSON) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def check_limits(assigned: Assigned, visible: Mapping[str, JSON]) -> Assigned:
    """`assigned`, or States.DataLimitExceeded when it breaks one of AWS's size limits."""
    total = 0
    for name, value in assigned.items():
        size = _size(value)
        if size > MAX_VARIABLE_BYTES:
            raise AslFailure(
                DATA_LIMIT_EXCEEDED,
                f"The variable '{name}' has a size of {size} bytes, above the limit of "
                f"{MAX_VARIABLE_BYTES} bytes for a single variable.",
            )
        total += size
    if total > MAX_ASSIGN_BYTES:
        raise AslFailure(
            DATA_LIMIT_EXCEEDED,
            f"The variables assigned by the state have a size of {total} bytes, above the limit of "
            f"{MAX_ASSIGN_BYTES} bytes for one Assign.",
        )
    kept = sum(_size(v) for k, v in visible.items() if k not in assigned)
    if kept + total > MAX_TOTAL_BYTES:
        raise AslFailure(
            DATA_LIMIT_EXCEEDED,
            f"The variables of the execution would have a size of {kept + total} bytes, above the "
            f"limit of {MAX_TOTAL_BYTES} bytes.",
        )
    return assigned


def compile_assign(source: JSON, language: str) -> JsonPathAssign | JsonataAssign | None:
    """The compiled `Assign` of a state or a Catch/Choice entry, or None when there is none."""
    if source is None or (isinstance(source, dict) and not source):
        return None
    return JsonataAssign(source) if language == "JSONata" else JsonPathAssign(source)

"""Every successful response checked against botocore's output shape for its operation (AWS's shape).

boto3 drops members it does not know while parsing, so the check reads the raw JSON body first
(`before-parse`): required members present, no member the model lacks, each of its modelled type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "long": (int,), "boolean": (bool,), "timestamp": (int, float),
    "structure": (dict,), "list": (list,), "map": (dict,), "float": (float, int), "double": (float, int),
}  # fmt: skip


def check_shape(shape: Any, value: Any, where: str) -> list[str]:
    """What is wrong with `value` as an instance of the botocore `shape` (empty when nothing)."""
    if not isinstance(value, _TYPES[shape.type_name]) or (shape.type_name != "boolean" and value is True):
        return [f"{where}: {type(value).__name__} is not {shape.type_name}"]
    problems: list[str] = []
    if shape.type_name == "structure":
        problems += [f"{where}: required {n} missing" for n in shape.required_members if n not in value]
        for name, member in value.items():
            if name not in shape.members:
                problems.append(f"{where}: {name} is not a member of {shape.name}")
            else:
                problems += check_shape(shape.members[name], member, f"{where}.{name}")
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            problems += check_shape(shape.member, item, f"{where}[{i}]")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:
        problems.append(f"{where}: {value!r} is not one of {shape.enum}")
    return problems


@dataclass
class ShapeChecks:
    """Registered on a boto3 client: every 200 answer checked, every operation that answered remembered."""

    problems: list[str] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)
    errors: dict[str, set[str]] = field(default_factory=dict)

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-parse.sfn", self._check)
        return client

    def _check(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        body = json.loads(response_dict["body"] or b"{}")
        if response_dict["status_code"] != 200:
            self.errors.setdefault(operation_model.name, set()).add(body.get("__type", "?"))
            return
        self.answered.add(operation_model.name)
        shape = operation_model.output_shape
        if shape is None:
            if body:
                self.problems.append(f"{operation_model.name}: expected an empty body, got {body}")
            return
        self.problems += check_shape(shape, body, operation_model.name)

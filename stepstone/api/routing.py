"""The routing table: `X-Amz-Target` value -> operation, service method and compiled validator."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stepstone.api import shapes
from stepstone.api.validation import Validator, compile_validators

ServiceMethod = Callable[[dict[str, Any]], Awaitable[Mapping[str, Any] | None]]

_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")

#: stepstone's own operations (reads, completion by address), under their own target prefix so
#: they never shadow AWS's.
EXTENSION_PREFIX = "Stepstone"
EXTENSIONS = (
    "ListOpenTasks", "DescribeRuntime",
    "SucceedTaskByAddress", "FailTaskByAddress", "HeartbeatTaskByAddress", "PublishMessage",
    "AdvanceClock",
)  # fmt: skip


def method_name(operation: str) -> str:
    """The service method for an operation: `SendTaskSuccess` -> `send_task_success`."""
    return _WORD_START.sub("_", operation).lower()


@dataclass(frozen=True, slots=True)
class Route:
    """One modelled operation. `method` is None when the service does not implement it."""

    operation: str
    method: ServiceMethod | None
    validate: Validator
    errors: frozenset[str]


def build_routes(service: object) -> dict[str, Route]:
    """Routes keyed by the full target header value, e.g. `AWSStepFunctions.StartExecution`."""
    inputs = sorted({spec[0] for spec in shapes.OPERATIONS.values() if spec[0] is not None})
    validators = compile_validators(shapes.SHAPES, inputs)
    routes: dict[str, Route] = {}
    for operation, (input_shape, _output, errors) in shapes.OPERATIONS.items():
        method = getattr(service, method_name(operation), None)
        validate = validators[input_shape] if input_shape is not None else _accept_anything
        routes[f"{shapes.TARGET_PREFIX}.{operation}"] = Route(
            operation, method if callable(method) else None, validate, frozenset(errors)
        )
    for operation in EXTENSIONS:
        method = getattr(service, method_name(operation), None)
        if callable(method):
            # extensions validate their own members; the edge has checked that the body is an object
            routes[f"{EXTENSION_PREFIX}.{operation}"] = Route(
                operation, method, _accept_anything, frozenset()
            )
    return routes


def _accept_anything(request: Mapping[str, Any]) -> None:
    return None

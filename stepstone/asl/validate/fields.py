"""Which fields each state type allows and requires, their JSON types, and which query language owns them."""

from __future__ import annotations

from enum import Enum
from typing import Any

from stepstone.asl.validate.report import (
    JSONATA,
    JSONPATH,
    MAY_BE_REFUSED,
    Report,
    at,
    is_int,
    is_jsonata,
    is_number,
    type_name,
)


class Kind(Enum):
    """The JSON shape a field must have (before any finer check by the type's own module)."""

    STRING = "a string"
    NULLABLE_STRING = "a string or null"
    BOOLEAN = "a boolean"
    OBJECT = "an object"
    ARRAY = "an array"
    ANY = "any JSON value"
    NATURAL = "an integer >= 0"
    POSITIVE = "an integer >= 1"
    PERCENTAGE = "a number between 0 and 100"
    OBJECT_OR_EXPRESSION = "an object or a JSONata expression"
    ARRAY_OR_EXPRESSION = "an array or a JSONata expression"
    #: Parameters, ResultSelector, ItemSelector: AWS documents an object; any JSON value is accepted
    #: with a warning, since deployed definitions use arrays there and AWS's refusal is not documented.
    TEMPLATE = "a payload template (an object)"


S, NS, B, OBJ, ARR, ANY = Kind.STRING, Kind.NULLABLE_STRING, Kind.BOOLEAN, Kind.OBJECT, Kind.ARRAY, Kind.ANY
OBJ_OR_EXPR, TPL = Kind.OBJECT_OR_EXPRESSION, Kind.TEMPLATE
NAT, POS, PCT = Kind.NATURAL, Kind.POSITIVE, Kind.PERCENTAGE

_COMMON: dict[str, Kind] = {"Type": S, "Comment": S, "QueryLanguage": S}
_IO: dict[str, Kind] = {"InputPath": NS, "OutputPath": NS, "Output": ANY, "Assign": OBJ}
_NEXT: dict[str, Kind] = {"Next": S, "End": B}
_RESULT: dict[str, Kind] = {
    "ResultPath": NS,
    "Parameters": TPL,
    "ResultSelector": TPL,
    "Retry": ARR,
    "Catch": ARR,
}

STATE_FIELDS: dict[str, dict[str, Kind]] = {
    "Pass": {**_COMMON, **_IO, **_NEXT, "ResultPath": NS, "Parameters": TPL, "Result": ANY},
    "Task": {
        **_COMMON, **_IO, **_NEXT, **_RESULT,
        "Resource": S, "Arguments": OBJ_OR_EXPR, "Credentials": OBJ,
        "TimeoutSeconds": POS, "TimeoutSecondsPath": S, "HeartbeatSeconds": POS, "HeartbeatSecondsPath": S,
    },
    "Choice": {**_COMMON, **_IO, "Choices": ARR, "Default": S},
    "Wait": {**_COMMON, **_IO, **_NEXT, "Seconds": NAT, "Timestamp": S, "SecondsPath": S, "TimestampPath": S},
    "Succeed": {**_COMMON, "InputPath": NS, "OutputPath": NS, "Output": ANY},
    "Fail": {**_COMMON, "Error": S, "ErrorPath": S, "Cause": S, "CausePath": S},
    "Parallel": {**_COMMON, **_IO, **_NEXT, **_RESULT, "Branches": ARR, "Arguments": OBJ_OR_EXPR},
    "Map": {
        **_COMMON, **_IO, **_NEXT, **_RESULT,
        "ItemProcessor": OBJ, "Iterator": OBJ, "ItemsPath": NS, "Items": Kind.ARRAY_OR_EXPRESSION,
        "ItemSelector": TPL, "ItemReader": OBJ, "ItemBatcher": OBJ, "ResultWriter": OBJ, "Label": S,
        "MaxConcurrency": NAT, "MaxConcurrencyPath": S,
        "ToleratedFailurePercentage": PCT, "ToleratedFailurePercentagePath": S,
        "ToleratedFailureCount": NAT, "ToleratedFailureCountPath": S,
    },
}  # fmt: skip
#: In the order AWS lists them in its message for an unknown Type.
STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")

REQUIRED: dict[str, tuple[str, ...]] = {
    "Task": ("Resource",),
    "Choice": ("Choices",),
    "Parallel": ("Branches",),
}

JSONPATH_ONLY = frozenset(
    {"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result", "ItemsPath",
     "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath",
     "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "Variable"}
)  # fmt: skip
JSONATA_ONLY = frozenset({"Arguments", "Output", "Items", "Condition"})

#: Pairs of which a state may hold at most one.
EXCLUSIVE: tuple[tuple[str, str], ...] = (
    ("TimeoutSeconds", "TimeoutSecondsPath"),
    ("HeartbeatSeconds", "HeartbeatSecondsPath"),
    ("Error", "ErrorPath"),
    ("Cause", "CausePath"),
    ("MaxConcurrency", "MaxConcurrencyPath"),
    ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
    ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ("Items", "ItemsPath"),
    ("Iterator", "ItemProcessor"),
)


def check_language_fields(fields: dict[str, Any], language: str, where: str, report: Report) -> None:
    """Fields owned by the other query language are errors (AWS rejects them rather than ignore them)."""
    foreign = JSONATA_ONLY if language == JSONPATH else JSONPATH_ONLY
    for name in fields:
        if name in foreign:
            report.schema(f"The field '{name}' is not supported for a {language} state", at(where, name))


def check_fields(state: dict[str, Any], kind: str, language: str, where: str, report: Report) -> None:
    """Unknown fields, missing required fields, exclusive pairs and JSON types of one state."""
    spec = STATE_FIELDS[kind]
    for name in state:
        if name not in spec:
            report.schema(f'The field "{name}" is not supported by Step Functions', at(where, name))
    for name in REQUIRED.get(kind, ()):
        if name not in state:
            report.schema(f"The field '{name}' is required but was missing", where)
    for first, second in EXCLUSIVE:
        if first in state and second in state:
            report.schema(f"These fields cannot be specified at the same time: [{first}, {second}]", where)
    check_language_fields(state, language, where, report)
    for name, value in state.items():
        if name in spec and name != "Type":
            check_kind(value, spec[name], language, at(where, name), name, report)


def check_kind(value: Any, kind: Kind, language: str, where: str, name: str, report: Report) -> None:
    """Report when `value` does not have the shape `kind`; JSONata states may use an expression instead."""
    if language == JSONATA and is_jsonata(value) and kind in (NAT, POS, PCT, Kind.ARRAY_OR_EXPRESSION, S):
        return
    if kind is Kind.TEMPLATE:
        if not isinstance(value, dict) and not (language == JSONATA and is_jsonata(value)):
            report.warn(
                MAY_BE_REFUSED,
                f"The field '{name}' is documented as an object, not {type_name(value)}; AWS may refuse it",
                where,
            )
    elif not _has_kind(value, kind):
        report.schema(f"The field '{name}' must be {kind.value}, not {type_name(value)}", where)


def _has_kind(value: Any, kind: Kind) -> bool:
    if kind is Kind.ANY:
        return True
    if kind is Kind.STRING:
        return isinstance(value, str)
    if kind is Kind.NULLABLE_STRING:
        return value is None or isinstance(value, str)
    if kind is Kind.BOOLEAN:
        return isinstance(value, bool)
    if kind is Kind.OBJECT:
        return isinstance(value, dict)
    if kind is Kind.ARRAY:
        return isinstance(value, list)
    if kind is Kind.NATURAL:
        return is_int(value) and value >= 0
    if kind is Kind.POSITIVE:
        return is_int(value) and value >= 1
    if kind is Kind.PERCENTAGE:
        return is_number(value) and 0 <= value <= 100
    if kind is Kind.OBJECT_OR_EXPRESSION:
        return isinstance(value, dict) or is_jsonata(value)
    return isinstance(value, list) or is_jsonata(value)

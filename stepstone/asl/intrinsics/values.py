"""JSON value helpers shared by the intrinsics: type-aware equality and hashable keys."""

from __future__ import annotations

from stepstone.asl.json import JSON


def json_key(value: JSON) -> object:
    """A hashable key such that equal JSON values (by `json_equal`) get equal keys."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, dict):
        return ("o", frozenset((k, json_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("a", tuple(json_key(v) for v in value))
    return ("s", value)


def json_equal(a: JSON, b: JSON) -> bool:
    """JSON equality: numbers by value, but `true` is not `1`; objects ignore key order."""
    return json_key(a) == json_key(b)


def format_value(value: JSON) -> str:
    """How States.Format renders an argument: strings raw, other values as JSON text."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    from stepstone.asl.paths import compact_json

    return compact_json(value)

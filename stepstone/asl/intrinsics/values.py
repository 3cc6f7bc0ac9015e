"""JSON value helpers shared by the intrinsics: type-aware equality, hashable keys, Java-style text."""

from __future__ import annotations

import math
from decimal import Decimal

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
    """How States.Format renders an argument: as Java's `toString` renders the value AWS holds.

    A string is itself; null, booleans and numbers read as in Java (`1.0E20`, not `1e+20`); an object
    is a Java map, `{Arg1=1, Arg2=[]}`, and an array a Java list, `[1, 2]`, with the same rendering
    inside (strings unquoted), keys in the order the object has them.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{key}={format_value(item)}" for key, item in value.items()) + "}"


def java_double(value: float) -> str:
    """`Double.toString`: the shortest digits that read back as `value`, in plain notation from
    10^-3 up to 10^7 and as `d.dddE<n>` outside that range, always with a digit after the point."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    _, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)  # a finite float: JSON has no NaN or infinity
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + exponent  # value = 0.<digits> x 10^point
    digits = digits.rstrip("0")
    scientific = point - 1
    sign = "-" if value < 0 else ""
    if -3 <= scientific < 7:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        whole = digits[:point].ljust(point, "0")
        return f"{sign}{whole}.{digits[point:] or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{scientific}"

"""Numbers read through a path: MaxConcurrencyPath, ToleratedFailure*Path, SecondsPath, TimeoutSecondsPath...

AWS reads the selected value's text the way Java parses a number (`Long.parseLong`,
`Float.parseFloat`), so a string that spells one ("5", "-1", "2.5") counts as that number, as the
number itself does; anything else (an object, a word, 1.5 where an integer is wanted) fails the state
with `States.Runtime` in AWS's words for the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from stepstone.asl.env import Env
from stepstone.asl.errors import RUNTIME, AslFailure
from stepstone.asl.json import JSON
from stepstone.asl.paths import ReferencePath, compact_json
from stepstone.engine.dataflow import select

N = TypeVar("N", int, float)

# Java's grammars: parseLong takes an optional sign and digits; parseFloat also a fraction, an
# exponent, a float/double suffix and surrounding whitespace (NaN and Infinity are left out).
_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?")


#: Java's `int` and `long`: the fields AWS reads as an integer, and the seconds it reads as a long.
INT_BITS = 32
LONG_BITS = 64


def as_integer(value: JSON, bits: int = INT_BITS) -> int | None:
    """`value` as an integer (a JSON integer or a string spelling one) that fits Java's `int`
    (or `long`, with `bits=LONG_BITS`), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        return value
    return None


def as_float(value: JSON) -> float | None:
    """`value` as a number (a JSON number or a string spelling one), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if _FLOAT.fullmatch(text):
            return float(text.rstrip("fFdD"))
    return None


def rendered(value: JSON) -> str:
    """A value as AWS quotes it in these messages: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) else compact_json(value)


def _number_at(
    path: ReferencePath, field: str, data: JSON, env: Env, parse: Callable[[JSON], N | None], kind: str
) -> N:
    value = select(path.path, data, env)
    number = parse(value)
    if number is None:
        raise AslFailure(
            RUNTIME,
            f'The {field} field refers to value "{rendered(value)}" which is not a valid {kind}: {path.text}',
        )
    return number


def integer_at(path: ReferencePath, field: str, data: JSON, env: Env) -> int:
    """The integer `path` selects for `field` (MaxConcurrencyPath, ToleratedFailureCountPath)."""
    return _number_at(path, field, data, env, as_integer, "integer")


def float_at(path: ReferencePath, field: str, data: JSON, env: Env) -> float:
    """The number `path` selects for `field` (ToleratedFailurePercentagePath)."""
    return _number_at(path, field, data, env, as_float, "float")

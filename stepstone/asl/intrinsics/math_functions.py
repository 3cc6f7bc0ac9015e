"""Math intrinsics: MathAdd and MathRandom.

AWS takes integer arguments and rounds a non-integer half up (Java's Math.round), so
`States.MathAdd(1.5, 1.51)` is 4; results are integers within a signed 32-bit range.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.registry import Kind, failure, intrinsic
from stepstone.asl.json import JSON

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1


def round_half_up(value: int | float) -> int:
    """Java's Math.round: the nearest integer, halves toward positive infinity."""
    if isinstance(value, int):
        return value
    if not math.isfinite(value):
        raise OverflowError(value)
    return math.floor(value + 0.5)


def _int_arg(function: str, value: int | float, position: int) -> int:
    if value.__class__ is int and INT_MIN <= value <= INT_MAX:
        return value
    try:
        number = round_half_up(value)
    except OverflowError:
        number = INT_MAX + 1
    if not INT_MIN <= number <= INT_MAX:
        raise failure(function, f"argument {position} must be between {INT_MIN} and {INT_MAX}")
    return number


@intrinsic("MathAdd", Kind.NUMBER, Kind.NUMBER, returns=Kind.INTEGER)
def math_add(args: Sequence[JSON], env: Env) -> JSON:
    return _int_arg("States.MathAdd", args[0], 1) + _int_arg("States.MathAdd", args[1], 2)


@intrinsic("MathRandom", Kind.NUMBER, Kind.NUMBER, Kind.NUMBER, optional=1, returns=Kind.INTEGER)
def math_random(args: Sequence[JSON], env: Env) -> JSON:
    start = _int_arg("States.MathRandom", args[0], 1)
    end = _int_arg("States.MathRandom", args[1], 2)
    if start >= end:
        raise failure("States.MathRandom", "the start must be less than the end")
    # A seed makes the call reproducible on its own; without one the interpreter's seeded RNG is used.
    rng = random.Random(_int_arg("States.MathRandom", args[2], 3)) if len(args) > 2 else env.rng
    return rng.randrange(start, end)

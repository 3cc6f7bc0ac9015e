"""The functions Step Functions adds to JSONata: $partition, $range, $hash, $random, $uuid, $parse.

Randomness comes from the seeded `env.rng` of the evaluation (see `current_env`), never from the
system. A function answers `None` where AWS yields undefined (the engine reads a host function's `None`
as undefined; the field then fails as AWS's does). A non-integer count is truncated towards zero, as
AWS does.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.ids import uuid4_from_bits

#: AWS refuses a `$range` longer than this with its memory-limit error.
MAX_RANGE_LENGTH = 360_145

HASH_ALGORITHMS: dict[str, str] = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


class FunctionError(Exception):
    """An extension function refused its arguments; the message says why."""


def _number(name: str, position: int, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FunctionError(f"Argument {position} of function ${name} must be a number")
    return value


def _integer(name: str, position: int, value: Any) -> int:
    return math.trunc(_number(name, position, value))


def _arity(name: str, args: tuple[Any, ...], least: int, most: int) -> None:
    if not least <= len(args) <= most:
        expected = str(least) if least == most else f"{least} to {most}"
        raise FunctionError(f"Function ${name} takes {expected} arguments, got {len(args)}")


def partition(*args: Any) -> Any:
    """$partition(array, size): the array cut into chunks of `size`; the last chunk holds the rest."""
    _arity("partition", args, 2, 2)
    items, size_arg = args
    if not isinstance(items, list):
        raise FunctionError("Argument 1 of function $partition must be an array")
    size = _integer("partition", 2, size_arg)
    if size < 0:
        raise FunctionError("Argument 2 of function $partition must be a positive number")
    if size == 0 or not items:
        return None
    return [items[start : start + size] for start in range(0, len(items), size)]


def range_(*args: Any) -> Any:
    """$range(start, end, step): start, start+step, ... up to and including `end` when a step lands on it."""
    _arity("range", args, 2, 3)
    if len(args) == 2:
        return None
    start, end, step = (_integer("range", i + 1, arg) for i, arg in enumerate(args))
    if step == 0 or (end - start) * step < 0:
        return None
    length = (end - start) // step + 1
    if length > MAX_RANGE_LENGTH:
        raise FunctionError("Expression evaluation memory limit exceeded")
    values = list(range(start, end + (1 if step > 0 else -1), step))
    # AWS hands back a one-element range as the bare number (a JSONata singleton sequence).
    return values[0] if len(values) == 1 else values


def hash_(*args: Any) -> Any:
    """$hash(value, algorithm): the hex digest of a string with MD5, SHA-1, SHA-256, SHA-384 or SHA-512."""
    _arity("hash", args, 1, 2)
    if len(args) == 1 or args[1] is None:
        return None
    value, algorithm = args
    if not isinstance(value, str):
        raise FunctionError("Argument 1 of function $hash must be a string")
    if algorithm not in HASH_ALGORITHMS:
        supported = ", ".join(HASH_ALGORITHMS)
        raise FunctionError(f"Argument 2 of function $hash must be one of {supported}, got {algorithm!r}")
    return hashlib.new(HASH_ALGORITHMS[algorithm], value.encode("utf-8")).hexdigest()


def parse(*args: Any) -> Any:
    """$parse(text): the JSON value a string holds (AWS's replacement for $eval)."""
    _arity("parse", args, 1, 1)
    (text,) = args
    if not isinstance(text, str):
        raise FunctionError("Argument 1 of function $parse must be a string")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise FunctionError(f"Argument 1 of function $parse is not valid JSON: {exc}") from None


# The evaluation's Env, set by Expression for the length of one evaluation. The functions are registered
# once per compiled expression (binding Python callables afresh on every evaluation costs 4x), so the
# two that need the Env find it here; a ContextVar keeps concurrent evaluations apart.
current_env: ContextVar[Env] = ContextVar("current_env")


def random_(*args: Any) -> float:
    """$random() from the evaluation's seeded rng; $random(seed) the same number for the same seed."""
    _arity("random", args, 0, 1)
    if args and args[0] is not None:
        return random.Random(_integer("random", 1, args[0])).random()
    return current_env.get().rng.random()


def uuid_(*args: Any) -> str:
    """$uuid(): a version 4 UUID drawn from the evaluation's seeded rng."""
    _arity("uuid", args, 0, 0)
    return uuid4_from_bits(current_env.get().rng.getrandbits(128))


EXTENSIONS: dict[str, Callable[..., Any]] = {
    "partition": partition,
    "range": range_,
    "hash": hash_,
    "random": random_,
    "uuid": uuid_,
    "parse": parse,
}

#: Bound in every evaluation: AWS removes $eval ($parse replaces it); calling it is T1006
#: "Attempted to invoke a non-function".
REMOVED: dict[str, None] = {"eval": None}

"""Array intrinsics: Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength,
ArrayUnique."""

from __future__ import annotations

from collections.abc import Sequence

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.registry import Kind, as_int, failure, intrinsic
from stepstone.asl.intrinsics.values import json_equal, json_key
from stepstone.asl.json import JSON

#: AWS caps the array States.ArrayRange may build.
MAX_RANGE_ITEMS = 1000


@intrinsic("Array", variadic=Kind.ANY, returns=Kind.ARRAY)
def array(args: Sequence[JSON], env: Env) -> JSON:
    return list(args)


def _check_partition(args: Sequence[JSON | None]) -> str | None:
    size = args[1]
    if isinstance(size, int | float) and not isinstance(size, bool) and size <= 0:
        return "the chunk size must be greater than 0"
    return None


@intrinsic("ArrayPartition", Kind.ARRAY, Kind.INTEGER, returns=Kind.ARRAY, static_check=_check_partition)
def array_partition(args: Sequence[JSON], env: Env) -> JSON:
    items, size = args[0], as_int(args[1])
    if size <= 0:
        raise failure("States.ArrayPartition", f"the chunk size must be greater than 0, but was {size}")
    return [items[i : i + size] for i in range(0, len(items), size)]


@intrinsic("ArrayContains", Kind.ARRAY, Kind.ANY, returns=Kind.BOOLEAN)
def array_contains(args: Sequence[JSON], env: Env) -> JSON:
    needle = args[1]
    return any(json_equal(item, needle) for item in args[0])


def _range_size(start: int, end: int, step: int) -> int:
    if step > 0:
        return max(0, (end - start) // step + 1)
    return max(0, (start - end) // -step + 1)


def _check_range(args: Sequence[JSON | None]) -> str | None:
    if any(not isinstance(a, int | float) or isinstance(a, bool) for a in args):
        return None
    start, end, step = (int(a) for a in args)  # type: ignore[arg-type]
    if step == 0:
        return "the step must not be 0"
    if _range_size(start, end, step) > MAX_RANGE_ITEMS:
        return f"the range must not have more than {MAX_RANGE_ITEMS} items"
    return None


@intrinsic(
    "ArrayRange", Kind.INTEGER, Kind.INTEGER, Kind.INTEGER, returns=Kind.ARRAY, static_check=_check_range
)
def array_range(args: Sequence[JSON], env: Env) -> JSON:
    start, end, step = as_int(args[0]), as_int(args[1]), as_int(args[2])
    if step == 0:
        raise failure("States.ArrayRange", "the step must not be 0")
    if _range_size(start, end, step) > MAX_RANGE_ITEMS:
        raise failure("States.ArrayRange", f"the range must not have more than {MAX_RANGE_ITEMS} items")
    stop = end + 1 if step > 0 else end - 1
    return list(range(start, stop, step))


@intrinsic("ArrayGetItem", Kind.ARRAY, Kind.INTEGER)
def array_get_item(args: Sequence[JSON], env: Env) -> JSON:
    items, index = args[0], as_int(args[1])
    if not 0 <= index < len(items):
        raise failure("States.ArrayGetItem", f"index {index} is out of bounds for an array of {len(items)}")
    return items[index]


@intrinsic("ArrayLength", Kind.ARRAY, returns=Kind.INTEGER)
def array_length(args: Sequence[JSON], env: Env) -> JSON:
    return len(args[0])


@intrinsic("ArrayUnique", Kind.ARRAY, returns=Kind.ARRAY)
def array_unique(args: Sequence[JSON], env: Env) -> JSON:
    seen: set[object] = set()
    out = []
    for item in args[0]:
        key = json_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out

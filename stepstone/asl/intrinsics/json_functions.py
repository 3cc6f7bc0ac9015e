"""JSON intrinsics: StringToJson, JsonToString, JsonMerge."""

from __future__ import annotations

import json
from collections.abc import Sequence

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.registry import Kind, failure, intrinsic
from stepstone.asl.json import JSON
from stepstone.asl.paths import compact_json


def _no_constants(name: str) -> JSON:
    raise ValueError(name)


@intrinsic("StringToJson", Kind.STRING)
def string_to_json(args: Sequence[JSON], env: Env) -> JSON:
    text = args[0].strip()
    if not text:
        return None  # AWS answers null for a blank string
    try:
        return json.loads(text, parse_constant=_no_constants)
    except ValueError:
        raise failure("States.StringToJson", f"the string is not valid JSON: {args[0]}") from None


@intrinsic("JsonToString", Kind.ANY, returns=Kind.STRING)
def json_to_string(args: Sequence[JSON], env: Env) -> JSON:
    return compact_json(args[0])


def _check_deep(args: Sequence[JSON | None]) -> str | None:
    return "only shallow merging is supported: the third argument must be false" if args[2] is True else None


@intrinsic("JsonMerge", Kind.OBJECT, Kind.OBJECT, Kind.BOOLEAN, returns=Kind.OBJECT, static_check=_check_deep)
def json_merge(args: Sequence[JSON], env: Env) -> JSON:
    left, right, deep = args
    if deep:
        raise failure(
            "States.JsonMerge", "only shallow merging is supported: the third argument must be false"
        )
    merged = dict(left)
    merged.update(right)
    return merged

"""String intrinsics: Format and StringSplit.

A Format template is split once into literal text and `{}` placeholders; `\\{`, `\\}` and `\\\\`
escape braces and the backslash. A template that arrives through a path is split when first seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.registry import Kind, failure, intrinsic
from stepstone.asl.intrinsics.values import format_value
from stepstone.asl.json import JSON

#: A template as a tuple of literal pieces; the placeholders sit between consecutive pieces.
Template = tuple[str, ...]


@lru_cache(maxsize=256)
def split_template(raw: str) -> Template:
    """Split `raw` (escapes still in place) into the literal text around each `{}`."""
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            current.append(raw[i + 1])
            i += 2
        elif raw.startswith("{}", i):
            pieces.append("".join(current))
            current = []
            i += 2
        else:
            current.append(ch)
            i += 1
    pieces.append("".join(current))
    return tuple(pieces)


def render(template: Template, values: Sequence[JSON]) -> str:
    """Fill the placeholders of `template` with `values` (their counts must match)."""
    out = [template[0]]
    for value, piece in zip(values, template[1:], strict=True):
        out.append(format_value(value))
        out.append(piece)
    return "".join(out)


def _check_placeholders(args: Sequence[JSON | None]) -> str | None:
    if not isinstance(args[0], str):
        return None
    expected = len(split_template(args[0])) - 1
    if expected != len(args) - 1:
        return f"the template has {expected} placeholders but {len(args) - 1} values were given"
    return None


@intrinsic(
    "Format",
    Kind.STRING,
    variadic=Kind.ANY,
    returns=Kind.STRING,
    static_check=_check_placeholders,
    raw_strings=True,
)
def format_(args: Sequence[JSON], env: Env) -> JSON:
    template = split_template(args[0])
    if len(template) - 1 != len(args) - 1:
        raise failure(
            "States.Format",
            f"the template has {len(template) - 1} placeholders but {len(args) - 1} values were given",
        )
    return render(template, args[1:])


@intrinsic("StringSplit", Kind.STRING, Kind.STRING, returns=Kind.ARRAY)
def string_split(args: Sequence[JSON], env: Env) -> JSON:
    text, delimiters = args
    # Every character of the second argument is a delimiter, and empty tokens are dropped (AWS).
    if not delimiters:
        return [text] if text else []
    tokens: list[str] = []
    current: list[str] = []
    delimiter_set = set(delimiters)
    for ch in text:
        if ch in delimiter_set:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        tokens.append("".join(current))
    return tokens

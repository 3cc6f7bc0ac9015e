"""Turn definition text (JSON or YAML) into a value, with diagnostics instead of exceptions.

Definitions are copied from documentation more often than written from scratch, and the AWS docs
annotate their snippets with `// <-- note` comments. Those comments are removed (each one reported
as a WARNING) rather than rejected; a `//` inside a string value (a URL) is data and stays.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import yaml

from stepstone.asl.diagnostics import (
    COMMENT_IGNORED,
    DUPLICATE_KEY,
    DUPLICATE_STATE_NAME,
    INVALID_JSON_DESCRIPTION,
    MISSING_DESCRIPTION,
    SCHEMA_VALIDATION_FAILED,
    Diagnostic,
    pointer,
)
from stepstone.asl.json import JSONObject


def load_definition(text: str) -> tuple[JSONObject, list[Diagnostic]]:
    """Parse a definition; the value is `{}` whenever an ERROR diagnostic says it could not be read."""
    if not text.strip():
        return {}, [Diagnostic(MISSING_DESCRIPTION, "The definition is empty")]
    if text.lstrip()[:1] in ("{", "["):
        value, diagnostics = _load_json(text)
    else:
        value, diagnostics = _load_yaml(text)
    if any(d.is_error for d in diagnostics):
        return {}, diagnostics
    if not isinstance(value, dict):
        kind = type(value).__name__ if value is not None else "null"
        return {}, [
            *diagnostics,
            Diagnostic(SCHEMA_VALIDATION_FAILED, f"The definition must be an object, not {kind}"),
        ]
    return value, diagnostics


def _load_json(text: str) -> tuple[Any, list[Diagnostic]]:
    cleaned, comments = strip_comments(text)
    diagnostics = [
        Diagnostic(
            COMMENT_IGNORED,
            f"Line {line}, column {col}: comment ignored (JSON has no comments): {body.strip()}",
            "",
            "WARNING",
        )
        for line, col, body in comments
    ]
    duplicates: dict[int, list[str]] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            counts = Counter(key for key, _ in pairs)
            duplicates[id(obj)] = [key for key, count in counts.items() if count > 1]
        return obj

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON value")

    try:
        value = json.loads(cleaned, object_pairs_hook=pairs_hook, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        message = f"Line {exc.lineno}, column {exc.colno}: {exc.msg}"
        return None, [*diagnostics, Diagnostic(INVALID_JSON_DESCRIPTION, message)]
    except (ValueError, RecursionError) as exc:
        return None, [*diagnostics, Diagnostic(INVALID_JSON_DESCRIPTION, str(exc) or type(exc).__name__)]
    if duplicates:
        diagnostics.extend(_duplicate_diagnostics(value, duplicates))
    return value, diagnostics


def _duplicate_diagnostics(value: Any, duplicates: dict[int, list[str]]) -> Iterator[Diagnostic]:
    for obj, where in _objects(value, ()):
        for key in duplicates.get(id(obj), ()):
            if where and where[-1] == "States":
                yield Diagnostic(DUPLICATE_STATE_NAME, f"Duplicate State name: {key}", pointer(*where, key))
            else:
                message = f"Duplicate key '{key}': the last value is used"
                yield Diagnostic(DUPLICATE_KEY, message, pointer(*where, key), "WARNING")


def _objects(
    value: Any, where: tuple[str | int, ...]
) -> Iterator[tuple[dict[str, Any], tuple[str | int, ...]]]:
    if isinstance(value, dict):
        yield value, where
        for key, item in value.items():
            yield from _objects(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _objects(item, (*where, index))


def strip_comments(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Blank out `//` and `/* */` comments outside strings; returns the text and (line, column, comment)s.

    Comments become spaces (newlines are kept) so that JSON errors still point at the right column.
    """
    out = list(text)
    comments: list[tuple[int, int, str]] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            in_string = ch != '"'
        elif ch == '"':
            in_string = True
        elif ch == "/" and i + 1 < n and text[i + 1] in "/*":
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            end = n if end < 0 else end + (0 if text[i + 1] == "/" else 2)
            line = text.count("\n", 0, i) + 1
            col = i - (text.rfind("\n", 0, i) + 1) + 1
            comments.append((line, col, text[i:end]))
            for j in range(i, end):
                if out[j] != "\n":
                    out[j] = " "
            i = end
            continue
        i += 1
    return "".join(out), comments


class _DefinitionLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings: ASL compares `Timestamp` values as text."""


_DefinitionLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(text: str) -> tuple[Any, list[Diagnostic]]:
    try:
        value = yaml.load(text, Loader=_DefinitionLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"Line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        message = f"{where}{exc.problem or exc.context or 'not JSON or YAML'}"
        return None, [Diagnostic(INVALID_JSON_DESCRIPTION, message)]
    except (yaml.YAMLError, RecursionError) as exc:
        return None, [Diagnostic(INVALID_JSON_DESCRIPTION, str(exc) or "not JSON or YAML")]
    if isinstance(value, dict) and any(not isinstance(k, str) for k in _all_keys(value)):
        return None, [Diagnostic(SCHEMA_VALIDATION_FAILED, "Every object key must be a string")]
    return value, []


def _all_keys(value: Any) -> Iterator[object]:
    for obj, _ in _objects(value, ()):
        yield from obj

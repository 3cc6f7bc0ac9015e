"""The two ways a path goes wrong, and how values are rendered in the messages about them."""

from __future__ import annotations

import json

from stepstone.asl.errors import ExpressionSyntaxError
from stepstone.asl.json import JSON


def compact_json(value: JSON) -> str:
    """JSON text as AWS renders values in messages and `States.JsonToString`: no spaces, UTF-8 kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class PathSyntaxError(ExpressionSyntaxError):
    """The text is not a valid JSONPath."""


class PathNotFound(LookupError):
    """A definite path selected nothing in the value it was evaluated against.

    `path` is the path's text as written; `reason` is Jayway's explanation (`No results for path:
    $['a']`, `Missing property in path $['a']`, ...), which AWS quotes after `Invalid path '...' :`.
    """

    def __init__(self, path: str, reason: str | None = None) -> None:
        super().__init__(path)
        self.path = path
        self.reason = reason if reason is not None else f"No results for path: {path}"

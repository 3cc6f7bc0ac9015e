"""JSONPath as Step Functions parses and evaluates it (Jayway JsonPath), and reference paths.

    PathSyntaxError(ExpressionSyntaxError)  the text is not a path: text, offset, caret line
    PathNotFound(LookupError)               a definite path selected nothing: text and Jayway's reason

Modules, in the order a path goes through them:

    lexer            positions, errors and quoted strings shared by the parsers
    parse_selectors  the path grammar (root, dots, brackets, scans) in three modes
    parse_filters    the `[?(...)]` grammar on top of it
    selectors        the step nodes and their (indefinite) evaluation
    filters          filter expression nodes and Jayway's relational operators
    evaluate         Path, ReferencePath, the fast definite walk and Jayway's miss messages

Known gaps against Jayway, kept on purpose: functions (`length()`, `sum()`) are names, as Step
Functions reads them; an indefinite path in an exists check holds when it selects something.
"""

from __future__ import annotations

from stepstone.asl.paths.errors import PathNotFound, PathSyntaxError, compact_json
from stepstone.asl.paths.evaluate import Path, ReferencePath
from stepstone.asl.paths.parse_filters import Parser
from stepstone.asl.paths.parse_selectors import Mode

__all__ = [
    "Path",
    "PathNotFound",
    "PathSyntaxError",
    "ReferencePath",
    "compact_json",
    "parse_path",
    "parse_reference_path",
]


def _parse(text: str, pos: int, end: int, mode: Mode) -> tuple[Path, int]:
    parser = Parser(text, pos, end, mode)
    root, variable = parser.root()
    if mode == "path" and not parser.at_end() and parser.peek() not in ".[":
        raise parser.error("expected '.' or '[' after the root")
    selectors = parser.selectors()
    return Path(text, root, variable, selectors), parser.pos


def _parse_at(text: str, pos: int) -> tuple[Path, int]:
    """Parse a path inside an intrinsic call from `pos`; returns it and the offset where it ends."""
    path, end = _parse(text, pos, len(text), "embedded")
    return Path(text[pos:end], path.root, path.variable, path.selectors), end


def parse_path(text: str) -> Path:
    """Parse a JSONPath (`$...` input, `$$...` context, `$name...` variable); raises PathSyntaxError.

    Leading whitespace and trailing spaces are ignored, as Jayway trims them (`"$$.Execution.Name "`).
    """
    if not isinstance(text, str):
        raise PathSyntaxError(repr(text), 0, "a path must be a string")
    start = len(text) - len(text.lstrip(" \t\r\n"))
    end = len(text.rstrip(" "))
    path, stop = _parse(text, start, max(start, end), "path")
    if stop != max(start, end):
        raise PathSyntaxError(text, stop, f"unexpected character {text[stop]!r}")
    return path


def parse_reference_path(text: str) -> ReferencePath:
    """Parse a path of single names and indexes (`$`, `$.a`, `$['a']`, `$.a[2]`, `$$...`, `$var...`)."""
    path = parse_path(text)
    if path.steps is None:
        offsets = [i for i in (text.find(t) for t in ("..", "*", "?", ":", ",", "(")) if i >= 0]
        raise PathSyntaxError(text, min(offsets, default=0), "a reference path must select a single node")
    return ReferencePath(path)

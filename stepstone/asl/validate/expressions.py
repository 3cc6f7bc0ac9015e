"""Static checks of the expressions inside a definition: paths, reference paths, payload templates,
intrinsic functions and JSONata, each reported at the pointer of the field that holds it.

The syntax itself belongs to the expression parsers (`paths`, `intrinsics`, `template`, `jsonata`): this
module turns their errors into diagnostics, so a definition is rejected for exactly what the interpreter
would fail to compile. JSONata reaches the validator through one hook, `jsonata_syntax_error`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stepstone.asl.diagnostics import NO_DOLLAR, NO_PATH, PASS_RESULT_IS_STATIC
from stepstone.asl.intrinsics import parse_intrinsic
from stepstone.asl.jsonata import JsonataSyntaxError, compile_expression
from stepstone.asl.paths import parse_path, parse_reference_path
from stepstone.asl.template import TemplateSyntaxError, compile_template
from stepstone.asl.validate.report import Report, at, is_jsonata


def jsonata_syntax_error(expression: str) -> str | None:
    """The syntax error in a JSONata expression (the text between `{%` and `%}`), or None.

    The one hook through which definitions meet the JSONata parser.
    """
    try:
        compile_expression(expression)
    except JsonataSyntaxError as exc:
        return f"{exc.message} (at position {exc.position})"
    except Exception as exc:  # a parser bug is still a finding, never a crash of validation
        return str(exc) or type(exc).__name__
    return None


def _failure(fn: Callable[..., Any], *args: Any) -> str | None:
    """Run a parser; its syntax error becomes a message (validation itself never raises)."""
    try:
        fn(*args)
    except Exception as exc:  # any parser failure is a finding about the definition
        reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
        offset = getattr(exc, "offset", None)
        return f"{reason} (at offset {offset})" if isinstance(offset, int) else str(reason)
    return None


def path_error(text: str, *, reference: bool) -> str | None:
    """Why `text` is not a valid (reference) path, or None. `$$...` and `$variable` are paths too."""
    return _failure(parse_reference_path if reference else parse_path, text)


def intrinsic_error(text: str) -> str | None:
    """Why `text` is not a valid intrinsic function call (syntax, name, arity, literal kinds), or None."""
    return _failure(parse_intrinsic, text)


def looks_like_intrinsic(text: str) -> bool:
    return text.startswith("States.") and "(" in text


def check_path(value: Any, where: str, name: str, report: Report, *, reference: bool) -> None:
    """A Path field (InputPath, OutputPath) or a reference path (ResultPath, ItemsPath, *Path)."""
    if not isinstance(value, str):
        return  # the field's type check already reported it
    problem = path_error(value, reference=reference)
    if problem is None and reference and name == "ResultPath" and value.startswith("$$"):
        problem = "ResultPath may not write into the context object"
    if problem is not None:
        kind = "ReferencePath" if reference else "JSONPath"
        report.schema(f"The value for the field '{name}' must be a valid {kind}: {problem}", where)


def check_path_or_intrinsic(value: Any, where: str, name: str, report: Report) -> None:
    """ErrorPath and CausePath: a reference path or an intrinsic function call."""
    if isinstance(value, str) and looks_like_intrinsic(value):
        problem = intrinsic_error(value)
        if problem is not None:
            report.schema(
                f"The value for the field '{name}' must be a valid intrinsic function: {problem}", where
            )
        return
    check_path(value, where, name, report, reference=True)


def check_template(value: Any, where: str, name: str, report: Report) -> None:
    """A payload template (Parameters, ResultSelector, ItemSelector, Assign, Credentials)."""
    try:
        compile_template(value, name)
    except TemplateSyntaxError as exc:
        report.schema(f"Invalid payload template in '{name}': {exc.reason}", where + exc.pointer)
    except Exception as exc:  # a parser bug is still a finding, never a crash of validation
        report.schema(f"Invalid payload template in '{name}': {exc}", where)
    _warn_static_paths(value, where, report)


def _warn_static_paths(value: Any, where: str, report: Report) -> None:
    """NO_DOLLAR: a static field whose text looks like a path or intrinsic call (its `.$` was forgotten)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            _warn_static_paths(item, at(where, index), report)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        here = at(where, key)
        if key.endswith(".$"):
            continue
        if isinstance(item, str) and (item == "$" or item.startswith("$.") or looks_like_intrinsic(item)):
            report.warn(
                NO_DOLLAR,
                f"The value of '{key}' looks like a path or intrinsic function; "
                f"name the field '{key}.$' to evaluate it",
                here,
            )
        else:
            _warn_static_paths(item, here, report)


def check_static_result(value: Any, where: str, report: Report) -> None:
    """Pass `Result` is data: a `.$` key inside it is never evaluated, which is seldom what was meant."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith(".$"):
                report.warn(
                    PASS_RESULT_IS_STATIC,
                    f"'{key}' in a Pass state's Result is not evaluated; use Parameters to evaluate paths",
                    at(where, key),
                )
            else:
                check_static_result(item, at(where, key), report)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_static_result(item, at(where, index), report)


def check_no_path(value: Any, where: str, name: str, report: Report) -> None:
    """A plain field whose value is a path probably wanted the `...Path` variant of the field."""
    if isinstance(value, str) and value.startswith("$"):
        report.warn(
            NO_PATH,
            f"The value of '{name}' looks like a path, but the field name does not end with 'Path'",
            where,
        )


def check_jsonata(value: Any, where: str, report: Report) -> None:
    """Every `{% %}` expression inside `value` (objects and arrays are searched)."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_jsonata(item, at(where, key), report)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_jsonata(item, at(where, index), report)
    elif is_jsonata(value):
        problem = jsonata_syntax_error(value[2:-2])
        if problem is not None:
            report.schema(f"Invalid JSONata expression: {problem}", where)

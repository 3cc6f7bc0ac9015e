"""Retry and Catch: retrier bounds, catcher targets, and where `States.ALL` may appear."""

from __future__ import annotations

from typing import Any

from stepstone.asl.errors import ALL
from stepstone.asl.validate import expressions
from stepstone.asl.validate.fields import check_language_fields
from stepstone.asl.validate.report import (
    JSONATA,
    JSONPATH,
    MAY_BE_REFUSED,
    Report,
    at,
    is_int,
    is_number,
    one_of,
    type_name,
)

MAX_INTEGER = 99_999_999
MAX_DELAY_SECONDS = 31_622_400  # AWS: 0 < MaxDelaySeconds < 31622401 (a leap year and a day)
JITTER_STRATEGIES = ("FULL", "NONE")
_RETRIER_FIELDS = frozenset(
    {
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Comment",
    }
)
_CATCHER_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Output", "Assign", "Comment"})


def check_retry(retry: Any, where: str, report: Report) -> None:
    if not isinstance(retry, list):
        return  # the field's type check already reported it
    for index, retrier in enumerate(retry):
        here = at(where, index)
        if not isinstance(retrier, dict):
            report.schema(f"A retrier must be an object, not {type_name(retrier)}", here)
            continue
        for name in retrier:
            if name not in _RETRIER_FIELDS:
                report.schema(f'The field "{name}" is not supported by Step Functions', at(here, name))
        _check_error_equals(retrier, here, index == len(retry) - 1, "retrier", report)
        _check_bounded_int(retrier, "IntervalSeconds", 1, MAX_INTEGER, here, report)
        _check_bounded_int(retrier, "MaxAttempts", 0, MAX_INTEGER, here, report)
        _check_bounded_int(retrier, "MaxDelaySeconds", 1, MAX_DELAY_SECONDS + 1, here, report)
        if retrier.get("MaxDelaySeconds") == MAX_DELAY_SECONDS + 1:
            report.warn(
                MAY_BE_REFUSED,
                f"AWS documents MaxDelaySeconds below {MAX_DELAY_SECONDS + 1}",
                at(here, "MaxDelaySeconds"),
            )
        rate = retrier.get("BackoffRate", 2.0)
        if not is_number(rate) or rate < 1.0:
            report.schema("The field 'BackoffRate' must be a number >= 1.0", at(here, "BackoffRate"))
        jitter = retrier.get("JitterStrategy", "NONE")
        if jitter not in JITTER_STRATEGIES:
            report.schema(
                one_of("JitterStrategy", JITTER_STRATEGIES),
                at(here, "JitterStrategy"),
            )


def check_catch(catch: Any, where: str, language: str, report: Report) -> None:
    """Shapes of the catchers; their `Next` targets are checked with the rest of the graph."""
    if not isinstance(catch, list):
        return
    for index, catcher in enumerate(catch):
        here = at(where, index)
        if not isinstance(catcher, dict):
            report.schema(f"A catcher must be an object, not {type_name(catcher)}", here)
            continue
        for name in catcher:
            if name not in _CATCHER_FIELDS:
                report.schema(f'The field "{name}" is not supported by Step Functions', at(here, name))
        check_language_fields(catcher, language, here, report)
        _check_error_equals(catcher, here, index == len(catch) - 1, "catcher", report)
        if "Next" not in catcher:
            report.schema("The field 'Next' is required but was missing", here)
        elif not isinstance(catcher["Next"], str):
            report.schema("The field 'Next' must be a string", at(here, "Next"))
        if language == JSONPATH and "ResultPath" in catcher:
            result_path = catcher["ResultPath"]
            if result_path is not None and not isinstance(result_path, str):
                report.schema("The field 'ResultPath' must be a string or null", at(here, "ResultPath"))
            expressions.check_path(result_path, at(here, "ResultPath"), "ResultPath", report, reference=True)
        if "Assign" in catcher:
            if language == JSONPATH:
                expressions.check_template(catcher["Assign"], at(here, "Assign"), "Assign", report)
            else:
                expressions.check_jsonata(catcher["Assign"], at(here, "Assign"), report)
        if language == JSONATA and "Output" in catcher:
            expressions.check_jsonata(catcher["Output"], at(here, "Output"), report)


def _check_error_equals(handler: dict[str, Any], where: str, last: bool, what: str, report: Report) -> None:
    names = handler.get("ErrorEquals")
    here = at(where, "ErrorEquals")
    if names is None:
        report.schema("The field 'ErrorEquals' is required but was missing", where)
        return
    if not isinstance(names, list) or not names:
        report.schema("The field 'ErrorEquals' must be a non-empty array of error names", here)
        return
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name:
            report.schema("An error name must be a non-empty string", at(here, index))
    if ALL in names and len(names) > 1:
        report.schema(f"{ALL} must appear alone in ErrorEquals", here)
    if ALL in names and not last:
        report.schema(f"A {what} with {ALL} must be the last {what}", here)


def _check_bounded_int(
    handler: dict[str, Any], name: str, low: int, high: int, where: str, report: Report
) -> None:
    if name not in handler:
        return
    value = handler[name]
    if not is_int(value) or not low <= value <= high:
        report.schema(f"The field '{name}' must be an integer between {low} and {high}", at(where, name))

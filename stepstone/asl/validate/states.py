"""One state on its own: its fields, then the checks particular to its type and query language.

Transitions and nested graphs are the structure pass's business; everything else about a state is here.
"""

from __future__ import annotations

import re
from typing import Any

from stepstone.asl.timestamps import ISO_OFFSET_DATE_TIME
from stepstone.asl.validate import expressions
from stepstone.asl.validate.choice import check_choices
from stepstone.asl.validate.fields import check_fields
from stepstone.asl.validate.jsonata import check_variables_and_jsonata
from stepstone.asl.validate.report import JSONPATH, MAY_BE_REFUSED, Report, at, is_int
from stepstone.asl.validate.resources import check_resource
from stepstone.asl.validate.retry_catch import check_catch, check_retry

# RFC 3339, the form AWS documents for Wait `Timestamp` (and that `TimestampEquals` compares).
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
_WAIT_FIELDS = ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")
_PATH_FIELDS = ("InputPath", "OutputPath")
_REFERENCE_FIELDS = (
    "ResultPath", "ItemsPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath",
    "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath",
)  # fmt: skip
_TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Assign", "Credentials")
_JSONATA_FIELDS = (
    "Arguments", "Output", "Assign", "Items", "ItemSelector", "Credentials", "Seconds", "Timestamp",
    "TimeoutSeconds", "HeartbeatSeconds", "MaxConcurrency", "ToleratedFailureCount",
    "ToleratedFailurePercentage", "Error", "Cause",
)  # fmt: skip


def check_state(state: dict[str, Any], kind: str, language: str, where: str, report: Report) -> None:
    """Every check of one state that does not need the rest of the graph."""
    check_fields(state, kind, language, where, report)
    if kind == "Task":
        check_resource(state.get("Resource"), at(where, "Resource"), report)
        _check_heartbeat(state, where, report)
    elif kind == "Wait":
        _check_wait(state, language, where, report)
    elif kind == "Choice":
        check_choices(state.get("Choices"), at(where, "Choices"), language, report)
    if "Retry" in state:
        check_retry(state["Retry"], at(where, "Retry"), report)
    if "Catch" in state:
        check_catch(state["Catch"], at(where, "Catch"), language, report)
    if language == JSONPATH:
        _check_jsonpath_expressions(state, kind, where, report)
    else:
        for name in _JSONATA_FIELDS:
            if name in state:
                expressions.check_jsonata(state[name], at(where, name), report)
    check_variables_and_jsonata(state, kind, language, where, report)


#: AWS's TimeoutSeconds for a Task that sets none (and the largest value it accepts).
DEFAULT_TASK_TIMEOUT = 99_999_999


def _check_heartbeat(state: dict[str, Any], where: str, report: Report) -> None:
    heartbeat = state.get("HeartbeatSeconds")
    timeout = state.get("TimeoutSeconds", DEFAULT_TASK_TIMEOUT)
    if is_int(heartbeat) and is_int(timeout) and heartbeat >= timeout:
        report.schema(
            "The field 'HeartbeatSeconds' must be smaller than the field 'TimeoutSeconds'",
            at(where, "HeartbeatSeconds"),
        )


def _check_wait(state: dict[str, Any], language: str, where: str, report: Report) -> None:
    present = [name for name in _WAIT_FIELDS if name in state]
    if len(present) != 1:
        found = ", ".join(present) or "none"
        report.schema(
            f"A Wait state must have exactly one of [{', '.join(_WAIT_FIELDS)}] (found: {found})", where
        )
    timestamp = state.get("Timestamp")
    if isinstance(timestamp, str) and language == JSONPATH and not TIMESTAMP.match(timestamp):
        if ISO_OFFSET_DATE_TIME.match(timestamp):  # AWS runs it; whether it deploys it, its docs do not say
            report.warn(MAY_BE_REFUSED, "AWS documents 'Timestamp' as RFC 3339", at(where, "Timestamp"))
        else:
            report.schema("The field 'Timestamp' must be an RFC 3339 timestamp", at(where, "Timestamp"))


def _check_jsonpath_expressions(state: dict[str, Any], kind: str, where: str, report: Report) -> None:
    for name in _PATH_FIELDS:
        if name in state:
            expressions.check_path(state[name], at(where, name), name, report, reference=False)
    for name in _REFERENCE_FIELDS:
        if name in state:
            expressions.check_path(state[name], at(where, name), name, report, reference=True)
    for name in ("ErrorPath", "CausePath"):
        if name in state:
            expressions.check_path_or_intrinsic(state[name], at(where, name), name, report)
    for name in _TEMPLATE_FIELDS:
        if state.get(name) is not None:
            expressions.check_template(state[name], at(where, name), name, report)
    for name in ("Error", "Cause", "Timestamp"):
        if name in state:
            expressions.check_no_path(state[name], at(where, name), name, report)
    if kind == "Pass" and "Result" in state:
        expressions.check_static_result(state["Result"], at(where, "Result"), report)

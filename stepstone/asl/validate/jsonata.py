"""Rules particular to workflow variables and JSONata states, checked per state.

    Assign names         a variable is named like an identifier (`.$` aside in JSONPath); `states` is
                         reserved for `$states`
    $states members      `$states.errorOutput` only in a Catch; `$states.result` only in the Output
                         and Assign of the states that have a result (Task, Parallel, Map)
    $$                   a JSONata expression reads the Context object as `$states.context`, never `$$`

Syntax errors inside `{% %}` are `expressions.check_jsonata`'s; this module looks at what parses.
"""

from __future__ import annotations

import re
from typing import Any

from stepstone.asl.validate.report import JSONATA, JSONPATH, MAY_BE_REFUSED, Report, at, is_jsonata

#: AWS: a Unicode identifier (UAX #31: ID_Start, then ID_Continue) of at most 80 characters.
MAX_VARIABLE_NAME = 80
RESERVED = frozenset({"states"})
_ERROR_OUTPUT = re.compile(r"\$states\s*\.\s*errorOutput\b")
_RESULT = re.compile(r"\$states\s*\.\s*result\b")
_CONTEXT_ROOT = re.compile(r"\$\$")
_HAS_RESULT = frozenset({"Task", "Parallel", "Map"})
#: The fields of a JSONata state evaluated before it has a result.
_BEFORE_RESULT = (
    "Arguments", "Items", "ItemSelector", "TimeoutSeconds", "HeartbeatSeconds", "MaxConcurrency",
    "ToleratedFailureCount", "ToleratedFailurePercentage", "Seconds", "Timestamp", "Error", "Cause",
)  # fmt: skip


def check_variables_and_jsonata(
    state: dict[str, Any], kind: str, language: str, where: str, report: Report
) -> None:
    """Every variables/JSONata rule of one state (its Catch entries and Choice rules included)."""
    _check_assign(state.get("Assign"), language, at(where, "Assign"), report)
    for index, catcher in _entries(state.get("Catch")):
        _check_assign(catcher.get("Assign"), language, at(where, "Catch", index, "Assign"), report)
    for index, rule in _entries(state.get("Choices")):
        _check_assign(rule.get("Assign"), language, at(where, "Choices", index, "Assign"), report)
    if language != JSONATA:
        return
    for name in _BEFORE_RESULT:
        if name in state:
            _check_members(state[name], at(where, name), report, result=False, error_output=False)
    for name in ("Output", "Assign"):
        if name in state:
            _check_members(
                state[name], at(where, name), report, result=kind in _HAS_RESULT, error_output=False
            )
    for index, catcher in _entries(state.get("Catch")):
        for name in ("Output", "Assign"):
            if name in catcher:
                here = at(where, "Catch", index, name)
                _check_members(catcher[name], here, report, result=False, error_output=True)
    for index, rule in _entries(state.get("Choices")):
        for name in ("Condition", "Output", "Assign"):
            if name in rule:
                here = at(where, "Choices", index, name)
                _check_members(rule[name], here, report, result=False, error_output=False)


def _entries(value: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def _check_assign(value: Any, language: str, where: str, report: Report) -> None:
    if not isinstance(value, dict):
        return  # the field's type check reports a non-object
    for key in value:
        name = key[:-2] if language == JSONPATH and key.endswith(".$") else key
        if name in RESERVED:
            report.schema(f"The variable name '{name}' is reserved", at(where, key))
        elif not name.isidentifier() or len(name) > MAX_VARIABLE_NAME:
            report.schema(
                f"The variable name '{name}' is not valid: a letter, then letters, digits or '_', "
                f"at most {MAX_VARIABLE_NAME} characters",
                at(where, key),
            )
        elif name.startswith("_"):
            # '_' is ID_Continue but not ID_Start: AWS's rule refuses it, but its docs do not say when
            report.warn(
                MAY_BE_REFUSED,
                f"The variable name '{name}' starts with '_', which AWS's naming rule does not allow",
                at(where, key),
            )


def _check_members(value: Any, where: str, report: Report, *, result: bool, error_output: bool) -> None:
    """`$states.result` / `$states.errorOutput` / `$$` where the field cannot read them."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_members(item, at(where, key), report, result=result, error_output=error_output)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_members(item, at(where, index), report, result=result, error_output=error_output)
        return
    if not is_jsonata(value):
        return
    text = value[2:-2]
    if not error_output and _ERROR_OUTPUT.search(text):
        report.schema("'$states.errorOutput' is only available in the Output and Assign of a Catch", where)
    if not result and _RESULT.search(text):
        report.schema(
            "'$states.result' is only available in the Output and Assign of a Task, Parallel or Map state",
            where,
        )
    if _CONTEXT_ROOT.search(text):
        report.schema("A JSONata expression reads the Context object as '$states.context', not '$$'", where)

"""Choice rules: one comparison per rule with its Variable, And/Or/Not nesting, JSONata Conditions.

Targets (`Next`, `Default`) are checked with the rest of the graph; this module checks rule shapes,
then hands a well-shaped JSONPath rule to the interpreter's own compiler, `choice.compile_rule`.
"""

from __future__ import annotations

from typing import Any

from stepstone.asl.choice import ChoiceSyntaxError, compile_rule
from stepstone.asl.validate import expressions
from stepstone.asl.validate.report import JSONATA, Report, at, is_jsonata, is_number, type_name

_STRING, _NUMBER, _BOOLEAN, _TIMESTAMP = "a string", "a number", "a boolean", "a timestamp string"
_ORDERED = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
#: operand kind -> (what a literal operand must be, the relations it supports)
_KINDS = {
    "String": (_STRING, _ORDERED),
    "Numeric": (_NUMBER, _ORDERED),
    "Timestamp": (_TIMESTAMP, _ORDERED),
    "Boolean": (_BOOLEAN, ("Equals",)),
}

#: comparison operator -> what its operand must be ("path" for the *Path variants).
OPERATORS: dict[str, str] = {
    **{f"{kind}{rel}": expected for kind, (expected, rels) in _KINDS.items() for rel in rels},
    **{f"{kind}{rel}Path": "path" for kind, (_, rels) in _KINDS.items() for rel in rels},
    "StringMatches": _STRING,
    **{
        name: _BOOLEAN
        for name in ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
    },
}
COMBINATORS = ("And", "Or", "Not")
_TOP_ONLY = frozenset({"Next", "Assign", "Output"})


def check_choices(choices: Any, where: str, language: str, report: Report) -> None:
    if not isinstance(choices, list):
        return  # the field's type check already reported it
    if not choices:
        report.schema("The field 'Choices' must contain at least one rule", where)
    for index, rule in enumerate(choices):
        here = at(where, index)
        if language == JSONATA:
            _check_jsonata_rule(rule, here, report)
            continue
        before = len(report.diagnostics)
        _check_rule(rule, here, report, top=True)
        if len(report.diagnostics) == before:
            try:
                compile_rule(rule)
            except ChoiceSyntaxError as exc:
                report.schema(f"Invalid Choice rule: {exc.reason}", here + exc.pointer)
            except Exception as exc:  # a compiler bug is still a finding, never a crash of validation
                report.schema(f"Invalid Choice rule: {exc}", here)


def _check_jsonata_rule(rule: Any, where: str, report: Report) -> None:
    if not isinstance(rule, dict):
        report.schema(f"A Choice rule must be an object, not {type_name(rule)}", where)
        return
    for name in rule:
        if name not in ("Condition", "Next", "Comment", "Assign", "Output"):
            report.schema(f"The field '{name}' is not supported in a JSONata Choice rule", at(where, name))
    if "Next" not in rule:
        report.schema("The field 'Next' is required but was missing", where)
    if "Condition" not in rule:
        report.schema("The field 'Condition' is required but was missing", where)
    elif not (isinstance(rule["Condition"], bool) or is_jsonata(rule["Condition"])):
        report.schema(
            "The field 'Condition' must be a JSONata expression or a boolean", at(where, "Condition")
        )
    for name in ("Condition", "Assign", "Output"):
        if name in rule:
            expressions.check_jsonata(rule[name], at(where, name), report)


def _check_rule(rule: Any, where: str, report: Report, *, top: bool) -> None:
    if not isinstance(rule, dict):
        report.schema(f"A Choice rule must be an object, not {type_name(rule)}", where)
        return
    operators = [name for name in rule if name in OPERATORS]
    combinators = [name for name in rule if name in COMBINATORS]
    allowed = {"Variable", "Comment", *OPERATORS, *COMBINATORS, *(_TOP_ONLY if top else ())}
    for name in rule:
        if name not in allowed:
            report.schema(f'The field "{name}" is not supported by Step Functions', at(where, name))
    if top and "Next" not in rule:
        report.schema("The field 'Next' is required but was missing", where)
    if top and "Assign" in rule:
        expressions.check_template(rule["Assign"], at(where, "Assign"), "Assign", report)
    if len(operators) + len(combinators) != 1:
        found = ", ".join(operators + combinators) or "none"
        report.schema(
            f"A Choice rule must have exactly one comparison operator or And/Or/Not (found: {found})", where
        )
        return
    if combinators:
        if "Variable" in rule:
            report.schema("The field 'Variable' is not allowed in an And/Or/Not rule", at(where, "Variable"))
        _check_combinator(combinators[0], rule[combinators[0]], at(where, combinators[0]), report)
        return
    _check_comparison(rule, operators[0], where, report)


def _check_combinator(name: str, operand: Any, where: str, report: Report) -> None:
    if name == "Not":
        _check_rule(operand, where, report, top=False)
        return
    if not isinstance(operand, list) or not operand:
        report.schema(f"The field '{name}' must be a non-empty array of rules", where)
        return
    for index, rule in enumerate(operand):
        _check_rule(rule, at(where, index), report, top=False)


def _check_comparison(rule: dict[str, Any], operator: str, where: str, report: Report) -> None:
    if "Variable" not in rule:
        report.schema("The field 'Variable' is required but was missing", where)
    elif not isinstance(rule["Variable"], str):
        report.schema("The field 'Variable' must be a string", at(where, "Variable"))
    else:
        expressions.check_path(rule["Variable"], at(where, "Variable"), "Variable", report, reference=False)
    value, expected, here = rule[operator], OPERATORS[operator], at(where, operator)
    if expected == "path":
        if not isinstance(value, str):
            report.schema(f"The field '{operator}' must be a path string", here)
        else:
            expressions.check_path(value, here, operator, report, reference=False)
    elif not _has(value, expected):
        report.schema(f"The field '{operator}' must be {expected}, not {type_name(value)}", here)


def _has(value: Any, expected: str) -> bool:
    if expected in (_STRING, _TIMESTAMP):
        return isinstance(value, str)
    if expected == _NUMBER:
        return is_number(value)
    return isinstance(value, bool)

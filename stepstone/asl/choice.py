"""Choice rules in JSONPath mode: comparisons, type tests, And/Or/Not.

    ChoiceSyntaxError(ValueError)   a rule is malformed; `.pointer` is a JSON Pointer into the rule

A rule is compiled once: paths parsed, literal operands checked and (for timestamps and
`StringMatches` patterns) pre-processed. At run time a comparison of mismatched types is false,
not an error; a `Variable` (or `...Path` operand) that selects nothing is a `States.Runtime` failure,
except for `IsPresent`, which is exactly the test for that.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from stepstone.asl.env import Env
from stepstone.asl.errors import RUNTIME, AslFailure
from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.paths import Path, PathNotFound, PathSyntaxError, parse_path
from stepstone.asl.timestamps import parse_timestamp

__all__ = ["ChoiceRule", "ChoiceSyntaxError", "compile_rule"]

Test = Callable[[JSON, JSON], bool]
_MISSING = object()


class ChoiceSyntaxError(ValueError):
    """A Choice rule is malformed."""

    def __init__(self, pointer: str, reason: str) -> None:
        super().__init__(reason)
        self.pointer = pointer
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.reason}"


# ---------------------------------------------------------------------------------------------------
# Value tests


def _is_number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strings(test: Callable[[str, str], bool]) -> Test:
    return lambda a, b: isinstance(a, str) and isinstance(b, str) and test(a, b)


def _numbers(test: Callable[[float, float], bool]) -> Test:
    return lambda a, b: _is_number(a) and _is_number(b) and test(a, b)


def _timestamps(test: Callable[[tuple[datetime, int], tuple[datetime, int]], bool]) -> Test:
    def run(a: JSON, b: JSON) -> bool:
        left = parse_timestamp(a)
        # A literal operand is parsed at compile time; a path operand arrives as the raw string.
        right = b if isinstance(b, tuple) else parse_timestamp(b)
        return left is not None and right is not None and test(left, right)

    return run


def _booleans(a: JSON, b: JSON) -> bool:
    return isinstance(a, bool) and isinstance(b, bool) and a is b


def _glob(pattern: str) -> Callable[[str], bool]:
    """`*` matches any run of characters; `\\*` and `\\\\` are a literal star and backslash."""
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            current.append(pattern[i + 1])
            i += 2
        elif ch == "*":
            pieces.append("".join(current))
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    pieces.append("".join(current))
    if len(pieces) == 1:
        exact = pieces[0]
        return lambda s: s == exact
    head, middle, tail = pieces[0], pieces[1:-1], pieces[-1]

    def matches(s: str) -> bool:
        if len(s) < len(head) + len(tail) or not s.startswith(head) or not s.endswith(tail):
            return False
        pos, limit = len(head), len(s) - len(tail)
        for piece in middle:
            found = s.find(piece, pos, limit)
            if found < 0:
                return False
            pos = found + len(piece)
        return True

    return matches


_COMPARISONS: dict[str, tuple[Test, str]] = {
    "StringEquals": (_strings(lambda a, b: a == b), "string"),
    "StringLessThan": (_strings(lambda a, b: a < b), "string"),
    "StringGreaterThan": (_strings(lambda a, b: a > b), "string"),
    "StringLessThanEquals": (_strings(lambda a, b: a <= b), "string"),
    "StringGreaterThanEquals": (_strings(lambda a, b: a >= b), "string"),
    "NumericEquals": (_numbers(lambda a, b: a == b), "number"),
    "NumericLessThan": (_numbers(lambda a, b: a < b), "number"),
    "NumericGreaterThan": (_numbers(lambda a, b: a > b), "number"),
    "NumericLessThanEquals": (_numbers(lambda a, b: a <= b), "number"),
    "NumericGreaterThanEquals": (_numbers(lambda a, b: a >= b), "number"),
    "BooleanEquals": (_booleans, "boolean"),
    "TimestampEquals": (_timestamps(lambda a, b: a == b), "timestamp"),
    "TimestampLessThan": (_timestamps(lambda a, b: a < b), "timestamp"),
    "TimestampGreaterThan": (_timestamps(lambda a, b: a > b), "timestamp"),
    "TimestampLessThanEquals": (_timestamps(lambda a, b: a <= b), "timestamp"),
    "TimestampGreaterThanEquals": (_timestamps(lambda a, b: a >= b), "timestamp"),
}

_TYPE_TESTS: dict[str, Callable[[JSON], bool]] = {
    "IsNull": lambda v: v is None,
    "IsString": lambda v: isinstance(v, str),
    "IsNumeric": _is_number,
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

_OPERATORS = frozenset(
    [*_COMPARISONS, *(f"{name}Path" for name in _COMPARISONS), *_TYPE_TESTS, "IsPresent", "StringMatches"]
)
_IGNORED_KEYS = frozenset({"Next", "Comment", "Assign", "Output"})


def _invalid_path(path: Path) -> AslFailure:
    return AslFailure(
        RUNTIME, f"Invalid path '{path.text}': The choice state's condition path references an invalid value."
    )


# ---------------------------------------------------------------------------------------------------
# Rules


class ChoiceRule:
    """A compiled rule; `next` is the target state of a top-level Choices entry (None when nested)."""

    __slots__ = ("next",)

    def __init__(self) -> None:
        self.next: str | None = None

    def matches(self, data: JSON, env: Env) -> bool:
        """Whether the rule holds for `data` in `env`; AslFailure(States.Runtime) for a bad path."""
        raise NotImplementedError


class _Comparison(ChoiceRule):
    __slots__ = ("operand", "operand_path", "test", "variable")

    def __init__(self, variable: Path, test: Test, operand: JSON, operand_path: Path | None) -> None:
        super().__init__()
        self.variable = variable
        self.test = test
        self.operand = operand
        self.operand_path = operand_path

    def matches(self, data: JSON, env: Env) -> bool:
        try:
            value = self.variable.evaluate(data, env)
        except PathNotFound:
            raise _invalid_path(self.variable) from None
        if self.operand_path is None:
            return self.test(value, self.operand)
        try:
            other = self.operand_path.evaluate(data, env)
        except PathNotFound:
            raise _invalid_path(self.operand_path) from None
        return self.test(value, other)


class _TypeTest(ChoiceRule):
    __slots__ = ("expected", "test", "variable")

    def __init__(self, variable: Path, test: Callable[[JSON], bool], expected: bool) -> None:
        super().__init__()
        self.variable = variable
        self.test = test
        self.expected = expected

    def matches(self, data: JSON, env: Env) -> bool:
        try:
            value = self.variable.evaluate(data, env)
        except PathNotFound:
            raise _invalid_path(self.variable) from None
        return self.test(value) is self.expected


class _IsPresent(ChoiceRule):
    __slots__ = ("expected", "variable")

    def __init__(self, variable: Path, expected: bool) -> None:
        super().__init__()
        self.variable = variable
        self.expected = expected

    def matches(self, data: JSON, env: Env) -> bool:
        try:
            value = self.variable.evaluate(data, env)
        except PathNotFound:
            return not self.expected
        # An indefinite path that matches nothing selects nothing, so the value is not present.
        present = self.variable.definite or value != []
        return present is self.expected


class _And(ChoiceRule):
    __slots__ = ("rules",)

    def __init__(self, rules: tuple[ChoiceRule, ...]) -> None:
        super().__init__()
        self.rules = rules

    def matches(self, data: JSON, env: Env) -> bool:
        return all(rule.matches(data, env) for rule in self.rules)


class _Or(ChoiceRule):
    __slots__ = ("rules",)

    def __init__(self, rules: tuple[ChoiceRule, ...]) -> None:
        super().__init__()
        self.rules = rules

    def matches(self, data: JSON, env: Env) -> bool:
        return any(rule.matches(data, env) for rule in self.rules)


class _Not(ChoiceRule):
    __slots__ = ("rule",)

    def __init__(self, rule: ChoiceRule) -> None:
        super().__init__()
        self.rule = rule

    def matches(self, data: JSON, env: Env) -> bool:
        return not self.rule.matches(data, env)


# ---------------------------------------------------------------------------------------------------
# Compilation


def _path(text: JSON, pointer: str) -> Path:
    if not isinstance(text, str):
        raise ChoiceSyntaxError(pointer, "a path must be a string")
    try:
        return parse_path(text)
    except PathSyntaxError as exc:
        raise ChoiceSyntaxError(pointer, f"invalid path: {exc}") from None


def _literal(operator: str, kind: str, value: JSON, pointer: str) -> JSON:
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "number" and _is_number(value):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "timestamp":
        parsed = parse_timestamp(value)
        if parsed is not None:
            return parsed
    raise ChoiceSyntaxError(pointer, f"{operator} requires a {kind} operand")


def _compile(rule: JSON, pointer: str) -> ChoiceRule:
    if not isinstance(rule, dict):
        raise ChoiceSyntaxError(pointer, "a choice rule must be a JSON object")
    for combinator in ("And", "Or"):
        if combinator in rule:
            items = rule[combinator]
            if not isinstance(items, list) or not items:
                raise ChoiceSyntaxError(f"{pointer}/{combinator}", f"{combinator} needs a non-empty array")
            rules = tuple(_compile(item, f"{pointer}/{combinator}/{i}") for i, item in enumerate(items))
            return _And(rules) if combinator == "And" else _Or(rules)
    if "Not" in rule:
        return _Not(_compile(rule["Not"], f"{pointer}/Not"))
    operators = [key for key in rule if key not in _IGNORED_KEYS and key != "Variable"]
    unknown = [key for key in operators if key not in _OPERATORS]
    if unknown:
        raise ChoiceSyntaxError(f"{pointer}/{unknown[0]}", f"unknown comparison operator {unknown[0]!r}")
    if len(operators) != 1:
        raise ChoiceSyntaxError(pointer, "a choice rule needs exactly one comparison operator")
    if "Variable" not in rule:
        raise ChoiceSyntaxError(pointer, "a comparison needs a Variable")
    variable = _path(rule["Variable"], f"{pointer}/Variable")
    operator = operators[0]
    operand = rule[operator]
    where = f"{pointer}/{operator}"
    if operator == "IsPresent" or operator in _TYPE_TESTS:
        if not isinstance(operand, bool):
            raise ChoiceSyntaxError(where, f"{operator} requires true or false")
        if operator == "IsPresent":
            return _IsPresent(variable, operand)
        return _TypeTest(variable, _TYPE_TESTS[operator], operand)
    if operator == "StringMatches":
        if not isinstance(operand, str):
            raise ChoiceSyntaxError(where, "StringMatches requires a string pattern")
        glob = _glob(operand)
        return _Comparison(variable, lambda a, _: isinstance(a, str) and glob(a), None, None)
    if operator.endswith("Path"):
        test, _kind = _COMPARISONS[operator[: -len("Path")]]
        return _Comparison(variable, test, None, _path(operand, where))
    test, kind = _COMPARISONS[operator]
    return _Comparison(variable, test, _literal(operator, kind, operand, where), None)


def compile_rule(rule: JSONObject) -> ChoiceRule:
    """Compile a Choices[] entry or a nested rule; raises ChoiceSyntaxError with a JSON Pointer."""
    compiled = _compile(rule, "")
    next_state = rule.get("Next") if isinstance(rule, dict) else None
    compiled.next = next_state if isinstance(next_state, str) else None
    return compiled

"""Filter expressions (`[?(...)]`) and Jayway's relational operators, evaluated as Jayway does.

Operands evaluate to a JSON value, `MISSING` (a definite path that selects nothing) or a compiled
regex. Every operator is total: where Jayway's evaluator throws (an operand of the wrong kind), the
filter does not hold, as Jayway's predicate does when it catches the error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from stepstone.asl.json import JSON
from stepstone.asl.paths.selectors import MISSING, Selector, is_definite, select_all

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decimal(text: str) -> Decimal | None:
    """BigDecimal's reading of a string, or None (Jayway's NaN, which equals nothing)."""
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def java_text(value: object) -> str:
    """A scalar as Jayway turns it into text (numbers via BigDecimal, booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) + ".0" if value.is_integer() and abs(value) < 1e7 else repr(value)
    return value if isinstance(value, str) else ""


def json_equal(a: object, b: object) -> bool:
    """JSON equality: `true` is not `1`, and numbers compare by value."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def equals(a: object, b: object) -> bool:
    """Jayway's `==`: `left.equals(right)`, where a string and a number may be equal (asymmetrically)."""
    if isinstance(a, list | dict) or isinstance(b, list | dict):
        return isinstance(a, list | dict) and isinstance(b, list | dict) and json_equal(a, b)
    if a is MISSING or b is MISSING:
        return False
    if isinstance(a, str):
        return a == b if isinstance(b, str) else _is_number(b) and a == java_text(b)
    if _is_number(a):
        if _is_number(b):
            return a == b
        number = _decimal(b) if isinstance(b, str) else None
        return number is not None and number == Decimal(java_text(a))
    if isinstance(a, bool) or a is None:
        return type(a) is type(b) and a == b
    if isinstance(a, re.Pattern):
        return isinstance(b, re.Pattern) and (a.pattern, a.flags) == (b.pattern, b.flags)
    return False


def _ordered(test: Callable[[int], bool]) -> Callable[[object, object], bool]:
    def compare(a: object, b: object) -> bool:
        if (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
            return test((a > b) - (a < b))  # type: ignore[operator]
        return False

    return compare


def _regex(a: object, b: object) -> bool:
    if isinstance(a, re.Pattern) == isinstance(b, re.Pattern):
        return False
    pattern, subject = (a, b) if isinstance(a, re.Pattern) else (b, a)
    assert isinstance(pattern, re.Pattern)
    subjects = subject if isinstance(subject, list) else [subject]
    return any(pattern.fullmatch(java_text(s)) for s in subjects)


def _size(a: object, b: object) -> bool:
    if not _is_number(b) or not isinstance(a, str | list):
        return False
    return len(a) == int(b)  # type: ignore[call-overload,no-any-return]


def _empty(a: object, b: object) -> bool:
    return isinstance(b, bool) and isinstance(a, str | list | dict) and (len(a) == 0) is b


def _in(a: object, b: object) -> bool:
    return isinstance(b, list) and any(equals(a, x) for x in b)


def _nin(a: object, b: object) -> bool:
    return isinstance(b, list | dict) and not _in(a, b)


def _contains(a: object, b: object) -> bool:
    if isinstance(a, str):
        return isinstance(b, str) and b in a
    return isinstance(a, list) and any(equals(b, x) for x in a)


def _lists(test: Callable[[list[JSON], list[JSON]], bool]) -> Callable[[object, object], bool]:
    return lambda a, b: isinstance(a, list) and isinstance(b, list) and test(a, b)


def _never(a: object, b: object) -> bool:
    # `all`, `type` and `matches` need operands (a value list, a class, a predicate) that a
    # filter written as text cannot express, so Jayway's evaluator throws and the filter fails.
    return False


#: Jayway's RelationalOperator table, by the operator's text (words in lower case).
OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "==": equals,
    "!=": lambda a, b: not equals(a, b),
    "===": lambda a, b: type(a) is type(b) and equals(a, b),
    "!==": lambda a, b: not (type(a) is type(b) and equals(a, b)),
    "<": _ordered(lambda c: c < 0),
    "<=": _ordered(lambda c: c <= 0),
    ">": _ordered(lambda c: c > 0),
    ">=": _ordered(lambda c: c >= 0),
    "=~": _regex,
    "in": _in,
    "nin": _nin,
    "contains": _contains,
    "size": _size,
    "empty": _empty,
    "subsetof": _lists(lambda a, b: all(any(equals(x, y) for y in b) for x in a)),
    "anyof": _lists(lambda a, b: any(equals(x, y) for x in a for y in b)),
    "noneof": _lists(lambda a, b: not any(equals(x, y) for x in a for y in b)),
    "exists": lambda a, b: isinstance(a, bool) and isinstance(b, bool) and a is b,
    "all": _never,
    "type": _never,
    "matches": _never,
}


@dataclass(frozen=True, slots=True)
class Const:
    """A literal operand: string, number, true/false/null, a JSON array or object, or a regex."""

    literal: JSON | re.Pattern[str]
    text: str = field(compare=False)

    def __str__(self) -> str:
        return self.text

    def value(self, current: JSON, root: JSON) -> object:
        return self.literal


@dataclass(frozen=True, slots=True)
class RelPath:
    """`@...` (relative to the element being filtered) or `$...` (the document's root)."""

    relative: bool
    selectors: tuple[Selector, ...]

    def __str__(self) -> str:
        return ("@" if self.relative else "$") + "".join(str(s) for s in self.selectors)

    def value(self, current: JSON, root: JSON) -> object:
        nodes = select_all(self.selectors, current if self.relative else root, root)
        if is_definite(self.selectors):
            return nodes[0] if nodes else MISSING
        return nodes


Operand = Const | RelPath


@dataclass(frozen=True, slots=True)
class Exists:
    """`@.x` alone (the path selects something) or `!@.x` (it selects nothing)."""

    path: RelPath
    expected: bool = True

    def __str__(self) -> str:
        return str(self.path) if self.expected else f"!{self.path}"

    def holds(self, current: JSON, root: JSON) -> bool:
        found = self.path.value(current, root)
        # An indefinite path exists when it selects something (known gap: Jayway also counts an
        # empty selection that met no missing property).
        present = found is not MISSING if is_definite(self.path.selectors) else found != []
        return present is self.expected


@dataclass(frozen=True, slots=True)
class Comparison:
    """`left op right` with one of Jayway's relational operators."""

    op: str
    left: Operand
    right: Operand

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"

    def holds(self, current: JSON, root: JSON) -> bool:
        return OPERATORS[self.op](self.left.value(current, root), self.right.value(current, root))


@dataclass(frozen=True, slots=True)
class Logical:
    """`a && b && ...` or `a || b || ...`, short-circuit."""

    op: str
    operands: tuple[Expr, ...]

    def __str__(self) -> str:
        return "(" + f" {self.op} ".join(str(o) for o in self.operands) + ")"

    def holds(self, current: JSON, root: JSON) -> bool:
        if self.op == "&&":
            return all(o.holds(current, root) for o in self.operands)
        return any(o.holds(current, root) for o in self.operands)


@dataclass(frozen=True, slots=True)
class Negation:
    """`!expr` (a `!` before a path is an `Exists` instead)."""

    operand: Expr

    def __str__(self) -> str:
        return f"!({self.operand})"

    def holds(self, current: JSON, root: JSON) -> bool:
        return not self.operand.holds(current, root)


Expr = Exists | Comparison | Logical | Negation

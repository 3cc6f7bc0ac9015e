"""Direct evaluation of the common shapes of JSONata expression, without the general evaluator.

Most expressions in real definitions are a lookup (`$states.input.orderId`, `$count`), a little
arithmetic, a comparison, a string concatenation, or an object/array of those. `compile_fast` turns
such a text into nested Python closures when the definition is compiled; anything else (functions,
predicates, wildcards, ...) gets None and stays with jlens.

A fast evaluation answers only when it is sure to give what jlens gives. Whenever the data leaves the
easy case (a missing field, an array in the middle of a path, a number jlens would round, a mixed-type
comparison, an error of any kind) it raises `Fallback` and the caller asks jlens, so values and error
messages are jlens's own. jlens holds numbers as IEEE doubles and answers integral ones as `int`:
`normalize` does the same, or falls back where the rounding would matter.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from stepstone.asl.json import JSON

Evaluator = Callable[[JSON, Mapping[str, JSON]], JSON]

#: Integers up to this size are exact as doubles; beyond it jlens rounds them, so we fall back.
_EXACT: Final = 2**53
_KEYWORDS: Final = frozenset({"and", "or", "in", "true", "false", "null"})
_LITERALS: Final[dict[str, JSON]] = {"true": True, "false": False, "null": None}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)
    | (?P<str>"[^"\\]*"|'[^'\\]*')
    | (?P<var>\$[A-Za-z_][A-Za-z0-9_]*)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)
    | (?P<op><=|>=|!=|[-+*/%&=<>.,:?(){}\[\]])
    )""",
    re.VERBOSE,
)


class Fallback(Exception):
    """The fast path cannot be sure of the answer: evaluate with jlens instead."""


def normalize(value: JSON) -> JSON:
    """The value as jlens answers it (integral doubles as int); the same object when nothing changes."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        if -_EXACT <= value <= _EXACT:
            return value
        raise Fallback
    if kind is float:
        return _number(value)
    if kind is dict:
        assert isinstance(value, dict)
        changed: dict[str, JSON] | None = None
        for key, item in value.items():
            if type(key) is not str:
                raise Fallback
            new = normalize(item)
            if new is not item and changed is None:
                changed = dict(value)
            if changed is not None:
                changed[key] = new
        return value if changed is None else changed
    if kind is list:
        assert isinstance(value, list)
        items = [normalize(item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    raise Fallback


def _number(value: float) -> JSON:
    if not math.isfinite(value):
        raise Fallback
    if value.is_integer():
        if abs(value) > _EXACT:
            raise Fallback
        return int(value)
    return value


def _is_number(value: JSON) -> bool:
    return type(value) is int or type(value) is float


# ---------------------------------------------------------------------------------- evaluators


def _literal(value: JSON) -> Evaluator:
    return lambda states, variables: value


def _path(name: str, steps: tuple[str, ...]) -> Evaluator:
    # Indexing with a string fails (KeyError, TypeError) unless the value is an object holding the
    # field: an array mid-path (which maps the step over its items) or a missing field (undefined) is
    # jlens's job.
    from_states = name == "states"

    def lookup(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        try:
            value = states if from_states else variables[name]
            for step in steps:
                value = value[step]
        except (KeyError, TypeError):
            raise Fallback from None
        kind = type(value)
        if kind is str or (kind is int and -_EXACT <= value <= _EXACT):
            return value  # the usual leaf, without a call
        return normalize(value)

    return lookup


_OPERATIONS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul,
    "/": operator.truediv, "%": math.fmod,  # fmod is JavaScript's %: the sign of the dividend
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


def _arithmetic(op: str, left: Evaluator, right: Evaluator) -> Evaluator:
    operation = _OPERATIONS[op]
    divides = op in ("/", "%")

    def apply(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        a, b = left(states, variables), right(states, variables)
        ta, tb = type(a), type(b)
        if not ((ta is int or ta is float) and (tb is int or tb is float)) or (divides and b == 0):
            raise Fallback
        result = operation(float(a), float(b))
        if -_EXACT <= result <= _EXACT and result.is_integer():
            return int(result)  # the usual case of _number, inline
        return _number(result)

    return apply


def _concat(left: Evaluator, right: Evaluator) -> Evaluator:
    def apply(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        return _text(left(states, variables)) + _text(right(states, variables))

    return apply


def _text(value: JSON) -> str:
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)  # exact below 2**53, where JavaScript prints integers the same way
    raise Fallback


def _compare(op: str, left: Evaluator, right: Evaluator) -> Evaluator:
    if op in ("=", "!="):
        negate = op == "!="

        def equality(states: JSON, variables: Mapping[str, JSON]) -> JSON:
            return _equal(left(states, variables), right(states, variables)) is not negate

        return equality
    operation = _OPERATIONS[op]

    def order(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        a, b = left(states, variables), right(states, variables)
        ta, tb = type(a), type(b)
        if (ta is int or ta is float) and (tb is int or tb is float):
            return operation(float(a), float(b))
        if ta is str and tb is str and a.isascii() and b.isascii():
            return operation(a, b)
        raise Fallback

    return order


def _equal(a: JSON, b: JSON) -> bool:
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    if type(a) is not type(b) or type(a) not in (str, bool, type(None)):
        if type(a) in (dict, list) or type(b) in (dict, list):
            raise Fallback  # deep equality: jlens's job
        return False
    return bool(a == b)


def _boolean(op: str, left: Evaluator, right: Evaluator) -> Evaluator:
    def apply(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        a, b = left(states, variables), right(states, variables)
        if type(a) is not bool or type(b) is not bool:
            raise Fallback
        return (a and b) if op == "and" else (a or b)

    return apply


def _negate(operand: Evaluator) -> Evaluator:
    def apply(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        value = operand(states, variables)
        if not _is_number(value):
            raise Fallback
        return _number(-float(value))

    return apply


def _conditional(test: Evaluator, then: Evaluator, otherwise: Evaluator | None) -> Evaluator:
    def apply(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        condition = test(states, variables)
        if type(condition) is not bool:
            raise Fallback
        if condition:
            return then(states, variables)
        if otherwise is None:
            raise Fallback  # undefined
        return otherwise(states, variables)

    return apply


def _object(members: tuple[tuple[str, Evaluator], ...]) -> Evaluator:
    def build(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        return {key: member(states, variables) for key, member in members}

    return build


def _array(items: tuple[tuple[bool, Evaluator], ...]) -> Evaluator:
    def build(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        built: list[JSON] = []
        for nested, item in items:
            value = item(states, variables)
            if type(value) is list and not nested:
                raise Fallback  # JSONata splices an array value into the constructor
            built.append(value)
        return built

    return build


# ---------------------------------------------------------------------------------- the parser

_BINARY: Final[dict[str, int]] = {
    "or": 25, "and": 30,
    "=": 40, "!=": 40, "<": 40, "<=": 40, ">": 40, ">=": 40,
    "+": 50, "-": 50, "&": 50,
    "*": 60, "/": 60, "%": 60,
}  # fmt: skip


class _Unsupported(Exception):
    pass


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.rstrip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise _Unsupported
            kind = match.lastgroup
            assert kind is not None
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.tokens.append(("end", ""))
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at]

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.at]
        if value is not None and token[1] != value:
            raise _Unsupported
        self.at += 1
        return token

    def expression(self, floor: int = 0) -> Evaluator:
        left = self.unary()
        while True:
            kind, value = self.peek()
            if kind == "op" and value == "?" and floor < 20:
                self.take()
                then = self.expression(20)
                otherwise = None
                if self.peek() == ("op", ":"):
                    self.take()
                    otherwise = self.expression(20)
                left = _conditional(left, then, otherwise)
                if self.peek() == ("op", "?"):
                    raise _Unsupported  # chained conditionals: leave their grouping to jlens
                continue
            power = _BINARY.get(value) if kind in ("op", "name") else None
            if power is None or power <= floor:
                return left
            self.take()
            right = self.expression(power)
            left = _combine(value, left, right)

    def unary(self) -> Evaluator:
        kind, value = self.take()
        if kind == "num":
            return _literal(_number(float(value)))
        if kind == "str":
            return _literal(value[1:-1])
        if kind == "name" and value in _LITERALS:
            return _literal(_LITERALS[value])
        if kind == "var":
            return self.path(value[1:])
        if (kind, value) == ("op", "-"):
            return _negate(self.expression(70))
        if (kind, value) == ("op", "("):
            inner = self.expression()
            self.take(")")
            return inner
        if (kind, value) == ("op", "{"):
            return self.object()
        if (kind, value) == ("op", "["):
            return self.array()
        raise _Unsupported

    def path(self, name: str) -> Evaluator:
        if name == "eval" or name == "":
            raise _Unsupported  # removed by AWS: jlens reports it
        steps: list[str] = []
        while self.peek() == ("op", "."):
            self.take()
            kind, step = self.take()
            if kind != "name" or step in _KEYWORDS:
                raise _Unsupported
            steps.append(step[1:-1] if step.startswith("`") else step)
        return _path(name, tuple(steps))

    def object(self) -> Evaluator:
        members: list[tuple[str, Evaluator]] = []
        while self.peek() != ("op", "}"):
            if members:
                self.take(",")
            kind, key = self.take()
            if kind != "str" or any(key[1:-1] == seen for seen, _ in members):
                raise _Unsupported
            self.take(":")
            members.append((key[1:-1], self.expression()))
        self.take("}")
        return _object(tuple(members))

    def array(self) -> Evaluator:
        items: list[tuple[bool, Evaluator]] = []
        while self.peek() != ("op", "]"):
            if items:
                self.take(",")
            nested = self.peek() == ("op", "[")
            items.append((nested, self.expression()))
        self.take("]")
        return _array(tuple(items))


def _combine(op: str, left: Evaluator, right: Evaluator) -> Evaluator:
    if op in ("+", "-", "*", "/", "%"):
        return _arithmetic(op, left, right)
    if op == "&":
        return _concat(left, right)
    if op in ("and", "or"):
        return _boolean(op, left, right)
    return _compare(op, left, right)


def compile_fast(text: str) -> Evaluator | None:
    """A direct evaluator for `text` when it has one of the common shapes, else None (use jlens)."""
    try:
        parser = _Parser(text)
        evaluator = parser.expression()
        if parser.peek()[0] != "end":
            return None
    except (_Unsupported, Fallback, RecursionError):
        return None
    return evaluator

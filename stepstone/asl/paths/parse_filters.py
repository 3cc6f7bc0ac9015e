"""The filter grammar inside `[?(...)]`, as Jayway's FilterCompiler reads it, plus Jayway 2.0's bare words.

    or        = and { '||' and }
    and       = operand { '&&' operand }
    operand   = '!' operand | '(' or ')' | value [ operator value ]     (a path alone: it exists)
    value     = ['!'] ('@' | '$') steps | 'string' | "string" | number | true | false | null
              | [json...] | {json...} | /regex/flags | bare-word
    operator  = == != === !== < <= > >= =~ | in nin contains size empty subsetof anyof noneof ...

A bare word (`@.status == Failure`) is the string it spells, as Jayway 2.0 (which Step Functions
runs) reads it; later Jayway versions refuse it, and AWS's own samples use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stepstone.asl.json import JSON
from stepstone.asl.paths.errors import compact_json
from stepstone.asl.paths.filters import (
    OPERATORS,
    Comparison,
    Const,
    Exists,
    Expr,
    Logical,
    Negation,
    Operand,
    RelPath,
)
from stepstone.asl.paths.parse_selectors import SelectorParser
from stepstone.asl.paths.selectors import quote

_OPERATOR_CHARS = frozenset("<>=~!")
_WORD_END = frozenset("()[]{}'\"&|<>=!~,") | frozenset(" \t\r\n")
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "d": 0, "u": 0, "U": 0}


class Parser(SelectorParser):
    """The whole path grammar: steps, and the filter expressions inside them."""

    def filter_expr(self) -> Expr:
        mode, self.mode = self.mode, "filter"
        try:
            return self.or_expr()
        finally:
            self.mode = mode

    def or_expr(self) -> Expr:
        return self.chain("||", self.and_expr)

    def and_expr(self) -> Expr:
        return self.chain("&&", self.operand)

    def chain(self, op: str, read: Callable[[], Expr]) -> Expr:
        operands: list[Expr] = [read()]
        while True:
            self.skip_ws()
            if self.peek(2) != op:
                return operands[0] if len(operands) == 1 else Logical(op, tuple(operands))
            self.pos += 2
            operands.append(read())

    def operand(self) -> Expr:
        self.skip_ws()
        if self.peek() == "!":
            self.pos += 1
            self.skip_ws()
            if self.peek() not in ("@", "$"):
                return Negation(self.operand())
            return self.relation(negated=True)
        if self.peek() == "(":
            self.pos += 1
            inner = self.or_expr()
            self.expect(")")
            return inner
        return self.relation(negated=False)

    def relation(self, negated: bool) -> Expr:
        left = self.value()
        self.skip_ws()
        op_at = self.pos
        op = self.operator()
        if op is None:
            if not isinstance(left, RelPath):
                raise self.error("expected an operator after a literal", op_at)
            return Exists(left, not negated)
        if op not in OPERATORS:
            raise self.error(f"unknown filter operator {op!r}", op_at)
        self.skip_ws()
        if self.at_end() or self.peek() in (")", "&", "|"):
            raise self.error(f"expected a value after '{op}'")
        right = self.value()
        return Comparison(op, left, right)

    def operator(self) -> str | None:
        start = self.pos
        if self.peek() in _OPERATOR_CHARS:
            while self.peek() and self.peek() in _OPERATOR_CHARS:
                self.pos += 1
        else:
            while self.peek().isalpha():
                self.pos += 1
        return self.text[start : self.pos].lower() or None

    def value(self) -> Operand:
        self.skip_ws()
        ch = self.peek()
        if ch in ("@", "$"):
            self.pos += 1
            if self.peek() == "$" or self.peek().isalnum():
                raise self.error("only '@' and '$' may start a path inside a filter")
            return RelPath(ch == "@", self.selectors())
        if ch == "/":
            return self.pattern()
        literal = self.literal()
        return Const(literal, quote(literal) if isinstance(literal, str) else compact_json(literal))

    def pattern(self) -> Const:
        start = self.pos
        self.pos += 1
        while self.pos < self.end and self.text[self.pos] != "/":
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        if self.pos >= self.end:
            raise self.error("unterminated regular expression: missing the closing /", start)
        body = self.text[start + 1 : self.pos]
        self.pos += 1
        flags = 0
        while self.peek() in _FLAGS and self.peek():
            flags |= _FLAGS[self.peek()]
            self.pos += 1
        try:
            compiled = re.compile(body, flags)
        except re.error as exc:
            raise self.error(f"invalid regular expression: {exc}", start) from None
        return Const(compiled, self.text[start : self.pos])

    def literal(self) -> JSON:
        """A string, number, true/false/null, bare word, or a JSON array/object of them."""
        self.skip_ws()
        ch = self.peek()
        if ch in ("'", '"'):
            return self.quoted()
        if ch in ("[", "{"):
            return self.container(ch)
        start = self.pos
        while self.pos < self.end and self.text[self.pos] not in _WORD_END:
            self.pos += 1
        word = self.text[start : self.pos]
        if not word:
            raise self.error("expected a value: a string, a number, true, false, null, '@' or '$'")
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        if _NUMBER.match(word):
            return int(word) if re.fullmatch(r"-?\d+", word) else float(word)
        return word

    def container(self, opener: str) -> JSON:
        closer = "]" if opener == "[" else "}"
        self.pos += 1
        items: list[JSON] = []
        members: dict[str, JSON] = {}
        self.skip_ws()
        while self.peek() != closer:
            if self.at_end():
                raise self.error(f"expected '{closer}'")
            if opener == "[":
                items.append(self.literal())
            else:
                key = self.literal()
                self.expect(":")
                members[key if isinstance(key, str) else compact_json(key)] = self.literal()
            self.skip_ws()
            if self.peek() == ",":
                self.pos += 1
                self.skip_ws()
            elif self.peek() != closer:
                raise self.error(f"expected ',' or '{closer}'")
        self.pos += 1
        return items if opener == "[" else members

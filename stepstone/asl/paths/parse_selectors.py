"""The path grammar, as Jayway's PathCompiler reads it: a root, then dot, bracket and scan steps.

Jayway accepts more than the JSONPath article: a dot before a bracket (`$.[0]`, `$.a.['b','c']`),
any character but `.`, `[`, `(` and a space in a dotted name, a name straight after `]`
(`$['a']b`), and `name(...)` (a function call, which Step Functions treats as a plain name, so
`$.list.length()` selects nothing). Jayway 2.0's `[(@.length-1)]` is read too. Three modes:

    path      a whole path (InputPath, a `.$` value, a Choice Variable)
    embedded  a path inside an intrinsic call: it ends at `,`, `)` or whitespace
    filter    an operand inside `[?(...)]`: it ends at an operator, a space, `)` or `&&`/`||`
"""

from __future__ import annotations

import re
from typing import Literal, TypeAlias

from stepstone.asl.paths.filters import Expr
from stepstone.asl.paths.lexer import WHITESPACE, Scanner
from stepstone.asl.paths.selectors import Child, Descendant, Filter, FromEnd, Index, Selector, Slice, Wildcard

Mode: TypeAlias = Literal["path", "embedded", "filter"]
Root: TypeAlias = Literal["input", "context", "variable"]


def _in_variable_name(ch: str) -> bool:
    """A character a variable name may hold: Unicode identifier characters, as Assign accepts."""
    return ("_" + ch).isidentifier()


#: Where a dotted name ends, per mode (a `(` opens a function call in path and filter mode).
_NAME_END: dict[Mode, frozenset[str]] = {
    "path": frozenset(".[("),
    "embedded": frozenset(".[]()',\"=!<>&|@$?") | frozenset(WHITESPACE),
    "filter": frozenset(".[]()'\",<>=~!&|") | frozenset(WHITESPACE),
}
_ARRAY_CHARS = frozenset("0123456789,-: ")
_FROM_END = re.compile(r"\(\s*@\.(?:length|size\(\))\s*-\s*(\d+)\s*\)\s*\]")


class SelectorParser(Scanner):
    """Reads a root and the steps after it; `filter_expr` (the `[?(...)]` body) comes from a subclass."""

    def __init__(self, text: str, pos: int = 0, end: int | None = None, mode: Mode = "path") -> None:
        super().__init__(text, pos, end)
        self.mode: Mode = mode

    def filter_expr(self) -> Expr:
        raise NotImplementedError

    def root(self) -> tuple[Root, str | None]:
        """`$` (input), `$$` (context) or `$name` (a variable)."""
        if self.peek() != "$":
            raise self.error("a path must start with '$'")
        self.pos += 1
        if self.peek() == "$":
            self.pos += 1
            return "context", None
        start = self.pos
        while self.pos < self.end and _in_variable_name(self.text[self.pos]):
            self.pos += 1
        if self.pos == start:
            return "input", None
        name = self.text[start : self.pos]
        if not name.isidentifier() and name[0] != "_":  # '_' AWS takes with a warning at Assign
            raise self.error("a variable name must start with a letter", start)
        return "variable", name

    def selectors(self) -> tuple[Selector, ...]:
        """The steps up to where the path ends (the end of the text in path mode)."""
        out: list[Selector] = []
        while self.pos < self.end:
            ch = self.text[self.pos]
            if ch == "[":
                out.append(self.bracket())
            elif self.peek(2) == "..":
                self.pos += 2
                out.append(Descendant(self.after_dot("..")))  # type: ignore[arg-type]
            elif ch == ".":
                self.pos += 1
                out.append(self.after_dot("."))
            elif ch == "*" and out and self.text[self.pos - 1] == "]":
                self.pos += 1
                out.append(Wildcard())
            elif self.mode == "path" and out and self.text[self.pos - 1] in "]*":
                out.append(Child((self.dot_name(),)))  # Jayway reads `$['a']b` as `$['a'].b`
            else:
                break
        return tuple(out)

    def after_dot(self, dot: str) -> Selector:
        if self.at_end():
            raise self.error(f"a path must not end with '{dot}'")
        ch = self.peek()
        if ch == ".":
            raise self.error("a third '.' is not valid here")
        if ch == "[":
            return self.bracket()
        if ch == "*":
            self.pos += 1
            return Wildcard()
        return Child((self.dot_name(),))

    def dot_name(self) -> str:
        start, stop = self.pos, _NAME_END[self.mode]
        while self.pos < self.end and self.text[self.pos] not in stop:
            if self.text[self.pos] == " " and self.mode == "path":
                raise self.error("a name with a space needs brackets: ['my name']")
            self.pos += 1
        if self.mode != "embedded" and self.peek() == "(":
            self.call_arguments()
        if self.pos == start:
            raise self.error("expected a property name")
        return self.text[start : self.pos]

    def call_arguments(self) -> None:
        """Skip `(...)` after a name: Step Functions reads `length()` as part of the name."""
        open_at, depth = self.pos, 0
        while self.pos < self.end:
            depth += {"(": 1, ")": -1}.get(self.text[self.pos], 0)
            self.pos += 1
            if depth == 0:
                return
        raise self.error("the arguments of a function call are not closed", open_at)

    def bracket(self) -> Selector:
        open_at = self.pos
        self.pos += 1
        self.skip_ws()
        ch = self.peek()
        selector: Selector
        if ch in ("'", '"'):
            selector = self.names()
        elif ch == "*":
            self.pos += 1
            selector = Wildcard()
        elif ch == "?":
            self.pos += 1
            self.expect("(")
            selector = Filter(self.filter_expr())
            self.expect(")")
        elif ch == "(":
            match = _FROM_END.match(self.text, self.pos, self.end)
            if match is None:
                raise self.error("expected (@.length-N)")
            self.pos = match.end()
            return FromEnd(int(match.group(1)))
        elif ch and (ch.isdigit() or ch in "-:"):
            selector = self.array(open_at)
        else:
            raise self.error("expected an index, a slice, '*', a quoted name or a filter")
        self.skip_ws()
        if self.peek() != "]":
            raise self.error(f"expected ']' to close the '[' at offset {open_at}")
        self.pos += 1
        return selector

    def names(self) -> Child:
        names = [self.quoted()]
        self.skip_ws()
        while self.peek() == ",":
            self.pos += 1
            self.skip_ws()
            if self.peek() not in ("'", '"') or self.at_end():
                raise self.error("expected a quoted name after ','")
            names.append(self.quoted())
            self.skip_ws()
        return Child(tuple(names))

    def array(self, open_at: int) -> Selector:
        """Jayway's `[1]`, `[0, 2]`, `[1:]`, `[:2]`, `[-2:]`, `[1:3]` (a third `:` part is ignored)."""
        close = self.text.find("]", self.pos, self.end)
        if close < 0:
            raise self.error(f"expected ']' to close the '[' at offset {open_at}", self.end)
        body = self.text[self.pos : close]
        bad = next((i for i, c in enumerate(body) if c not in _ARRAY_CHARS), None)
        if bad is not None:
            raise self.error("expected an index or a slice", self.pos + bad)
        start, self.pos = self.pos, close
        body = body.strip()
        if ":" in body:
            parts = body.split(":")
            while parts and parts[-1] == "":  # Java's split drops trailing empty parts
                parts.pop()
            bounds = [self.integer(p, start) if p else None for p in parts[:2]] + [None, None]
            if " " in body or (bounds[0] is None and bounds[1] is None):
                raise self.error("expected a slice such as [1:], [:2] or [1:3]", start)
            return Slice(bounds[0], bounds[1])
        return Index(tuple(self.integer(p.strip(), start) for p in body.split(",")))

    def integer(self, text: str, offset: int) -> int:
        if not re.fullmatch(r"-?\d+", text) or not -(2**31) <= int(text) < 2**31:
            raise self.error(f"expected an integer, found {text!r}", offset)
        return int(text)

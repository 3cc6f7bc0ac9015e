"""JSONPath as Step Functions evaluates it (Jayway semantics), and reference paths for writing results.

    PathSyntaxError(ValueError)   the text is not a path; carries the text, the offset and a caret line
    PathNotFound(LookupError)     a definite path selected nothing

A `Path` is parsed once into small frozen selector nodes; a definite path (one that can only select
one node) is compiled to a tuple of keys and indexes and walked without allocation, which is the
common case (`$.a.b`). An indefinite path (wildcard, filter, slice, union, deep scan) returns the list
of its matches, possibly empty, as Jayway does. `str(path)` is the canonical text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from stepstone.asl.env import Env
from stepstone.asl.errors import RESULT_PATH_MATCH_FAILURE, AslFailure, ExpressionSyntaxError
from stepstone.asl.json import JSON

__all__ = [
    "Path",
    "PathNotFound",
    "PathSyntaxError",
    "ReferencePath",
    "compact_json",
    "parse_path",
    "parse_reference_path",
]

Root: TypeAlias = Literal["input", "context", "variable"]
Step: TypeAlias = str | int

_NAME_STOP = frozenset(".[]()',\" \t\r\n=!<>&|@$?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_VAR_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_MISSING = object()


def compact_json(value: JSON) -> str:
    """JSON text as AWS renders values in messages and `States.JsonToString`: no spaces, UTF-8 kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class PathSyntaxError(ExpressionSyntaxError):
    """The text is not a valid JSONPath."""


class PathNotFound(LookupError):
    """A definite path selected nothing in the value it was evaluated against."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


# ---------------------------------------------------------------------------------------------------
# Selectors: each maps a list of nodes to the list of nodes it selects (the indefinite evaluation).


def _quote(name: str) -> str:
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True, slots=True)
class Child:
    """`.name`, `['name']` or the union `['a','b']`."""

    names: tuple[str, ...]

    def __str__(self) -> str:
        if len(self.names) == 1 and _IDENT.match(self.names[0]):
            return "." + self.names[0]
        return "[" + ",".join(_quote(n) for n in self.names) + "]"

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if isinstance(node, dict):
            for name in self.names:
                if name in node:
                    out.append(node[name])


@dataclass(frozen=True, slots=True)
class Index:
    """`[2]`, `[-1]` or the union `[0,2]`."""

    indexes: tuple[int, ...]

    def __str__(self) -> str:
        return "[" + ",".join(str(i) for i in self.indexes) + "]"

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if isinstance(node, list):
            size = len(node)
            for i in self.indexes:
                if -size <= i < size:
                    out.append(node[i])


@dataclass(frozen=True, slots=True)
class Wildcard:
    """`.*` or `[*]`: every member of an object or element of an array."""

    def __str__(self) -> str:
        return "[*]"

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if isinstance(node, dict):
            out.extend(node.values())
        elif isinstance(node, list):
            out.extend(node)


@dataclass(frozen=True, slots=True)
class Slice:
    """`[start:end]` with Python/Jayway bounds (either may be omitted or negative)."""

    start: int | None
    end: int | None

    def __str__(self) -> str:
        start = "" if self.start is None else str(self.start)
        end = "" if self.end is None else str(self.end)
        return f"[{start}:{end}]"

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if isinstance(node, list):
            out.extend(node[self.start : self.end])


@dataclass(frozen=True, slots=True)
class Filter:
    """`[?(expr)]`: the elements of an array (or the object itself) for which `expr` holds."""

    expr: Expr

    def __str__(self) -> str:
        return f"[?({self.expr})]"

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if isinstance(node, list):
            out.extend(item for item in node if _truthy(self.expr.value(item, root)))
        elif isinstance(node, dict) and _truthy(self.expr.value(node, root)):
            out.append(node)


@dataclass(frozen=True, slots=True)
class Descendant:
    """`..x`: applies its selector to the node and to every node beneath it, in document order."""

    selector: Selector

    def __str__(self) -> str:
        inner = str(self.selector)
        return ".." + inner[1:] if inner.startswith(".") else ".." + inner

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        self.selector.select(node, root, out)
        if isinstance(node, dict):
            for child in node.values():
                self.select(child, root, out)
        elif isinstance(node, list):
            for child in node:
                self.select(child, root, out)


Selector: TypeAlias = Child | Index | Wildcard | Slice | Filter | Descendant


# ---------------------------------------------------------------------------------------------------
# Filter expressions: small nodes evaluated against the current element (`@`) and the root (`$`).


def _truthy(value: object) -> bool:
    return value is not _MISSING and value is not False


def _same_type(a: JSON, b: JSON) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return True
    return type(a) is type(b)


def _compare(op: str, a: object, b: object) -> bool:
    if a is _MISSING or b is _MISSING:
        return op == "!=" and a is not b
    if op in ("in", "nin"):
        found = isinstance(b, list) and any(_same_type(a, x) and a == x for x in b)
        return found if op == "in" else not found
    if op == "=~":
        return isinstance(a, str) and isinstance(b, re.Pattern) and b.fullmatch(a) is not None
    equal = _same_type(a, b) and a == b
    if op == "==":
        return equal
    if op == "!=":
        return not equal
    if not _same_type(a, b) or not isinstance(a, int | float | str) or isinstance(a, bool):
        return False
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class Const:
    """A literal operand: number, string, true/false/null, array of scalars or a regex."""

    literal: JSON
    text: str = field(compare=False)

    def __str__(self) -> str:
        return self.text

    def value(self, current: JSON, root: JSON) -> object:
        return self.literal


@dataclass(frozen=True, slots=True)
class RelPath:
    """`@...` (relative to the current element) or `$...` (the root) inside a filter."""

    relative: bool
    selectors: tuple[Selector, ...]

    def __str__(self) -> str:
        return ("@" if self.relative else "$") + "".join(str(s) for s in self.selectors)

    def value(self, current: JSON, root: JSON) -> object:
        nodes = [current if self.relative else root]
        for selector in self.selectors:
            out: list[JSON] = []
            for node in nodes:
                selector.select(node, root, out)
            nodes = out
        if _is_definite(self.selectors):
            return nodes[0] if nodes else _MISSING
        return nodes


@dataclass(frozen=True, slots=True)
class Comparison:
    """`left op right`."""

    op: str
    left: Expr
    right: Expr

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"

    def value(self, current: JSON, root: JSON) -> object:
        return _compare(self.op, self.left.value(current, root), self.right.value(current, root))


@dataclass(frozen=True, slots=True)
class Logical:
    """`a && b`, `a || b` (short-circuit)."""

    op: str
    left: Expr
    right: Expr

    def __str__(self) -> str:
        return f"({self.left} {self.op} {self.right})"

    def value(self, current: JSON, root: JSON) -> object:
        left = _truthy(self.left.value(current, root))
        if self.op == "&&":
            return left and _truthy(self.right.value(current, root))
        return left or _truthy(self.right.value(current, root))


@dataclass(frozen=True, slots=True)
class Negation:
    """`!expr`."""

    operand: Expr

    def __str__(self) -> str:
        return f"!({self.operand})"

    def value(self, current: JSON, root: JSON) -> object:
        return not _truthy(self.operand.value(current, root))


Expr: TypeAlias = Const | RelPath | Comparison | Logical | Negation


def _is_definite(selectors: tuple[Selector, ...]) -> bool:
    return all(
        (isinstance(s, Child) and len(s.names) == 1) or (isinstance(s, Index) and len(s.indexes) == 1)
        for s in selectors
    )


# ---------------------------------------------------------------------------------------------------
# Parser


class _Parser:
    """Recursive descent over the text; `stop` lets an enclosing grammar (intrinsics) end a path early."""

    def __init__(self, text: str, pos: int = 0) -> None:
        self.text = text
        self.pos = pos

    def error(self, reason: str, offset: int | None = None) -> PathSyntaxError:
        return PathSyntaxError(self.text, self.pos if offset is None else offset, reason)

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise self.error(f"expected '{token}'")
        self.pos += len(token)

    def root(self) -> tuple[Root, str | None]:
        if self.peek() != "$":
            raise self.error("a path must start with '$'")
        self.pos += 1
        if self.peek() == "$":
            self.pos += 1
            return "context", None
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _VAR_CHARS:
            self.pos += 1
        if self.pos == start:
            return "input", None
        name = self.text[start : self.pos]
        if name[0].isdigit():
            raise self.error("a variable name cannot start with a digit", start)
        return "variable", name

    def selectors(self) -> tuple[Selector, ...]:
        out: list[Selector] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "[":
                out.append(self.bracket())
            elif self.text.startswith("..", self.pos):
                self.pos += 2
                if self.peek() == "[":
                    inner: Selector = self.bracket()
                elif self.peek() == "*":
                    self.pos += 1
                    inner = Wildcard()
                else:
                    inner = Child((self.dot_name(),))
                out.append(Descendant(inner))
            elif ch == ".":
                self.pos += 1
                if self.peek() == "*":
                    self.pos += 1
                    out.append(Wildcard())
                else:
                    out.append(Child((self.dot_name(),)))
            else:
                break
        return tuple(out)

    def dot_name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _NAME_STOP:
            self.pos += 1
        if self.pos == start:
            raise self.error("expected a property name")
        return self.text[start : self.pos]

    def bracket(self) -> Selector:
        open_at = self.pos
        self.expect("[")
        self.skip_ws()
        ch = self.peek()
        if ch == "*":
            self.pos += 1
            selector: Selector = Wildcard()
        elif ch == "?":
            self.pos += 1
            self.expect("(")
            selector = Filter(self.or_expr())
            self.skip_ws()
            self.expect(")")
        elif ch in ("'", '"'):
            names = [self.quoted()]
            self.skip_ws()
            while self.peek() == ",":
                self.pos += 1
                self.skip_ws()
                names.append(self.quoted())
                self.skip_ws()
            selector = Child(tuple(names))
        else:
            selector = self.index_or_slice()
        self.skip_ws()
        if self.peek() != "]":
            raise self.error(f"expected ']' to close the '[' at offset {open_at}")
        self.pos += 1
        return selector

    def quoted(self) -> str:
        quote = self.peek()
        if quote not in ("'", '"'):
            raise self.error("expected a quoted name")
        self.pos += 1
        chars: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise self.error("unterminated string")
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
            elif ch == quote:
                self.pos += 1
                return "".join(chars)
            else:
                chars.append(ch)
                self.pos += 1

    def integer(self) -> int | None:
        self.skip_ws()
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1
        if self.pos == start:
            return None
        try:
            return int(self.text[start : self.pos])
        except ValueError:
            raise self.error("expected an integer", start) from None

    def index_or_slice(self) -> Selector:
        first = self.integer()
        self.skip_ws()
        if self.peek() == ":":
            self.pos += 1
            end = self.integer()
            return Slice(first, end)
        if first is None:
            raise self.error("expected an index, a slice, '*', a quoted name or a filter")
        indexes = [first]
        while self.peek() == ",":
            self.pos += 1
            nxt = self.integer()
            if nxt is None:
                raise self.error("expected an index")
            indexes.append(nxt)
            self.skip_ws()
        return Index(tuple(indexes))

    # filter expressions ----------------------------------------------------------------------------

    def or_expr(self) -> Expr:
        left = self.and_expr()
        while True:
            self.skip_ws()
            if not self.text.startswith("||", self.pos):
                return left
            self.pos += 2
            left = Logical("||", left, self.and_expr())

    def and_expr(self) -> Expr:
        left = self.unary()
        while True:
            self.skip_ws()
            if not self.text.startswith("&&", self.pos):
                return left
            self.pos += 2
            left = Logical("&&", left, self.unary())

    def unary(self) -> Expr:
        self.skip_ws()
        if self.peek() == "!" and self.peek(2) != "!=":
            self.pos += 1
            return Negation(self.unary())
        if self.peek() == "(":
            self.pos += 1
            inner = self.or_expr()
            self.skip_ws()
            self.expect(")")
            return inner
        left = self.operand()
        self.skip_ws()
        for op in ("==", "!=", "<=", ">=", "=~", "<", ">", " in ", " nin "):
            token = op.strip()
            if self.text.startswith(token, self.pos) and (
                op[0] != " " or self.text[self.pos + len(token) : self.pos + len(token) + 1] in (" ", "[")
            ):
                self.pos += len(token)
                return Comparison(token, left, self.operand(regex=token == "=~"))
        return left

    def operand(self, regex: bool = False) -> Expr:
        self.skip_ws()
        start = self.pos
        ch = self.peek()
        if ch in ("@", "$"):
            self.pos += 1
            return RelPath(ch == "@", self.selectors())
        if regex and ch == "/":
            end = self.text.find("/", self.pos + 1)
            if end < 0:
                raise self.error("unterminated regular expression")
            self.pos = end + 1
            flags = 0
            while self.peek() in ("i", "m", "s"):
                flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}[self.peek()]
                self.pos += 1
            try:
                pattern = re.compile(self.text[start + 1 : end], flags)
            except re.error as exc:
                raise self.error(f"invalid regular expression: {exc}", start) from None
            return Const(pattern, self.text[start : self.pos])
        value = self.literal()
        return Const(value, self.text[start : self.pos].strip())

    def literal(self) -> JSON:
        self.skip_ws()
        ch = self.peek()
        if ch in ("'", '"'):
            return self.quoted()
        if ch == "[":
            self.pos += 1
            items: list[JSON] = []
            self.skip_ws()
            while self.peek() != "]":
                items.append(self.literal())
                self.skip_ws()
                if self.peek() == ",":
                    self.pos += 1
                    self.skip_ws()
                elif self.peek() != "]":
                    raise self.error("expected ',' or ']'")
            self.pos += 1
            return items
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return value
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in "+-0123456789.eE":
            self.pos += 1
        number = self.text[start : self.pos]
        try:
            return int(number) if number.lstrip("-").isdigit() else float(number)
        except ValueError:
            raise self.error("expected a literal, '@' or '$'", start) from None


def _parse_at(text: str, pos: int) -> tuple[Path, int]:
    """Parse a path starting at `pos`; returns it and the offset where it ends (for intrinsics)."""
    parser = _Parser(text, pos)
    root, variable = parser.root()
    selectors = parser.selectors()
    return Path(text[pos : parser.pos], root, variable, selectors), parser.pos


def parse_path(text: str) -> Path:
    """Parse a JSONPath (`$...` input, `$$...` context, `$name...` variable); raises PathSyntaxError."""
    if not isinstance(text, str):
        raise PathSyntaxError(repr(text), 0, "a path must be a string")
    path, end = _parse_at(text, 0)
    if end != len(text):
        raise PathSyntaxError(text, end, f"unexpected character {text[end]!r}")
    return path


# ---------------------------------------------------------------------------------------------------
# Path and ReferencePath


def _walk(steps: tuple[Step, ...], node: JSON, text: str) -> JSON:
    for step in steps:
        if step.__class__ is str:
            if not isinstance(node, dict):
                raise PathNotFound(text)
            try:
                node = node[step]
            except KeyError:
                raise PathNotFound(text) from None
        else:
            if not isinstance(node, list):
                raise PathNotFound(text)
            try:
                node = node[step]  # type: ignore[index]
            except IndexError:
                raise PathNotFound(text) from None
    return node


def _compile(path: Path) -> Callable[[JSON, Env], JSON]:
    text, steps, root, variable = path.text, path.steps, path.root, path.variable

    def fetch_root(data: JSON, env: Env) -> JSON:
        if root == "input":
            return data
        if root == "context":
            return env.context
        try:
            return env.variables[variable]  # type: ignore[index]
        except KeyError:
            raise PathNotFound(text) from None

    if steps is None:
        selectors = path.selectors

        def indefinite(data: JSON, env: Env) -> JSON:
            top = fetch_root(data, env)
            nodes = [top]
            for selector in selectors:
                out: list[JSON] = []
                for node in nodes:
                    selector.select(node, top, out)
                nodes = out
            return nodes

        return indefinite
    if root == "input" and len(steps) == 1 and steps[0].__class__ is str:
        key = steps[0]

        def one_key(data: JSON, env: Env) -> JSON:
            if data.__class__ is dict:
                try:
                    return data[key]
                except KeyError:
                    pass
            return _walk(steps, data, text)

        return one_key
    if root == "input":
        return lambda data, env: _walk(steps, data, text)
    return lambda data, env: _walk(steps, fetch_root(data, env), text)


@dataclass(frozen=True, slots=True, eq=False)
class Path:
    """A parsed JSONPath. Equality is structural (root, variable, selectors), not textual."""

    text: str
    root: Root
    variable: str | None
    selectors: tuple[Selector, ...]
    definite: bool = field(init=False)
    steps: tuple[Step, ...] | None = field(init=False)
    _evaluate: Callable[[JSON, Env], JSON] = field(init=False)

    def __post_init__(self) -> None:
        definite = _is_definite(self.selectors)
        object.__setattr__(self, "definite", definite)
        steps: tuple[Step, ...] | None = None
        if definite:
            steps = tuple(s.names[0] if isinstance(s, Child) else s.indexes[0] for s in self.selectors)  # type: ignore[union-attr]
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "_evaluate", _compile(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Path):
            return NotImplemented
        return (self.root, self.variable, self.selectors) == (other.root, other.variable, other.selectors)

    def __hash__(self) -> int:
        return hash((self.root, self.variable, self.selectors))

    def __str__(self) -> str:
        head = {"input": "$", "context": "$$", "variable": f"${self.variable}"}[self.root]
        return head + "".join(str(s) for s in self.selectors)

    def __repr__(self) -> str:
        return f"Path({str(self)!r})"

    @property
    def bracket_text(self) -> str:
        """Jayway's normalised form (`$['a'][0]`), which AWS quotes in some error messages."""
        head = {"input": "$", "context": "$$", "variable": f"${self.variable}"}[self.root]
        parts = []
        for s in self.selectors:
            if isinstance(s, Child):
                parts.append("[" + ",".join(_quote(n) for n in s.names) + "]")
            else:
                parts.append(str(s))
        return head + "".join(parts)

    @property
    def evaluator(self) -> Callable[[JSON, Env], JSON]:
        """`evaluate` as a plain function (one call less on hot paths)."""
        return self._evaluate

    def evaluate(self, data: JSON, env: Env) -> JSON:
        """The selected value (definite path; PathNotFound if absent) or the list of matches."""
        return self._evaluate(data, env)


@dataclass(frozen=True, slots=True)
class ReferencePath:
    """A definite path that names one node: read it with `get`, write a new value there with `set`."""

    path: Path

    @property
    def text(self) -> str:
        return self.path.text

    def __str__(self) -> str:
        return str(self.path)

    def get(self, data: JSON, env: Env) -> JSON:
        """The value at the path; PathNotFound if absent."""
        return self.path.evaluate(data, env)

    def set(self, data: JSON, value: JSON) -> JSON:
        """A new value with `value` placed at the path, sharing everything off the path.

        Missing objects along the path are created. Raises `States.ResultPathMatchFailure` when a
        step cannot be applied (through a string, a number, null, or past the end of an array).
        """
        steps = self.path.steps
        assert steps is not None
        if not steps:
            return value
        return self._set(data, steps, 0, value, data)

    def _set(self, node: JSON, steps: tuple[Step, ...], i: int, value: JSON, whole: JSON) -> JSON:
        step = steps[i]
        last = i == len(steps) - 1
        if isinstance(step, str) and isinstance(node, dict):
            child = node.get(step, _MISSING)
            if child is _MISSING:
                child = {}
            new = dict(node)
            new[step] = value if last else self._set(child, steps, i + 1, value, whole)
            return new
        if isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
            new_list = list(node)
            new_list[step] = value if last else self._set(node[step], steps, i + 1, value, whole)
            return new_list
        raise AslFailure(
            RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply ReferencePath {self.path.text} to input {compact_json(whole)}",
        )


def parse_reference_path(text: str) -> ReferencePath:
    """Parse a definite path (`$`, `$.a`, `$['a']`, `$.a[2]`, `$$...`, `$var...`); else PathSyntaxError."""
    path = parse_path(text)
    if not path.definite:
        offsets = [i for i in (text.find(t) for t in ("..", "*", "?", ":", ",")) if i >= 0]
        raise PathSyntaxError(text, min(offsets, default=0), "a reference path must select a single node")
    return ReferencePath(path)

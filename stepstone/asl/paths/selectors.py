"""Path selectors: small frozen nodes, each mapping a node to the nodes it selects, as Jayway does.

`select(node, root, out)` appends what the selector picks from `node` (the indefinite evaluation: a
missing name or an index out of range selects nothing). `str()` is the canonical text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from stepstone.asl.json import JSON

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: What a definite filter operand selects when nothing is there (Jayway's UNDEFINED).
MISSING: object = object()


class Predicate(Protocol):
    """A filter expression: does it hold for the element `current` of a document whose root is `root`?"""

    def holds(self, current: JSON, root: JSON) -> bool: ...


def quote(name: str) -> str:
    """A name as a single-quoted bracket member, escaped so the parser reads it back."""
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True, slots=True)
class Child:
    """`.name`, `['name']` or `['a','b']`: several names as the last step merge into one object."""

    names: tuple[str, ...]

    def __str__(self) -> str:
        if len(self.names) == 1 and IDENT.match(self.names[0]):
            return "." + self.names[0]
        return "[" + ",".join(quote(n) for n in self.names) + "]"

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if isinstance(node, dict):
            for name in self.names:
                if name in node:
                    out.append(node[name])

    def merge(self, node: dict[str, JSON]) -> dict[str, JSON]:
        """Jayway's leaf `['a','b']`: one object holding the names that are present, in path order."""
        return {name: node[name] for name in self.names if name in node}


@dataclass(frozen=True, slots=True)
class Index:
    """`[2]`, `[-1]` (from the end) or the union `[0,2]`."""

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
class FromEnd:
    """`[(@.length-1)]`: the element `offset` before the end (Jayway 2.0's script index)."""

    offset: int

    def __str__(self) -> str:
        return f"[(@.length-{self.offset})]"

    def index(self, size: int) -> int:
        return size - self.offset

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if isinstance(node, list) and 0 <= self.index(len(node)) < len(node):
            out.append(node[self.index(len(node))])


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
    """`[start:end]` with Jayway's bounds: a negative bound counts from the end, a missing one is open."""

    start: int | None
    end: int | None

    def __str__(self) -> str:
        start = "" if self.start is None else str(self.start)
        end = "" if self.end is None else str(self.end)
        return f"[{start}:{end}]"

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if not isinstance(node, list) or not node:
            return
        size = len(node)
        if self.end is None:  # [from:]
            start = self.start or 0
            out.extend(node[max(0, size + start if start < 0 else start) :])
        elif self.start is None:  # [:to]
            out.extend(node[: max(0, size + self.end if self.end < 0 else self.end)])
        else:  # [from:to]: Jayway walks from..to-1 and reads a negative index from the end
            for i in range(self.start, min(size, self.end)):
                if -size <= i < size:
                    out.append(node[i])


@dataclass(frozen=True, slots=True)
class Filter:
    """`[?(expr)]`: the elements of an array (or the object itself) for which `expr` holds."""

    expr: Predicate

    def __str__(self) -> str:
        inner = str(self.expr)  # Jayway prints `[?(a && b)]`, not `[?((a && b))]`
        return f"[?{inner}]" if inner.startswith("(") else f"[?({inner})]"

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        if isinstance(node, list):
            out.extend(item for item in node if self.expr.holds(item, root))
        elif isinstance(node, dict) and self.expr.holds(node, root):
            out.append(node)


@dataclass(frozen=True, slots=True)
class Descendant:
    """`..x`: the selector applied to the node and to every node beneath it, in document order."""

    selector: Child | Index | FromEnd | Wildcard | Slice | Filter

    def __str__(self) -> str:
        inner = str(self.selector)
        return ".." + inner[1:] if inner.startswith(".") else ".." + inner

    def select(self, node: JSON, root: JSON, out: list[JSON]) -> None:
        selector = self.selector
        for each in walk(node):
            if not isinstance(selector, Filter):
                selector.select(each, root, out)
            # Jayway's scan tests a filter on each node itself, so an array's elements are picked
            # when the walk reaches them, not twice.
            elif isinstance(each, dict) and selector.expr.holds(each, root):
                out.append(each)


def walk(node: JSON) -> Iterator[JSON]:
    """The node and every node beneath it, in document order (what `..` visits)."""
    yield node
    if isinstance(node, dict):
        for child in node.values():
            yield from walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from walk(child)


Selector: TypeAlias = Child | Index | FromEnd | Wildcard | Slice | Filter | Descendant


def is_definite(selectors: tuple[Selector, ...]) -> bool:
    """Jayway's definite path: single names and indexes only, or several names as the last step."""
    last = len(selectors) - 1
    for i, s in enumerate(selectors):
        if isinstance(s, Child):
            if len(s.names) > 1 and i != last:
                return False
        elif isinstance(s, Index):
            if len(s.indexes) > 1:
                return False
        elif not isinstance(s, FromEnd):
            return False
    return True


def _merges(selector: Selector) -> bool:
    return isinstance(selector, Child) and len(selector.names) > 1


def select_all(selectors: tuple[Selector, ...], top: JSON, root: JSON) -> list[JSON]:
    """Every node the selectors pick from `top`, in document order (the indefinite evaluation)."""
    nodes = [top]
    last = len(selectors) - 1
    for i, selector in enumerate(selectors):
        out: list[JSON] = []
        if i == last and isinstance(selector, Child) and len(selector.names) > 1:
            out = [selector.merge(node) for node in nodes if isinstance(node, dict)]
        elif i == last and isinstance(selector, Descendant) and _merges(selector.selector):
            # `..['a','b']` last: one merged object per node that has every name, as Jayway scans
            names = selector.selector.names  # type: ignore[union-attr]
            found = (
                n for node in nodes for n in walk(node) if isinstance(n, dict) and all(k in n for k in names)
            )
            out = [selector.selector.merge(n) for n in found]  # type: ignore[union-attr]
        else:
            for node in nodes:
                selector.select(node, root, out)
        nodes = out
    return nodes

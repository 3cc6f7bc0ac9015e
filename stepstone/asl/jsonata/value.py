"""A JSON value whose string leaves may be `{% %}` expressions: Arguments, Output, Assign, Items, ...

`compile_value` walks the value once, when the definition is compiled, and keeps only the paths that
lead to an expression; evaluation rebuilds those paths and shares every static part as is (no copy).
Each expression knows the field it was written in, named as AWS names it in its messages:
`Output`, `Output/a/b[0]`, `Assign/x`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stepstone.asl.env import Env
from stepstone.asl.json import JSON
from stepstone.asl.jsonata.errors import JsonataSyntaxError
from stepstone.asl.jsonata.expression import Expression, Now, expression_text, is_expression
from stepstone.asl.jsonata.fast import Evaluator, Fallback


@dataclass(frozen=True, slots=True)
class _Leaf:
    expression: Expression
    field: str


@dataclass(frozen=True, slots=True)
class _Object:
    static: dict[str, JSON]
    # Only the members that hold an expression somewhere below; the rest are copied from `static`.
    dynamic: tuple[tuple[str, _Node], ...]


@dataclass(frozen=True, slots=True)
class _Array:
    static: list[JSON]
    dynamic: tuple[tuple[int, _Node], ...]


_Node = _Leaf | _Object | _Array


class CompiledValue:
    """A compiled template value: evaluate() answers the value with each expression replaced by its result."""

    __slots__ = ("_fast", "_node", "field", "source")

    def __init__(self, source: JSON, field: str, node: _Node | None) -> None:
        self.source = source
        self.field = field
        self._node = node
        # When every expression inside has a fast path, one closure builds the whole value.
        self._fast = None if node is None else _fast_builder(node)

    @property
    def is_static(self) -> bool:
        """True when the value holds no expression at all (evaluate returns `source` itself)."""
        return self._node is None

    def evaluate(
        self, states: JSON, variables: Mapping[str, JSON], env: Env, *, now: Now | None = None
    ) -> JSON:
        """The value with its expressions evaluated; any expression yielding undefined fails its field."""
        if self._node is None:
            return self.source
        if self._fast is not None:
            try:
                return self._fast(states, variables)
            except (Fallback, RecursionError):
                pass  # one part is not sure: the general walk, where each expression asks jlens if need be
        return _evaluate(self._node, states, variables, env, now)

    def __repr__(self) -> str:
        return f"CompiledValue({self.source!r}, field={self.field!r})"


def compile_value(value: JSON, field: str) -> CompiledValue:
    """Compile every `{% %}` string inside `value`; a syntax error names the field and points at the fault."""
    return CompiledValue(value, field, _compile(value, field))


def _compile(value: JSON, field: str) -> _Node | None:
    if is_expression(value):
        text = expression_text(value)
        try:
            return _Leaf(Expression(text), field)
        except JsonataSyntaxError as exc:
            raise FieldSyntaxError(field, exc) from None
    if isinstance(value, Mapping):
        members = tuple(
            (key, node)
            for key, item in value.items()
            if (node := _compile(item, f"{field}/{key}")) is not None
        )
        return _Object(dict(value), members) if members else None
    if isinstance(value, list):
        items = tuple(
            (index, node)
            for index, item in enumerate(value)
            if (node := _compile(item, f"{field}[{index}]")) is not None
        )
        return _Array(list(value), items) if items else None
    return None


def _evaluate(node: _Node, states: JSON, variables: Mapping[str, JSON], env: Env, now: Now | None) -> JSON:
    if isinstance(node, _Leaf):
        return node.expression.evaluate(states, variables, env, field=node.field, now=now)
    if isinstance(node, _Object):
        built = dict(node.static)
        for key, child in node.dynamic:
            built[key] = _evaluate(child, states, variables, env, now)
        return built
    items = list(node.static)
    for index, child in node.dynamic:
        items[index] = _evaluate(child, states, variables, env, now)
    return items


def _fast_builder(node: _Node) -> Evaluator | None:
    if isinstance(node, _Leaf):
        return node.expression.fast_path
    parts: list[tuple[Any, Evaluator]] = []
    for place, child in node.dynamic:
        builder = _fast_builder(child)
        if builder is None:
            return None
        parts.append((place, builder))
    static = node.static
    copy: Callable[[Any], Any] = dict if isinstance(static, dict) else list

    def build(states: JSON, variables: Mapping[str, JSON]) -> JSON:
        built = copy(static)
        for place, builder in parts:
            built[place] = builder(states, variables)
        return built

    return build


class FieldSyntaxError(JsonataSyntaxError):
    """A syntax error in an expression of a template value; `field` says where (`Output/a/b[0]`)."""

    def __init__(self, field: str, error: JsonataSyntaxError) -> None:
        self.field = field
        super().__init__(error.expression, error.position, error.message, error.code)

    def render(self) -> str:
        return f"in field '{self.field}': {super().render()}"

"""A parsed path, how it is evaluated, and how a definite path that selects nothing is explained.

A path of single names and indexes (`$.a.b[0]`, the common case) is compiled to a tuple of keys
and walked without allocation. Any other definite path (`['a','b']` last, `[(@.length-1)]`) walks
its selectors one node at a time; an indefinite path returns the list of its matches, possibly
empty, and never fails. When a definite path misses, it is walked again to say why in Jayway 2.0's
words, which AWS quotes (`Missing property in path $['a']`, `Property ['b'] not found in path ...`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias

from stepstone.asl.env import Env
from stepstone.asl.errors import RESULT_PATH_MATCH_FAILURE, AslFailure
from stepstone.asl.json import JSON
from stepstone.asl.paths.errors import PathNotFound, compact_json
from stepstone.asl.paths.parse_selectors import Root
from stepstone.asl.paths.selectors import Child, FromEnd, Index, Selector, is_definite, quote, select_all

Step: TypeAlias = str | int
_MISSING = object()


def _fragment(selector: Selector) -> str:
    """A step as Jayway 2.0 prints it in messages (no escaping, `', '` between names)."""
    if isinstance(selector, Child):
        return "[" + ", ".join(f"'{n}'" for n in selector.names) + "]"
    if isinstance(selector, FromEnd):
        return f"[@.size()-{selector.offset}]"
    return str(selector)


def definite_value(path: Path, top: JSON) -> JSON:
    """The node a definite path selects from `top`; PathNotFound with Jayway's reason if none."""
    node, here = top, path.head
    selectors = path.selectors
    for i, selector in enumerate(selectors):
        leaf = i == len(selectors) - 1
        if isinstance(selector, Child):
            if not isinstance(node, dict):
                raise PathNotFound(path.text, f"Property {_fragment(selector)} not found in path {here}")
            if len(selector.names) > 1:
                return selector.merge(node)
            name = selector.names[0]
            here = f"{here}['{name}']"
            if name not in node:
                reason = "No results for path: " if leaf else "Missing property in path "
                raise PathNotFound(path.text, reason + here)
            node = node[name]
            continue
        if node is None:
            raise PathNotFound(path.text, f"The path {here} is null")
        if not isinstance(node, list):
            rest = "".join(_fragment(s) for s in selectors[i:])
            reason = f"Filter: {rest} can only be applied to arrays. Current context is: {compact_json(node)}"
            raise PathNotFound(path.text, reason)
        assert isinstance(selector, Index | FromEnd)
        index = selector.indexes[0] if isinstance(selector, Index) else selector.index(len(node))
        here = f"{here}[{index}]"
        lowest = -len(node) if isinstance(selector, Index) else 0  # a script index never wraps
        if not lowest <= index < len(node):
            raise PathNotFound(path.text, f"Index out of bounds when evaluating path {here}")
        node = node[index]
    return node


def _walk(steps: tuple[Step, ...], top: JSON, path: Path) -> JSON:
    node = top
    for step in steps:
        if step.__class__ is str:
            if not isinstance(node, dict):
                return definite_value(path, top)
            try:
                node = node[step]
            except KeyError:
                return definite_value(path, top)
        else:
            if not isinstance(node, list):
                return definite_value(path, top)
            try:
                node = node[step]  # type: ignore[index]
            except IndexError:
                return definite_value(path, top)
    return node


def _compile(path: Path) -> Callable[[JSON, Env], JSON]:
    steps, root, variable = path.steps, path.root, path.variable

    def fetch_root(data: JSON, env: Env) -> JSON:
        if root == "input":
            return data
        if root == "context":
            return env.context
        value = env.variables.get(variable, _MISSING)  # type: ignore[arg-type]
        if value is _MISSING:
            raise PathNotFound(path.text, f"No results for path: {path.bracket_text}")
        return value

    if steps is None:
        selectors = path.selectors
        if path.definite:
            return lambda data, env: definite_value(path, fetch_root(data, env))

        def indefinite(data: JSON, env: Env) -> JSON:
            top = fetch_root(data, env)
            return select_all(selectors, top, top)

        return indefinite
    if root == "input" and len(steps) == 1 and steps[0].__class__ is str:
        key = steps[0]

        def one_key(data: JSON, env: Env) -> JSON:
            if data.__class__ is dict:
                try:
                    return data[key]
                except KeyError:
                    pass
            return definite_value(path, data)

        return one_key
    if root == "input":
        return lambda data, env: _walk(steps, data, path)
    return lambda data, env: _walk(steps, fetch_root(data, env), path)


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
        object.__setattr__(self, "definite", is_definite(self.selectors))
        steps: list[Step] | None = []
        for s in self.selectors:
            if isinstance(s, Child) and len(s.names) == 1:
                steps.append(s.names[0])  # type: ignore[union-attr]
            elif isinstance(s, Index) and len(s.indexes) == 1:
                steps.append(s.indexes[0])  # type: ignore[union-attr]
            else:
                steps = None
                break
        object.__setattr__(self, "steps", None if steps is None else tuple(steps))
        object.__setattr__(self, "_evaluate", _compile(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Path):
            return NotImplemented
        return (self.root, self.variable, self.selectors) == (other.root, other.variable, other.selectors)

    def __hash__(self) -> int:
        return hash((self.root, self.variable, self.selectors))

    def __str__(self) -> str:
        return self.head + "".join(str(s) for s in self.selectors)

    def __repr__(self) -> str:
        return f"Path({str(self)!r})"

    @property
    def head(self) -> str:
        """The root as written: `$`, `$$` or `$name`."""
        return {"input": "$", "context": "$$", "variable": f"${self.variable}"}[self.root]

    @property
    def bracket_text(self) -> str:
        """Jayway's normalised form (`$['a'][0]`), which AWS quotes in some error messages."""
        parts = []
        for s in self.selectors:
            parts.append("[" + ",".join(quote(n) for n in s.names) + "]" if isinstance(s, Child) else str(s))
        return self.head + "".join(parts)

    @property
    def evaluator(self) -> Callable[[JSON, Env], JSON]:
        """`evaluate` as a plain function (one call less on hot paths)."""
        return self._evaluate

    def evaluate(self, data: JSON, env: Env) -> JSON:
        """The selected value (definite path; PathNotFound if absent) or the list of matches."""
        return self._evaluate(data, env)


@dataclass(frozen=True, slots=True)
class ReferencePath:
    """A path of single names and indexes: read it with `get`, write a new value there with `set`."""

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

"""Payload templates: Parameters, ResultSelector, ItemSelector, legacy Map Parameters, JSONPath Assign.

    TemplateSyntaxError(ValueError)   a dynamic field holds a bad path or intrinsic; `.pointer` says where

A key ending in `.$` is dynamic: its value is a path (`$...`, `$$...`, `$var...`) or an intrinsic
call, and the output key drops the `.$`. A template is compiled once into nested closures; a
template with no dynamic field anywhere evaluates to the very same object every time (no copy),
and a static subtree inside a dynamic template is shared, not copied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stepstone.asl.env import Env
from stepstone.asl.errors import RUNTIME, AslFailure
from stepstone.asl.intrinsics import IntrinsicCall, IntrinsicSyntaxError, is_intrinsic, parse_intrinsic
from stepstone.asl.intrinsics.parser import PathArg
from stepstone.asl.json import JSON
from stepstone.asl.paths import PathNotFound, PathSyntaxError, compact_json, parse_path

__all__ = ["Template", "TemplateSyntaxError", "compile_template"]

Evaluator = Callable[[JSON, Env], JSON]


class TemplateSyntaxError(ValueError):
    """A dynamic field of a template is not a valid path or intrinsic call."""

    def __init__(self, pointer: str, field: str, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.pointer = pointer
        self.field = field
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        where = f"{self.field}{self.pointer}"
        return f"{where}: {self.reason}" + (f"\n{self.detail}" if self.detail else "")


def _escape_pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


@dataclass(slots=True)
class _Flags:
    context: bool = False
    variables: bool = False

    def note(self, root: str) -> None:
        if root == "context":
            self.context = True
        elif root == "variable":
            self.variables = True


def _note_call(call: IntrinsicCall, flags: _Flags) -> None:
    for arg in call.args:
        if isinstance(arg, IntrinsicCall):
            _note_call(arg, flags)
        elif isinstance(arg, PathArg):
            flags.note(arg.path.root)


def _dynamic(key: str, text: JSON, pointer: str, field: str, flags: _Flags) -> Evaluator:
    if not isinstance(text, str):
        raise TemplateSyntaxError(
            pointer, field, f"the value of '{key}' must be a string (a path or intrinsic)"
        )
    if is_intrinsic(text):
        try:
            call = parse_intrinsic(text)
        except IntrinsicSyntaxError as exc:
            raise TemplateSyntaxError(pointer, field, exc.reason, str(exc)) from None
        _note_call(call, flags)
        return _guard(call.evaluator, key)
    try:
        path = parse_path(text)
    except PathSyntaxError as exc:
        raise TemplateSyntaxError(pointer, field, exc.reason, str(exc)) from None
    flags.note(path.root)
    return _guard(path.evaluator, key)


def _not_found(path_text: str, key: str, data: JSON) -> AslFailure:
    return AslFailure(
        RUNTIME,
        f"The JSONPath '{path_text}' specified for the field '{key}' could not be found "
        f"in the input '{compact_json(data)}'",
    )


def _guard(evaluate: Evaluator, key: str) -> Evaluator:
    def run(data: JSON, env: Env) -> JSON:
        try:
            return evaluate(data, env)
        except PathNotFound as exc:
            raise _not_found(exc.path, key, data) from None

    return run


def _compile(value: JSON, pointer: str, field: str, flags: _Flags) -> Evaluator | None:
    """An evaluator for `value`, or None when `value` is static (contains no dynamic field)."""
    if isinstance(value, dict):
        parts: list[tuple[str, Evaluator | None, JSON]] = []
        dynamic = False
        for key, child in value.items():
            child_pointer = f"{pointer}/{_escape_pointer(key)}"
            if key.endswith(".$"):
                parts.append((key[:-2], _dynamic(key, child, child_pointer, field, flags), None))
                dynamic = True
            else:
                evaluator = _compile(child, child_pointer, field, flags)
                parts.append((key, evaluator, child))
                dynamic = dynamic or evaluator is not None
        if not dynamic:
            return None
        items = tuple(parts)

        def build(data: JSON, env: Env) -> JSON:
            out = {}
            for k, e, v in items:
                out[k] = v if e is None else e(data, env)
            return out

        return build
    if isinstance(value, list):
        evaluators = [_compile(item, f"{pointer}/{i}", field, flags) for i, item in enumerate(value)]
        if all(e is None for e in evaluators):
            return None
        elements = tuple(zip(evaluators, value, strict=True))

        def build_list(data: JSON, env: Env) -> JSON:
            return [v if e is None else e(data, env) for e, v in elements]

        return build_list
    return None


class Template:
    """A compiled payload template."""

    __slots__ = ("_evaluate", "field", "references_context", "references_variables", "source")

    def __init__(self, source: JSON, field: str, evaluate: Evaluator | None, flags: _Flags) -> None:
        self.source = source
        self.field = field
        self._evaluate = evaluate
        self.references_context = flags.context
        self.references_variables = flags.variables

    @property
    def static(self) -> bool:
        """True when the template has no dynamic field (evaluation returns `source` itself)."""
        return self._evaluate is None

    def evaluate(self, data: JSON, env: Env) -> JSON:
        """The payload built from `data` and `env`; a path not found is a States.Runtime failure."""
        if self._evaluate is None:
            return self.source
        return self._evaluate(data, env)


def compile_template(value: JSON, field: str = "Parameters") -> Template:
    """Compile a template; raises TemplateSyntaxError (with a JSON Pointer) for a bad dynamic field."""
    flags = _Flags()
    evaluate = _compile(value, "", field, flags)
    return Template(value, field, evaluate, flags)

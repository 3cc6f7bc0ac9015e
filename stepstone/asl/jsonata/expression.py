"""A compiled JSONata expression, evaluated with `$states`, the variables and AWS's extension functions.

The engine is jlens (a Rust JSONata engine; docs/jsonata.md records why). An expression is compiled once
per definition and evaluated many times. Evaluation is pure: the clock `$now()`/`$millis()` read is an
argument (by default the time the state was entered, from `$states.context`), and randomness comes
from `env.rng`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import jlens

from stepstone.asl.env import Env
from stepstone.asl.json import JSON
from stepstone.asl.jsonata.errors import (
    JsonataSyntaxError,
    evaluation_failed,
    json_type_name,
    returned_nothing,
    unexpected_type,
)
from stepstone.asl.jsonata.fast import Evaluator, Fallback, compile_fast
from stepstone.asl.jsonata.functions import EXTENSIONS, REMOVED, FunctionError, current_env

EXPRESSION_START: Final = "{%"
EXPRESSION_END: Final = "%}"

Now = int | float | datetime | str


class _Undefined:
    """JSONata's `undefined`: an expression that selected nothing (distinct from JSON `null`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Final = _Undefined()


def is_expression(value: object) -> bool:
    """True for a string that AWS reads as JSONata: it starts with `{%` and ends with `%}`, nothing around."""
    return (
        isinstance(value, str)
        and len(value) >= 4
        and value.startswith(EXPRESSION_START)
        and value.endswith(EXPRESSION_END)
    )


def expression_text(value: str) -> str:
    """The JSONata inside a `{% ... %}` string, as AWS quotes it in messages (surrounding blanks dropped)."""
    return value[len(EXPRESSION_START) : -len(EXPRESSION_END)].strip()


def compile_expression(text: str) -> Expression:
    """Compile the text inside `{% %}`; raises JsonataSyntaxError (with its position) if it does not parse."""
    return Expression(text)


def _default_now(states: JSON) -> Now:
    # Pin the clock to the state's entry (then the execution's start): never the wall clock, so the
    # same history replays to the same values.
    context = states.get("context") if isinstance(states, Mapping) else None
    if isinstance(context, Mapping):
        for section, key in (("State", "EnteredTime"), ("Execution", "StartTime")):
            part = context.get(section)
            if isinstance(part, Mapping) and isinstance(part.get(key), str):
                return str(part[key])
    return 0


class Expression:
    """One compiled JSONata expression; `str()` is its source text."""

    __slots__ = ("_compiled", "_fast", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # The common shapes (lookups, arithmetic, comparisons, constructors) skip jlens: fast.py.
        self._fast = compile_fast(text)
        try:
            self._compiled = jlens.Expression(text)
            for name, function in EXTENSIONS.items():
                self._compiled.register_function(name, function)
        except jlens.JlensError as exc:
            # Point at the start of the offending token; the engine's `position` is just past it.
            position = exc.start if exc.start is not None else (exc.position or 0)
            raise JsonataSyntaxError(text, position, _message(exc), exc.code) from None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate_optional(
        self,
        states: JSON,
        variables: Mapping[str, JSON],
        env: Env,
        *,
        field: str = "",
        now: Now | None = None,
        context_item: JSON = None,
    ) -> JSON | _Undefined:
        """The value of the expression, or UNDEFINED when it selects nothing.

        `$states` is bound to `states` ({"input", "result"?, "errorOutput"?, "context"}), each variable
        to `$name`, and AWS's extension functions over them. A failing evaluation raises AslFailure
        (States.QueryEvaluationError) naming `field`. AWS gives an expression no context item (`$`);
        `context_item` exists for running the JSONata language's own test suite.
        """
        if self._fast is not None and context_item is None:
            try:
                return self._fast(states, variables)
            except (Fallback, RecursionError):
                pass  # not sure of jlens's answer: ask jlens
        return self._jlens(states, variables, env, field, now, context_item)

    @property
    def fast_path(self) -> Evaluator | None:
        """The direct evaluator (raising Fallback when unsure), or None when only jlens evaluates this."""
        return self._fast

    def _jlens(
        self,
        states: JSON,
        variables: Mapping[str, JSON],
        env: Env,
        field: str,
        now: Now | None,
        context_item: JSON,
    ) -> JSON | _Undefined:
        bindings: dict[str, Any] = dict(variables)
        bindings.update(REMOVED)
        bindings["states"] = states
        clock = _default_now(states) if now is None else now
        token = current_env.set(env)
        try:
            result = self._compiled.evaluate(context_item, bindings, now=clock)
            if result is None and self._evaluate_json(context_item, bindings, clock) is None:
                # The engine answers None for both null and undefined; its JSON form tells them apart.
                return UNDEFINED
        except jlens.JlensError as exc:
            raise evaluation_failed(self.text, field, f"{exc.code}: {_message(exc)}") from None
        except FunctionError as exc:
            raise evaluation_failed(self.text, field, str(exc)) from None
        finally:
            current_env.reset(token)
        return result

    def _evaluate_json(self, context_item: JSON, bindings: dict[str, Any], clock: Now) -> str | None:
        text = None if context_item is None else json.dumps(context_item)
        return self._compiled.evaluate_json(text, bindings, now=clock)

    def evaluate(
        self,
        states: JSON,
        variables: Mapping[str, JSON],
        env: Env,
        *,
        field: str = "",
        now: Now | None = None,
    ) -> JSON:
        """The value of the expression; an undefined result fails `field` as AWS does."""
        if self._fast is not None:
            try:
                return self._fast(states, variables)
            except (Fallback, RecursionError):
                pass
        result = self._jlens(states, variables, env, field, now, None)
        if result is UNDEFINED:
            raise returned_nothing(self.text, field)
        return result

    def evaluate_typed(
        self,
        states: JSON,
        variables: Mapping[str, JSON],
        env: Env,
        *,
        field: str,
        expected: str,
        now: Now | None = None,
    ) -> JSON:
        """Like evaluate, and the value must be of the JSON type `expected` ('array', 'number', ...)."""
        result = self.evaluate(states, variables, env, field=field, now=now)
        if json_type_name(result) != expected:
            raise unexpected_type(self.text, field, expected, result)
        return result


def _message(exc: jlens.JlensError) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


__all__ = [
    "UNDEFINED",
    "Expression",
    "compile_expression",
    "expression_text",
    "is_expression",
]

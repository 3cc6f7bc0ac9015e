"""The typed registry of intrinsic functions: name, parameter kinds, result kind, implementation.

Each family module registers its functions with `@intrinsic(...)`. The parser checks arity and the
kinds of literal (and nested-call) arguments against the signature when the definition is parsed;
the same signature checks evaluated arguments at run time, where a mismatch is a
`States.IntrinsicFailure`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stepstone.asl.env import Env
from stepstone.asl.errors import INTRINSIC_FAILURE, AslFailure
from stepstone.asl.json import JSON


class Kind(enum.Enum):
    """The JSON type a parameter accepts or a function returns."""

    ANY = "any value"
    STRING = "a string"
    INTEGER = "an integer"
    NUMBER = "a number"
    BOOLEAN = "a boolean"
    ARRAY = "an array"
    OBJECT = "a JSON object"

    def accepts(self, value: JSON) -> bool:
        """Whether `value` is of this kind (booleans are never numbers)."""
        if self is Kind.ANY:
            return True
        if self is Kind.STRING:
            return isinstance(value, str)
        if self is Kind.BOOLEAN:
            return isinstance(value, bool)
        if isinstance(value, bool):
            return False
        if self is Kind.INTEGER:
            return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if self is Kind.NUMBER:
            return isinstance(value, int | float)
        if self is Kind.ARRAY:
            return isinstance(value, list)
        return isinstance(value, dict)

    @property
    def predicate(self) -> Callable[[JSON], bool]:
        """`accepts` as a plain function, for the hot path of evaluation."""
        return _PREDICATES[self]

    def compatible(self, other: Kind) -> bool:
        """Whether a value known to be of kind `other` may be accepted here (parse-time check)."""
        if Kind.ANY in (self, other) or self is other:
            return True
        return self is Kind.NUMBER and other is Kind.INTEGER


def _any(value: JSON) -> bool:
    return True


def _string(value: JSON) -> bool:
    return value.__class__ is str or isinstance(value, str)


def _number(value: JSON) -> bool:
    return value.__class__ is int or value.__class__ is float or Kind.NUMBER.accepts(value)


def _integer(value: JSON) -> bool:
    return value.__class__ is int or Kind.INTEGER.accepts(value)


def _array(value: JSON) -> bool:
    return isinstance(value, list)


def _object(value: JSON) -> bool:
    return isinstance(value, dict)


def _boolean(value: JSON) -> bool:
    return isinstance(value, bool)


_PREDICATES: dict[Kind, Callable[[JSON], bool]] = {
    Kind.ANY: _any,
    Kind.STRING: _string,
    Kind.NUMBER: _number,
    Kind.INTEGER: _integer,
    Kind.ARRAY: _array,
    Kind.OBJECT: _object,
    Kind.BOOLEAN: _boolean,
}

Impl = Callable[[Sequence[JSON], Env], JSON]
StaticCheck = Callable[[Sequence[JSON | None]], str | None]
"""Checks the literal arguments (None where not literal) at parse time; returns a reason or None."""


@dataclass(frozen=True, slots=True)
class Function:
    """One intrinsic function: its signature and implementation."""

    name: str
    params: tuple[Kind, ...]
    optional: int
    variadic: Kind | None
    returns: Kind
    impl: Impl
    static_check: StaticCheck | None
    raw_strings: bool = False
    """String literals reach the implementation with their escapes in place (States.Format)."""

    @property
    def min_args(self) -> int:
        return len(self.params) - self.optional

    @property
    def max_args(self) -> int | None:
        return None if self.variadic is not None else len(self.params)

    def kind_at(self, index: int) -> Kind:
        """The kind the argument at `index` must have."""
        if index < len(self.params):
            return self.params[index]
        assert self.variadic is not None
        return self.variadic

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args}"
        if self.min_args == self.max_args:
            return str(self.min_args)
        return f"{self.min_args} to {self.max_args}"

    def check_args(self, args: Sequence[JSON]) -> None:
        """Raise States.IntrinsicFailure when an evaluated argument has the wrong kind."""
        for index, value in enumerate(args):
            kind = self.kind_at(index)
            if not kind.accepts(value):
                raise failure(
                    self.name,
                    f"argument {index + 1} must be {kind.value}, but was {describe(value)}",
                )


REGISTRY: dict[str, Function] = {}


def intrinsic(
    name: str,
    *params: Kind,
    optional: int = 0,
    variadic: Kind | None = None,
    returns: Kind = Kind.ANY,
    static_check: StaticCheck | None = None,
    raw_strings: bool = False,
) -> Callable[[Impl], Impl]:
    """Register the decorated implementation as `States.<name>`."""

    def register(impl: Impl) -> Impl:
        full = f"States.{name}"
        REGISTRY[full] = Function(full, params, optional, variadic, returns, impl, static_check, raw_strings)
        return impl

    return register


def failure(function: str, reason: str) -> AslFailure:
    """The States.IntrinsicFailure raised when a call cannot be evaluated."""
    return AslFailure(INTRINSIC_FAILURE, f"Invalid arguments in {function}: {reason}")


def describe(value: JSON) -> str:
    """A short name of a value's JSON type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "a JSON object"


def as_int(value: JSON) -> int:
    """An INTEGER-kind value as a Python int (a float like 2.0 is accepted as 2)."""
    return int(value)

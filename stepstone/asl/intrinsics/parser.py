"""Parse intrinsic calls (`States.Format('{}', $.x)`) into small frozen nodes.

    call     := 'States.' NAME '(' [ argument (',' argument)* ] ')'
    argument := 'string' | number | true | false | null | path | call

A string literal escapes `'`, `{`, `}` and `\\` with a backslash. Arity, unknown names and the
kinds of literal and nested-call arguments are checked here, so a definition with a bad call is
rejected before it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias

from stepstone.asl.env import Env
from stepstone.asl.errors import ExpressionSyntaxError
from stepstone.asl.intrinsics.registry import REGISTRY, Function, Kind
from stepstone.asl.json import JSON
from stepstone.asl.paths import Path, PathSyntaxError, _parse_at

#: AWS allows up to 10 nested intrinsic functions in one field.
MAX_NESTING = 10


class IntrinsicSyntaxError(ExpressionSyntaxError):
    """The text is not a valid intrinsic function call."""


def _unescape(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class StringArg:
    """A string literal; `raw` is the text between the quotes, escapes included."""

    raw: str
    value: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _unescape(self.raw))

    def __str__(self) -> str:
        return f"'{self.raw}'"


@dataclass(frozen=True, slots=True)
class LiteralArg:
    """A number, true, false or null."""

    value: int | float | bool | None

    def __str__(self) -> str:
        if self.value is None:
            return "null"
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return repr(self.value)

    def __eq__(self, other: object) -> bool:
        # 1 and 1.0 print differently, so they are different literals; so are 1 and true.
        if not isinstance(other, LiteralArg):
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True, slots=True)
class PathArg:
    """A path argument (`$.x`, `$$.Execution.Id`, `$var`); a definite one must be found."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)


Argument: TypeAlias = "StringArg | LiteralArg | PathArg | IntrinsicCall"
Evaluator = Callable[[JSON, Env], JSON]


def _constant(value: JSON) -> Evaluator:
    return lambda data, env: value


def _evaluator(arg: Argument, raw: bool) -> Evaluator:
    if isinstance(arg, StringArg):
        return _constant(arg.raw if raw else arg.value)
    if isinstance(arg, LiteralArg):
        return _constant(arg.value)
    if isinstance(arg, PathArg):
        return arg.path.evaluator
    return arg.evaluator


@dataclass(frozen=True, slots=True)
class IntrinsicCall:
    """A parsed call. `str()` is its canonical text; evaluation raises AslFailure or PathNotFound."""

    name: str
    args: tuple[Argument, ...]
    function: Function = field(init=False, compare=False, repr=False)
    _run: Evaluator = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        function = REGISTRY[self.name]
        object.__setattr__(self, "function", function)
        evaluators = tuple(_evaluator(a, function.raw_strings) for a in self.args)
        impl, check = function.impl, function.check_args
        checks = tuple(
            (i, function.kind_at(i).predicate)
            for i in range(len(self.args))
            if function.kind_at(i) is not Kind.ANY
        )

        def run(data: JSON, env: Env) -> JSON:
            values = [evaluate(data, env) for evaluate in evaluators]
            for i, accepts in checks:
                if not accepts(values[i]):
                    check(values)  # raises with the message naming the argument
            return impl(values, env)

        object.__setattr__(self, "_run", run)

    def __str__(self) -> str:
        return f"{self.name}({', '.join(str(a) for a in self.args)})"

    @property
    def returns(self) -> Kind:
        return self.function.returns

    @property
    def evaluator(self) -> Evaluator:
        """`evaluate` as a plain function (one call less on hot paths)."""
        return self._run

    def evaluate(self, data: JSON, env: Env) -> JSON:
        """The call's result on `data` (the state input) in `env`."""
        return self._run(data, env)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, reason: str, offset: int | None = None) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(self.text, self.pos if offset is None else offset, reason)

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def call(self, depth: int) -> IntrinsicCall:
        start = self.pos
        if depth > MAX_NESTING:
            raise self.error(f"intrinsic functions may be nested at most {MAX_NESTING} deep")
        if not self.text.startswith("States.", self.pos):
            raise self.error("an intrinsic function call must start with 'States.'")
        end = self.pos + len("States.")
        while end < len(self.text) and (self.text[end].isalnum() or self.text[end] == "_"):
            end += 1
        name = self.text[start:end]
        function = REGISTRY.get(name)
        if function is None:
            raise self.error(f"unknown intrinsic function {name!r}", start)
        self.pos = end
        self.skip_ws()
        if self.text[self.pos : self.pos + 1] != "(":
            raise self.error(f"expected '(' after {name}")
        self.pos += 1
        args: list[Argument] = []
        offsets: list[int] = []
        self.skip_ws()
        if self.text[self.pos : self.pos + 1] == ")":
            self.pos += 1
        else:
            while True:
                self.skip_ws()
                offsets.append(self.pos)
                args.append(self.argument(depth))
                self.skip_ws()
                ch = self.text[self.pos : self.pos + 1]
                self.pos += 1
                if ch == ")":
                    break
                if ch != ",":
                    raise self.error("expected ',' or ')'", self.pos - 1)
        self.check(function, args, offsets, start)
        return IntrinsicCall(name, tuple(args))

    def check(self, function: Function, args: list[Argument], offsets: list[int], start: int) -> None:
        count = len(args)
        if count < function.min_args or (function.max_args is not None and count > function.max_args):
            raise self.error(
                f"{function.name} takes {function.arity_text()} arguments but {count} were given", start
            )
        literals: list[JSON] = []
        for index, (arg, offset) in enumerate(zip(args, offsets, strict=True)):
            kind = function.kind_at(index)
            if isinstance(arg, StringArg | LiteralArg):
                value = arg.raw if isinstance(arg, StringArg) and function.raw_strings else arg.value
                if not kind.accepts(value):
                    raise self.error(f"argument {index + 1} of {function.name} must be {kind.value}", offset)
                literals.append(value)
            else:
                if isinstance(arg, IntrinsicCall) and not kind.compatible(arg.returns):
                    raise self.error(f"argument {index + 1} of {function.name} must be {kind.value}", offset)
                literals.append(None)
        if function.static_check is not None:
            reason = function.static_check(literals)
            if reason is not None:
                raise self.error(f"invalid arguments in {function.name}: {reason}", start)

    def argument(self, depth: int) -> Argument:
        text, start = self.text, self.pos
        ch = text[start : start + 1]
        if ch == "'":
            return self.string()
        if ch == "$":
            try:
                path, self.pos = _parse_at(text, start)
            except PathSyntaxError as exc:
                raise self.error(exc.reason, exc.offset) from None
            return PathArg(path)
        if text.startswith("States.", start):
            return self.call(depth + 1)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, start):
                self.pos += len(word)
                return LiteralArg(value)
        end = start
        while end < len(text) and text[end] in "+-0123456789.eE":
            end += 1
        number = text[start:end]
        try:
            parsed: int | float = int(number) if number.lstrip("-").isdigit() else float(number)
        except ValueError:
            raise self.error("expected a string, a number, true, false, null, a path or a call") from None
        self.pos = end
        return LiteralArg(parsed)

    def string(self) -> StringArg:
        start = self.pos
        i = start + 1
        while i < len(self.text):
            ch = self.text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "'":
                self.pos = i + 1
                return StringArg(self.text[start + 1 : i])
            i += 1
        raise self.error("unterminated string literal", start)


def parse_intrinsic(text: str) -> IntrinsicCall:
    """Parse one intrinsic call; raises IntrinsicSyntaxError (with offset and caret) when invalid."""
    parser = _Parser(text)
    parser.skip_ws()
    call = parser.call(1)
    parser.skip_ws()
    if parser.pos != len(text):
        raise parser.error("unexpected text after the call")
    return call

"""Request validation compiled from the generated model, with AWS's messages.

Each input shape is compiled once into a closure; validating a request is then a walk over the
request's own members. Two failure kinds, in the order AWS applies them:

- a member of the wrong JSON type fails deserialization: `SerializationException`, at once;
- constraint violations (null required member, length, range, enum, pattern) are all collected and
  reported together as one `ValidationException`: "2 validation errors detected: Value ... at 'x'
  failed to satisfy constraint: Member must ...; Value ...". Values of sensitive shapes are never
  echoed back (a task token is a bearer secret).

Unknown members are ignored, as AWS ignores them. A member AWS requires that the model leaves
optional (a tag's key) is in `ALSO_REQUIRED`, so the service never sees a request it cannot answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from stepstone.api.errors import SerializationException
from stepstone.errors import ValidationException

#: value, path, problems (appended to)
Check = Callable[[Any, str, list[str]], None]
Validator = Callable[[Mapping[str, Any]], None]

_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_TYPE_NAMES = {
    "string": "a String",
    "integer": "an Integer",
    "long": "a Long",
    "float": "a Float",
    "double": "a Double",
    "boolean": "a Boolean",
    "timestamp": "a Timestamp",
    "blob": "a Blob",
    "structure": "a Structure",
    "list": "a List",
    "map": "a Map",
}
_NOT_NULL = "failed to satisfy constraint: Member must not be null"
#: Members AWS requires that botocore's model leaves optional, by shape.
ALSO_REQUIRED: Mapping[str, tuple[str, ...]] = {"Tag": ("key",)}
# Java regex classes the model uses that Python's `re` spells differently.
_JAVA_REGEX = {r"\p{ASCII}": r"[\x00-\x7F]"}


def _wrong_type(value: Any, shape_type: str) -> SerializationException:
    if isinstance(value, dict):
        return SerializationException("Start of structure or map found where not expected.")
    if isinstance(value, list):
        return SerializationException("Start of list found where not expected.")
    if isinstance(value, bool):
        token = "TRUE_VALUE" if value else "FALSE_VALUE"
    elif isinstance(value, str):
        token = "STRING_VALUE"
    else:
        token = "NUMBER_VALUE"
    return SerializationException(
        f"{token} can not be converted to {_TYPE_NAMES.get(shape_type, shape_type)}"
    )


def _render(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _violation(value: Any, path: str, sensitive: bool, constraint: str) -> str:
    shown = "" if sensitive else f" '{_render(value)}'"
    return f"Value{shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def _java_length(text: str) -> int:
    # AWS counts UTF-16 code units (Java String.length), so characters outside the BMP count twice.
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def _python_pattern(java: str) -> re.Pattern[str]:
    for java_class, python_class in _JAVA_REGEX.items():
        java = java.replace(java_class, python_class)
    return re.compile(java)


class _Compiler:
    def __init__(self, shapes: Mapping[str, Mapping[str, Any]]) -> None:
        self._shapes = shapes
        self._checks: dict[str, Check] = {}

    def check(self, name: str) -> Check:
        found = self._checks.get(name)
        if found is None:
            # Registered before compiling so a recursive shape refers to itself through the table.
            self._checks[name] = lambda value, path, problems: self._checks[name](value, path, problems)
            found = self._checks[name] = self._compile(name, self._shapes[name])
        return found

    def _compile(self, name: str, shape: Mapping[str, Any]) -> Check:
        kind = shape["type"]
        if kind == "structure":
            return self._structure(shape, ALSO_REQUIRED.get(name, ()))
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        if kind == "string":
            return _string(shape)
        if kind in _INT_BOUNDS:
            return _integer(shape)
        if kind in ("float", "double"):
            return _number(shape)
        if kind == "boolean":
            return _scalar(kind, lambda v: isinstance(v, bool))
        if kind == "timestamp":
            return _scalar(kind, lambda v: isinstance(v, (int, float, str)) and not isinstance(v, bool))
        return _scalar(kind, lambda v: isinstance(v, str))

    def _structure(self, shape: Mapping[str, Any], also_required: tuple[str, ...]) -> Check:
        members = [(name, self.check(ref)) for name, ref in shape["members"].items()]
        required = frozenset((*shape.get("required", ()), *also_required))

        def check(value: Any, path: str, problems: list[str]) -> None:
            if not isinstance(value, dict):
                raise _wrong_type(value, "structure")
            prefix = f"{path}." if path else ""
            for name, member_check in members:
                member = value.get(name)
                if member is not None:
                    member_check(member, prefix + name, problems)
                elif name in required:
                    problems.append(f"Value null at '{prefix}{name}' {_NOT_NULL}")

        return check

    def _list(self, shape: Mapping[str, Any]) -> Check:
        member_check = self.check(shape["member"])
        length = _length_check(shape)

        def check(value: Any, path: str, problems: list[str]) -> None:
            if not isinstance(value, list):
                raise _wrong_type(value, "list")
            length(value, len(value), path, problems)
            for index, item in enumerate(value, start=1):
                where = f"{path}.{index}.member"
                if item is None:  # the model's lists are dense: a null member is refused, not dropped
                    problems.append(f"Value null at '{where}' {_NOT_NULL}")
                else:
                    member_check(item, where, problems)

        return check

    def _map(self, shape: Mapping[str, Any]) -> Check:
        key_check = self.check(shape["key"])
        value_check = self.check(shape["value"])
        length = _length_check(shape)

        def check(value: Any, path: str, problems: list[str]) -> None:
            if not isinstance(value, dict):
                raise _wrong_type(value, "map")
            length(value, len(value), path, problems)
            for key, item in value.items():
                key_check(key, f"{path}.{key}.key", problems)
                if item is not None:
                    value_check(item, f"{path}.{key}.value", problems)

        return check


def _length_check(shape: Mapping[str, Any]) -> Callable[[Any, int, str, list[str]], None]:
    low, high, sensitive = shape.get("min"), shape.get("max"), bool(shape.get("sensitive"))

    def check(value: Any, size: int, path: str, problems: list[str]) -> None:
        if low is not None and size < low:
            problems.append(_violation(value, path, sensitive, f"have length greater than or equal to {low}"))
        if high is not None and size > high:
            problems.append(_violation(value, path, sensitive, f"have length less than or equal to {high}"))

    return check


def _string(shape: Mapping[str, Any]) -> Check:
    length = _length_check(shape)
    sensitive = bool(shape.get("sensitive"))
    enum = shape.get("enum")
    enum_set = frozenset(enum or ())
    enum_text = "[" + ", ".join(enum or ()) + "]"
    java_pattern = shape.get("pattern")
    pattern = _python_pattern(java_pattern) if java_pattern is not None else None

    def check(value: Any, path: str, problems: list[str]) -> None:
        if not isinstance(value, str):
            raise _wrong_type(value, "string")
        length(value, _java_length(value), path, problems)
        if enum is not None and value not in enum_set:
            problems.append(_violation(value, path, sensitive, f"satisfy enum value set: {enum_text}"))
        if pattern is not None and pattern.fullmatch(value) is None:
            problems.append(
                _violation(value, path, sensitive, f"satisfy regular expression pattern: {java_pattern}")
            )

    return check


def _range_check(shape: Mapping[str, Any]) -> Callable[[Any, str, list[str]], None]:
    low, high, sensitive = shape.get("min"), shape.get("max"), bool(shape.get("sensitive"))

    def check(value: Any, path: str, problems: list[str]) -> None:
        if low is not None and value < low:
            problems.append(_violation(value, path, sensitive, f"have value greater than or equal to {low}"))
        if high is not None and value > high:
            problems.append(_violation(value, path, sensitive, f"have value less than or equal to {high}"))

    return check


def _integer(shape: Mapping[str, Any]) -> Check:
    kind = shape["type"]
    floor, ceiling = _INT_BOUNDS[kind]
    in_range = _range_check(shape)

    def check(value: Any, path: str, problems: list[str]) -> None:
        if type(value) is not int or not floor <= value <= ceiling:
            raise _wrong_type(value, kind)
        in_range(value, path, problems)

    return check


def _number(shape: Mapping[str, Any]) -> Check:
    kind = shape["type"]
    in_range = _range_check(shape)

    def check(value: Any, path: str, problems: list[str]) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong_type(value, kind)
        in_range(value, path, problems)

    return check


def _scalar(kind: str, accepts: Callable[[Any], bool]) -> Check:
    def check(value: Any, path: str, problems: list[str]) -> None:
        if not accepts(value):
            raise _wrong_type(value, kind)

    return check


def _validator(check: Check) -> Validator:
    def validate(request: Mapping[str, Any]) -> None:
        problems: list[str] = []
        check(request, "", problems)
        if problems:
            count = len(problems)
            noun = "validation error" if count == 1 else "validation errors"
            raise ValidationException(f"{count} {noun} detected: " + "; ".join(problems))

    return validate


def compile_validators(shapes: Mapping[str, Mapping[str, Any]], names: list[str]) -> dict[str, Validator]:
    """Compile input shapes into functions that raise on an invalid request; shared shapes compile once."""
    compiler = _Compiler(shapes)
    return {name: _validator(compiler.check(name)) for name in names}

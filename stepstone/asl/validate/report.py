"""The collector every check writes into, and the small type predicates the checks share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stepstone.asl.diagnostics import SCHEMA_VALIDATION_FAILED, Diagnostic, Severity, pointer

JSONPATH = "JSONPath"
JSONATA = "JSONata"
QUERY_LANGUAGES = (JSONPATH, JSONATA)
#: stepstone's warning for what AWS's documentation does not allow but does not say it refuses:
#: accepted (never stricter than AWS), and flagged so the author can check it.
MAY_BE_REFUSED = "MAY_BE_REFUSED"


@dataclass(slots=True)
class Report:
    """Diagnostics in the order the checks find them (the traversal order, hence deterministic)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: The machine's top-level QueryLanguage: a JSONPath state inside a JSONata machine is an error.
    machine_language: str = JSONPATH

    def add(self, code: str, message: str, location: str, severity: Severity = "ERROR") -> None:
        self.diagnostics.append(Diagnostic(code, message, location, severity))

    def schema(self, message: str, location: str) -> None:
        self.add(SCHEMA_VALIDATION_FAILED, message, location)

    def warn(self, code: str, message: str, location: str) -> None:
        self.add(code, message, location, "WARNING")


def at(base: str, *parts: str | int) -> str:
    """`base` (already a pointer) extended by reference tokens."""
    return base + pointer(*parts)


def one_of(name: str, values: tuple[str, ...]) -> str:
    """AWS's message for an enumerated field with another value."""
    return f"The field '{name}' should have one of these values: [{', '.join(values)}]"


def is_int(value: Any) -> bool:
    """A JSON integer: `True` is not 1, and 2.0 counts as the integer it is (JSON has one number type)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_jsonata(value: Any) -> bool:
    """A JSONata expression: a string wrapped in `{% %}`."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__

"""Errors of the JSONata layer, and the AWS detail texts of `States.QueryEvaluationError`.

JsonataSyntaxError (ValueError)   the text inside `{% %}` does not parse; raised when a definition is
                                  compiled, so validation reports it, never an execution.
AslFailure                        (from stepstone.asl.errors) everything that goes wrong while an
                                  expression is evaluated, named States.QueryEvaluationError with
                                  the detail text AWS writes; the interpreter adds the state prefix.
"""

from __future__ import annotations

import json

from stepstone.asl.errors import QUERY_EVALUATION_ERROR, AslFailure
from stepstone.asl.json import JSON


class JsonataSyntaxError(ValueError):
    """A JSONata expression that does not parse; `str()` shows the expression with a caret under the fault."""

    def __init__(self, expression: str, position: int, message: str, code: str = "") -> None:
        self.expression = expression
        self.position = max(0, min(position, len(expression)))
        self.message = message
        self.code = code
        super().__init__(self.render())

    def render(self) -> str:
        # A multi-line expression: show only the line holding the fault, with the caret under it.
        line_start = self.expression.rfind("\n", 0, self.position) + 1
        line_end = self.expression.find("\n", self.position)
        line = self.expression[line_start : None if line_end < 0 else line_end]
        code = f" ({self.code})" if self.code else ""
        return (
            f"{self.message}{code} at position {self.position}\n{line}\n{' ' * (self.position - line_start)}^"
        )

    def __str__(self) -> str:
        return self.render()


def json_type_name(value: JSON) -> str:
    """The JSON type of a value as AWS names it: object, array, string, number, boolean or null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def returned_nothing(expression: str, field: str) -> AslFailure:
    """The failure of a field whose expression yields undefined (AWS never omits such a field)."""
    return AslFailure(
        QUERY_EVALUATION_ERROR,
        f"The JSONata expression '{expression}' specified for the field '{field}' "
        "returned nothing (undefined).",
    )


def unexpected_type(expression: str, field: str, expected: str, value: JSON) -> AslFailure:
    """The failure of a field whose expression yields a value of the wrong JSON type (Items not an array)."""
    rendered = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return AslFailure(
        QUERY_EVALUATION_ERROR,
        f"The JSONata expression '{expression}' specified for the field '{field}' returned an unexpected "
        f"result type. Expected '{expected}', but was '{json_type_name(value)}' for value: {rendered}",
    )


def evaluation_failed(expression: str, field: str, reason: str) -> AslFailure:
    """The failure of an expression that raised while it ran (a JSONata error or an extension function's)."""
    # AWS's exact wording for this case is not in the recorded conformance cases; keep the shape of
    # the two texts above so a reader finds the field and the expression.
    return AslFailure(
        QUERY_EVALUATION_ERROR,
        f"The JSONata expression '{expression}' specified for the field '{field}' threw an error during "
        f"evaluation. {reason}",
    )

"""What the validator reports: diagnostics with AWS codes and JSON Pointers, and the error that carries them.

    InvalidDefinitionError(ValueError)   a definition with at least one ERROR diagnostic; its str() is the
                                         message AWS gives CreateStateMachine's `InvalidDefinition`.

Codes are the ones `ValidateStateMachineDefinition` documents (SCHEMA_VALIDATION_FAILED,
MISSING_TRANSITION_TARGET, ...), so a user can search AWS's documentation for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["ERROR", "WARNING"]

# Error codes AWS documents for ValidateStateMachineDefinition.
INVALID_JSON_DESCRIPTION = "INVALID_JSON_DESCRIPTION"
MISSING_DESCRIPTION = "MISSING_DESCRIPTION"
SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
INVALID_RESOURCE = "INVALID_RESOURCE"
MISSING_END_STATE = "MISSING_END_STATE"
DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
INVALID_STATE_NAME = "INVALID_STATE_NAME"
MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET"
# Warning codes AWS documents.
NO_DOLLAR = "NO_DOLLAR"
NO_PATH = "NO_PATH"
PASS_RESULT_IS_STATIC = "PASS_RESULT_IS_STATIC"
# stepstone's own warnings (AWS has no code for what it does not accept at all).
COMMENT_IGNORED = "COMMENT_IGNORED"
DUPLICATE_KEY = "DUPLICATE_KEY"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about a definition.

    `location` is a JSON Pointer into the definition (`/States/GetApproval/Next`; "" is the whole
    definition). `severity` is ERROR (the definition is rejected) or WARNING (it is accepted).
    """

    code: str
    message: str
    location: str = ""
    severity: Severity = "ERROR"

    @property
    def is_error(self) -> bool:
        return self.severity == "ERROR"

    def to_aws(self) -> dict[str, str]:
        """The diagnostic as a `ValidateStateMachineDefinitionDiagnostic` of the AWS API."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "location": self.location,
        }

    def __str__(self) -> str:
        """`CODE: message at /pointer`, the form AWS puts inside an InvalidDefinition message."""
        return f"{self.code}: {self.message} at {self.location or '/'}"


class InvalidDefinitionError(ValueError):
    """Invalid State Machine Definition."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error] or self.diagnostics
        # AWS quotes one error; several are each quoted, comma-joined and quoted again as a whole.
        quoted = ", ".join(f"'{d}'" for d in errors)
        body = quoted if len(errors) == 1 else f"'{quoted}'"
        super().__init__(f"Invalid State Machine Definition: {body}")


def pointer(*parts: str | int) -> str:
    """A JSON Pointer from reference tokens, escaping `~` and `/` as RFC 6901 requires."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)

"""Static validation of a definition, like AWS's ValidateStateMachineDefinition.

    validate(definition) -> list[Diagnostic]   every error and warning at once, in traversal order
    check(definition)                          raises InvalidDefinitionError when any is an ERROR

The checks are split by concern: `structure` (machine, graphs, transitions), `states` and `fields`
(one state's fields), `retry_catch`, `choice`, `map_parallel`, `resources`, `expressions`.
Validation never raises on malformed input: whatever the value, the answer is a list of diagnostics.
"""

from __future__ import annotations

from typing import Any

from stepstone.asl.diagnostics import Diagnostic, InvalidDefinitionError
from stepstone.asl.validate.report import Report
from stepstone.asl.validate.structure import check_machine

__all__ = ["check", "validate"]


def validate(definition: Any) -> list[Diagnostic]:
    """All diagnostics for a loaded definition (errors and warnings), in a deterministic order."""
    report = Report()
    try:
        check_machine(definition, report)
    except RecursionError:
        # Only a value built in code can get here: JSON text this deep is refused when it is loaded.
        report.schema("The definition is nested too deeply to validate", "")
    return report.diagnostics


def check(definition: Any) -> None:
    """Raise InvalidDefinitionError (with every diagnostic) when the definition has any ERROR."""
    diagnostics = validate(definition)
    if any(d.is_error for d in diagnostics):
        raise InvalidDefinitionError(diagnostics)

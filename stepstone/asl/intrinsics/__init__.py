"""Intrinsic functions (`States.Format`, `States.MathAdd`, ...) for JSONPath states.

    IntrinsicSyntaxError(ValueError)   bad syntax, unknown function, wrong arity or literal kind
    AslFailure("States.IntrinsicFailure")   raised by evaluation when arguments are invalid at run time

Each family of functions lives in its own module and registers itself in the typed registry.
"""

from __future__ import annotations

from stepstone.asl.intrinsics import arrays, encoding, ids, json_functions, math_functions, strings
from stepstone.asl.intrinsics.parser import IntrinsicCall, IntrinsicSyntaxError, parse_intrinsic
from stepstone.asl.intrinsics.registry import REGISTRY, Function, Kind

__all__ = [
    "REGISTRY",
    "Function",
    "IntrinsicCall",
    "IntrinsicSyntaxError",
    "Kind",
    "is_intrinsic",
    "parse_intrinsic",
]

# The family modules register their functions on import.
_FAMILIES = (arrays, encoding, ids, json_functions, math_functions, strings)


def is_intrinsic(text: str) -> bool:
    """Whether a dynamic field's text is an intrinsic call rather than a path."""
    return text.startswith("States.")

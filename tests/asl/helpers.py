"""Small builders shared by the validation tests."""

from __future__ import annotations

import copy
from typing import Any

from stepstone.asl.validate import validate


def machine(**states: dict[str, Any]) -> dict[str, Any]:
    """A machine starting at the first state given."""
    return {"StartAt": next(iter(states)), "States": copy.deepcopy(states)}


def single(state: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A machine of one state named S (plus top-level fields)."""
    return {**top, "StartAt": "S", "States": {"S": state}}


def errors(definition: Any) -> list[tuple[str, str]]:
    """(code, location) of every ERROR, in the order validate() reports them."""
    return [(d.code, d.location) for d in validate(definition) if d.severity == "ERROR"]


def warnings(definition: Any) -> list[tuple[str, str]]:
    return [(d.code, d.location) for d in validate(definition) if d.severity == "WARNING"]


def messages(definition: Any) -> list[str]:
    return [d.message for d in validate(definition) if d.severity == "ERROR"]


PASS_END: dict[str, Any] = {"Type": "Pass", "End": True}

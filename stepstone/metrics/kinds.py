"""Bounded label values: what kind of resource a task calls, which state machine an execution runs.

Never an execution ARN or a token in a label: each distinct value is a series kept forever.
"""

from __future__ import annotations

import re

#: The service integrations stepstone knows; any other resource ARN is "other".
KNOWN_SERVICES = frozenset({"lambda", "http", "states", "approval", "sqs", "sns", "dynamodb", "ecs", "glue"})
_ACTIVITY = re.compile(r"^arn:[\w-]+:states:[\w-]*:\d*:activity:")
_FUNCTION = re.compile(r"^arn:[\w-]+:lambda:")
_PATTERNS = (".waitForTaskToken", ".sync:2", ".sync")


def resource_kind(resource: str) -> str:
    """`activity`, `lambda` (a function ARN), or `<service>[.waitForTaskToken|.sync]`, else `other`."""
    if _ACTIVITY.match(resource):
        return "activity"
    if _FUNCTION.match(resource):
        return "lambda"
    parts = resource.split(":")
    if len(parts) < 7 or parts[2] != "states":  # any region, account and partition
        return "other"
    service, action = parts[5], ":".join(parts[6:])
    if service not in KNOWN_SERVICES:
        return "other"
    suffix = next((p for p in _PATTERNS if action.endswith(p)), "")
    return service + suffix.removesuffix(":2")


def state_machine_name(state_machine_arn: str) -> str:
    """`arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:version]` -> NAME (bounded by the machines)."""
    parts = state_machine_arn.split(":", 7)
    return parts[6] if len(parts) > 6 else "unknown"

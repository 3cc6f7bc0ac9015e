"""The Context object (`$$`) of a state, built only when an expression of the state reads it."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from stepstone.asl.json import JSON, JSONObject
from stepstone.engine.state import ExecutionState, Frame


@lru_cache(maxsize=256)  # one decision formats the same few instants for every state it runs
def aws_timestamp(value: datetime) -> str:
    """A time as the Context object shows it: UTC, milliseconds, `Z` (2024-05-01T12:00:00.123Z)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def build_context(
    execution: ExecutionState,
    frame: Frame,
    state_name: str,
    *,
    token: str | None = None,
    item: tuple[int, JSON] | None = None,
    retry_count: bool = True,
) -> JSONObject:
    """`$$` for `state_name` in `frame`: Execution, StateMachine, State, and Task/Map when they apply.

    `State.RetryCount` is there only for the state types that can retry (AWS leaves it out of a
    Pass state's context, for one).
    """
    info = execution.info
    entered = frame.entered_at if frame.entered_at is not None else execution.start_time
    context: JSONObject = {
        "Execution": {
            "Id": info.execution_arn,
            "Input": execution.input,
            "Name": info.name,
            "RoleArn": info.role_arn,
            "StartTime": aws_timestamp(execution.start_time),
            "RedriveCount": info.redrive_count,
        },
        "StateMachine": {"Id": info.state_machine_arn, "Name": info.state_machine_name},
        "State": {"EnteredTime": aws_timestamp(entered), "Name": state_name},
    }
    if retry_count:
        context["State"]["RetryCount"] = frame.retry_count
    if token is not None:
        context["Task"] = {"Token": token}
    if item is not None:
        context["Map"] = {"Item": {"Index": item[0], "Value": item[1]}}
    return context

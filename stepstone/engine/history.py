"""History events in the shape of the Step Functions `GetExecutionHistory` API.

Inside stepstone an event is a plain dict: `id`, `previousEventId`, `timestamp` (a datetime), `type`
and one `<x>EventDetails` dict whose `input` / `output` / `parameters` hold JSON values. `to_aws`
renders the API shape, where those values are JSON strings with `<x>Details: {"truncated": false}`.
"""

from __future__ import annotations

import json
from typing import Any

HistoryEvent = dict[str, Any]

#: The state types whose entry/exit events AWS names `<Type>StateEntered` / `<Type>StateExited`.
STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")


def details_key(event_type: str) -> str:
    """The name of the details member for an event type (botocore's HistoryEvent shape)."""
    if event_type.endswith("StateEntered") and event_type[: -len("StateEntered")] in STATE_TYPES:
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited") and event_type[: -len("StateExited")] in STATE_TYPES:
        return "stateExitedEventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


_DATA_FIELDS = ("input", "output")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def to_aws(event: HistoryEvent) -> dict[str, Any]:
    """The event as the API returns it: JSON strings for data fields, `*Details` beside them."""
    out = dict(event)
    for key, details in event.items():
        if not key.endswith("EventDetails"):
            continue
        rendered = dict(details)
        for data_field in _DATA_FIELDS:
            if data_field in rendered:
                rendered[data_field] = _dumps(rendered[data_field])
                rendered[f"{data_field}Details"] = {"truncated": False}
        if "parameters" in rendered:
            rendered["parameters"] = _dumps(rendered["parameters"])
        assigned = rendered.get("assignedVariables")
        if isinstance(assigned, dict):
            # AWS renders each assigned variable's value as JSON text.
            rendered["assignedVariables"] = {name: _dumps(value) for name, value in assigned.items()}
            rendered["assignedVariablesDetails"] = {"truncated": False}
        out[key] = rendered
    return out

"""Engine events and commands as JSON text, for the inbox and the outbox rows.

Task tokens are never encoded: a command's token is dropped and minted again (deterministically,
from the key ring) when the command is carried out.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from stepstone.engine.commands import InvokeTask
from stepstone.engine.events import (
    ApprovalNote,
    Event,
    ExecutionInfo,
    MapRunUpdate,
    Redrive,
    Start,
    Stop,
    TaskFailed,
    TaskHeartbeat,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
)

_EVENTS: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        Start,
        TaskStarted,
        TaskSubmitted,
        TaskSucceeded,
        TaskFailed,
        TaskHeartbeat,
        ApprovalNote,
        TimerFired,
        Stop,
        Redrive,
        MapRunUpdate,
    )
}


# Built once: `json.dumps` with options builds a new encoder on every call, and a transition encodes
# its state, its events and its commands.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    return _COMPACT.encode(value)


def encode_event(event: Event) -> str:
    body = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    if isinstance(event, Start):
        body["info"] = dataclasses.asdict(event.info)
    return dumps({"type": type(event).__name__, **body})


def decode_event(text: str) -> Event:
    raw = json.loads(text)
    cls = _EVENTS[raw.pop("type")]
    if cls is Start:
        raw["info"] = ExecutionInfo(**raw["info"])
    event: Event = cls(**raw)
    return event


def encode_invoke(command: InvokeTask) -> str:
    body = {f.name: getattr(command, f.name) for f in dataclasses.fields(command)}
    body["token"] = None
    body["has_token"] = command.token is not None
    return dumps(body)


def decode_invoke(text: str) -> tuple[InvokeTask, bool]:
    raw = json.loads(text)
    has_token = bool(raw.pop("has_token", False))
    return InvokeTask(**raw), has_token


def _isoformat(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# One encoder, built once: json.dumps with options builds a new one per call, and the history of one
# transition is dozens of events. Datetimes anywhere in the event go through `default`.
_HISTORY_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_isoformat)


def encode_history_event(event: dict[str, Any], timestamp: str | None = None) -> str:
    """One history event as JSON text; `timestamp`, when given, is the event's time already formatted.

    A transition's events share one time: formatting it once (rather than through `default` for each
    event) is a measurable part of a timeout transition's cost.
    """
    if timestamp is not None:
        return _HISTORY_ENCODER.encode({**event, "timestamp": timestamp})
    return _HISTORY_ENCODER.encode(event)


def decode_history_event(text: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(text)
    if isinstance(raw.get("timestamp"), str):
        raw["timestamp"] = datetime.fromisoformat(raw["timestamp"])
    return raw

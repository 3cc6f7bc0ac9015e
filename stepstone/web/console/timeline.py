"""Reading an execution's history: one readable line per event, and how each state turned out.

The history comes from `get_execution_history` in the API shape. Events name their state only on
entry and exit, so every other event inherits the state of the event it follows (`previousEventId`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

#: Outcome of a state in one execution, used as a CSS class on the diagram.
Outcome = str  # "succeeded" | "failed" | "caught" | "running" | "aborted"

_FAILURE_SUFFIXES = ("Failed", "TimedOut", "Aborted")


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One event as the console shows it."""

    id: int
    type: str
    state: str | None
    timestamp: datetime
    elapsed: timedelta
    tone: str  # "fail" | "ok" | "enter" | "exit" | "" : colours the row
    summary: str  # error and cause, a resource, an iteration index, ...
    data: str | None  # pretty JSON of the input or output it carries


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _tone(kind: str) -> str:
    if kind.startswith("Execution") and kind.endswith("Succeeded"):
        return "ok"
    if kind.endswith(_FAILURE_SUFFIXES):
        return "fail"
    if kind.endswith("StateEntered"):
        return "enter"
    if kind.endswith("StateExited"):
        return "exit"
    return ""


def pretty_json(text: str | None) -> str | None:
    """JSON text indented for reading; text that is not JSON is returned as it is."""
    if text is None:
        return None
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _summary(kind: str, details: dict[str, Any]) -> str:
    parts: list[str] = []
    if "error" in details:
        parts.append(str(details["error"]))
    if "cause" in details:
        parts.append(str(details["cause"]))
    if "resource" in details:
        parts.append(str(details["resource"]))
    if "index" in details:
        parts.append(f"iteration {details['index']}")
    if "length" in details:
        parts.append(f"{details['length']} items")
    if kind == "ApprovalNote":  # stepstone's own: a vote, reminder, escalation or expiry
        parts.extend(str(details[k]) for k in ("kind", "approver", "decision", "comment") if details.get(k))
    return " — ".join(parts)


def history_lines(events: list[dict[str, Any]]) -> list[HistoryLine]:
    """The events as table rows, each with the state it belongs to and the time since the start."""
    state_of: dict[int, str | None] = {}
    exits: set[int] = set()
    start = events[0]["timestamp"] if events else None
    lines = []
    for event in events:
        kind, details = str(event.get("type", "")), _details(event)
        previous = int(event.get("previousEventId") or 0)
        name = details.get("name")
        state = str(name) if name is not None else (None if previous in exits else state_of.get(previous))
        state_of[event["id"]] = state
        if kind.endswith("StateExited"):
            exits.add(event["id"])
        data = details.get("output", details.get("input"))
        lines.append(
            HistoryLine(
                id=event["id"], type=kind, state=state, timestamp=event["timestamp"],
                elapsed=event["timestamp"] - start if start is not None else timedelta(0),
                tone=_tone(kind), summary=_summary(kind, details),
                data=pretty_json(data) if isinstance(data, str) else None,
            )
        )  # fmt: skip
    return lines


def state_outcomes(lines: list[HistoryLine], status: str) -> dict[str, Outcome]:
    """How each state that ran turned out, for colouring the diagram (last run wins for loops and Maps)."""
    outcomes: dict[str, Outcome] = {}
    for line in lines:
        if line.state is None or line.type.startswith("Execution") or line.type.startswith("MapIteration"):
            continue
        if line.type.endswith("StateEntered"):
            outcomes[line.state] = "running"
        elif line.type.endswith(_FAILURE_SUFFIXES):
            outcomes[line.state] = "failed"
        elif line.type.endswith("Succeeded"):
            outcomes[line.state] = "running"  # a retry that worked: still inside the state
        elif line.type.endswith("StateExited"):
            outcomes[line.state] = "caught" if outcomes.get(line.state) == "failed" else "succeeded"
    if status != "RUNNING":
        unfinished = "aborted" if status == "ABORTED" else "failed" if status != "SUCCEEDED" else "succeeded"
        outcomes = {name: unfinished if o == "running" else o for name, o in outcomes.items()}
    return outcomes


def format_elapsed(delta: timedelta) -> str:
    """+0.123s, +12.3s, +4m05s, +2h03m: short and sortable by eye."""
    seconds = delta.total_seconds()
    if seconds < 10:
        return f"+{seconds:.3f}s"
    if seconds < 60:
        return f"+{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"+{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"+{hours}h{minutes:02d}m" if hours < 48 else f"+{hours // 24}d{hours % 24:02d}h"


def format_time(value: datetime | None) -> str:
    """A timestamp in UTC to the millisecond."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d} UTC"

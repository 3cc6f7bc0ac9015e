"""The "Step Functions Execution Status Change" event of a transition, in the shape EventBridge delivers.

The worker puts one into the outbox of the transition that changes the execution's status, so the
event commits with the change or not at all: RUNNING when it starts (and when it is redriven), then
SUCCEEDED, FAILED, TIMED_OUT or ABORTED when it ends. As on AWS, only Standard workflows emit them.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from stepstone.store.base import ExecutionRow

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
DETAIL_TYPE = "Step Functions Execution Status Change"


def changes(arn: str, was: str | None, now_status: str, *, redriven: bool = False) -> list[str]:
    """The statuses a transition from `was` (None: not started) to `now_status` announces; a redrive
    runs again (RUNNING) even when it ends within the same transition."""
    if ":execution:" not in arn:  # Express executions emit no status-change events
        return []
    restarted = was is None or redriven
    out = ["RUNNING"] if restarted else []
    if now_status in TERMINAL and (restarted or was not in TERMINAL):
        out.append(now_status)
    return out


def _ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def status_event(
    row: ExecutionRow, status: str, now: datetime, *, output: str | None, error: str | None, cause: str | None
) -> dict[str, Any]:
    """The event for `row` entering `status`; its id is the same every time it is built again."""
    _, _, _, region, account, *_ = row.arn.split(":")
    ended = status in TERMINAL
    redrive = (
        {"redriveStatus": "REDRIVABLE"} if status in ("FAILED", "TIMED_OUT", "ABORTED")
        else {"redriveStatus": "NOT_REDRIVABLE",
              "redriveStatusReason": f"Execution is {status} and cannot be redriven"}
    )  # fmt: skip
    detail: dict[str, Any] = {
        "executionArn": row.arn, "stateMachineArn": row.state_machine_arn, "name": row.name, "status": status,
        "startDate": _ms(row.start_date), "stopDate": _ms(now) if ended else None, "input": row.input,
        "output": output if ended else None, "inputDetails": {"included": True},
        "outputDetails": {"included": True} if ended and output is not None else None,
        "error": error if ended else None, "cause": cause if ended else None,
        "redriveCount": row.redrive_count, "redriveDate": _ms(row.redrive_date), **redrive,
    }  # fmt: skip
    if row.version_arn:
        detail["stateMachineVersionArn"] = row.version_arn
    if row.alias_arn:
        detail["stateMachineAliasArn"] = row.alias_arn
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{row.arn}#{row.redrive_count}#{status}")),
        "detail-type": DETAIL_TYPE,
        "source": "aws.states",
        "account": account,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [row.arn],
        "detail": detail,
    }


def encode_status_event(event: dict[str, Any]) -> str:
    """The outbox entry that delivers the event."""
    return json.dumps({"status_event": event}, separators=(",", ":"), ensure_ascii=False)

"""The approval flow's activity variant: a worker waits for the decision while the task stays alive.

    stepstone worker examples/approval-activity/worker.py:get_approval --activity approval --create \
        --heartbeat-seconds 60 --endpoint http://127.0.0.1:8083

Where the article's Lambda hands the task token to an e-mail link, here the worker keeps it: it
tells the approver which request waits (by id, no token), waits for a decision file to appear, and
returns. The worker library heartbeats meanwhile (every 20 s, a third of the state's
HeartbeatSeconds: 60) and calls back; a rejection is an exception, which the state's Catch routes
to ApprovalRejected. A decision is a JSON file named after the request in the decisions folder:

    {"approved": true, "approvedBy": "user123"}      or      {"approved": false, "reason": "..."}
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

#: How often the worker looks for a decision (seconds).
LOOK_EVERY = float(os.environ.get("APPROVAL_LOOK_EVERY", "1"))


class ApprovalRejected(Exception):
    """The approver said no; the message is the reason (the cause the state machine sees)."""


def decisions() -> Path:
    default = Path(tempfile.gettempdir()) / "stepstone-approval-decisions"
    path = Path(os.environ.get("APPROVAL_DECISIONS", default))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


async def get_approval(request: dict[str, Any]) -> dict[str, Any]:
    """Ask for approval of one request; return the decision, or raise ApprovalRejected."""
    request_id = str(request["requestId"])
    decision_file = decisions() / f"{request_id}.json"
    print(f"Approval needed for request {request_id}: see {request['approvalPage']}", file=sys.stderr)
    while not decision_file.exists():  # an async wait: other tasks of this worker go on meanwhile
        await asyncio.sleep(LOOK_EVERY)
    decision = json.loads(decision_file.read_text())
    if not decision.get("approved"):
        raise ApprovalRejected(str(decision.get("reason", "rejected")))
    return {"approved": True, "approvedBy": decision.get("approvedBy"), "requestId": request_id}

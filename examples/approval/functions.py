"""The messenger function of the approval example, for `stepstone run --functions`.

The article's version puts the task token in an emailed link. A token is a bearer secret: anyone
holding a forwarded email could approve. So this version keeps the token out of the message: it
writes a request record (requestId -> token) into a private outbox directory, and the notification
names only the request id. Whoever approves looks the request up and calls back with the token:

    runner.send_task_success(token, {"approved": True, "approvedBy": "user123"})

The server's approval flow (signed, per-approver approval pages that never show the token) comes
with `stepstone serve`; this file only shows where the token must go and where it must not.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


def _outbox() -> Path:
    default = Path(tempfile.gettempdir()) / "stepstone-approval-requests"
    path = Path(os.environ.get("APPROVAL_OUTBOX", default))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def sendApprovalEmail(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Record who must approve what; notify the approver without the token."""
    request_id = str(event["requestId"])
    record = _outbox() / f"{request_id}.json"
    # The record holds the bearer token: readable by its owner only.
    fd = os.open(record, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(
            {"requestId": request_id, "taskToken": event["taskToken"], "page": event["approvalPage"]}, fh
        )
    print(
        f"Approval needed for request {request_id}: see {event['approvalPage']} (request {request_id})",
        file=sys.stderr,
    )
    return {"status": "Approval requested", "requestId": request_id}

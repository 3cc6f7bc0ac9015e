"""The approval endpoint of the example: a person's answer becomes SendTaskSuccess / SendTaskFailure.

    python examples/approval/approve_endpoint.py --port 8090 --endpoint http://127.0.0.1:8083

    POST /approve?id=REQUEST_ID   -> send_task_success(token, {"approved": true, ...})
    POST /reject?id=REQUEST_ID    -> send_task_failure(token, "Rejected", ...)

As in the article, the code that answers needs nothing but the token: no state machine ARN, no
execution id. Unlike the article, the token never travels in the link: the messenger function
(`functions.py`) wrote it into a private record under the request id, and this endpoint looks it up
there. The link a person receives (and may forward) names only the request. Who may approve is not
checked here: put this behind your sign-in, or use stepstone's approval pages when they land.

A plain WSGI application (standard library only) so it runs anywhere; `make_app` is what the test
serves. Answering twice is safe: stepstone accepts the same answer again and changes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import make_server

import boto3

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def outbox() -> Path:
    """Where the messenger function keeps the request records (same rule as functions.py)."""
    return Path(
        os.environ.get("APPROVAL_OUTBOX", Path(tempfile.gettempdir()) / "stepstone-approval-requests")
    )


def make_app(
    client: Any, records: Path | None = None
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI app over a boto3 Step Functions client."""
    folder = records or outbox()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def answer(status: str, text: str) -> Iterable[bytes]:
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [text.encode()]

        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or path not in ("/approve", "/reject"):
            return answer("404 Not Found", "POST /approve?id=... or /reject?id=...")
        request_id = (parse_qs(environ.get("QUERY_STRING", "")).get("id") or [""])[0]
        record = folder / f"{request_id}.json"
        if not request_id or "/" in request_id or not record.is_file():
            return answer("404 Not Found", "No such approval request.")
        token = json.loads(record.read_text())["taskToken"]
        try:
            if path == "/approve":
                now = datetime.now(UTC).isoformat()
                output = {"approved": True, "approvedBy": "user123", "timestamp": now}
                client.send_task_success(taskToken=token, output=json.dumps(output))
                return answer("200 OK", "Request approved!")
            cause = f"Request {request_id} was rejected."
            client.send_task_failure(taskToken=token, error="Rejected", cause=cause)
            return answer("200 OK", "Request rejected.")
        except client.exceptions.TaskTimedOut:  # timed out, or already answered differently
            return answer("409 Conflict", "This request is no longer waiting for an answer.")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--endpoint", default="http://127.0.0.1:8083", help="the stepstone server")
    args = parser.parse_args()
    client = boto3.client("stepfunctions", endpoint_url=args.endpoint)
    with make_server("127.0.0.1", args.port, make_app(client)) as httpd:
        print(f"approvals on http://127.0.0.1:{args.port}/approve?id=REQUEST_ID", flush=True)
        httpd.serve_forever()


if __name__ == "__main__":
    main()

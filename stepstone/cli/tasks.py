"""`stepstone tasks list`: what each running execution waits on. Never prints a token.

`stepstone tasks succeed|fail|heartbeat EXECUTION --state NAME [--map-index N] --endpoint URL`
answers the task an execution waits on in that state, by its address (`Stepstone.*TaskByAddress`).

Two ways in, never the store directly:

    --endpoint URL   ask a running server (`Stepstone.ListOpenTasks`, a stepstone read beside the AWS
                     operations); signed with SigV4 when botocore and AWS credentials are at hand
    --db PATH        open the SQLite file and ask an in-process service (no worker runs)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

COLUMNS = ("executionArn", "state", "resource", "since", "timeoutAt", "heartbeatAt")
TARGET = "Stepstone.ListOpenTasks"
_TIMES = ("since", "timeoutAt", "heartbeatAt")


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="tasks_command", required=True)
    listing = subs.add_parser("list", help="open tasks of running executions")
    where = listing.add_mutually_exclusive_group()
    where.add_argument("--endpoint", default=None, help="a running server, e.g. http://127.0.0.1:8083")
    where.add_argument("--db", default=None, help="a SQLite file or a PostgreSQL DSN (default: stepstone.db)")
    listing.add_argument("--execution", default=None, help="only this execution's tasks")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=run)
    for verb, what in (
        ("succeed", "complete the task an execution waits on in a state, with an output"),
        ("fail", "fail the task an execution waits on in a state, with an error and cause"),
        ("heartbeat", "tell the task an execution waits on in a state that work goes on"),
    ):
        command = subs.add_parser(verb, help=what + " (no token needed)")
        command.add_argument("execution", help="the execution ARN")
        command.add_argument("--state", required=True, help="the state the task waits in")
        command.add_argument("--map-index", type=int, default=None, help="the Map iteration's index")
        command.add_argument("--endpoint", required=True, help="a running server, e.g. http://127.0.0.1:8083")
        if verb == "succeed":
            command.add_argument("--output", default="{}", help="the task's output, JSON (default {})")
        if verb == "fail":
            command.add_argument("--error", default="", help="the error name")
            command.add_argument("--cause", default="", help="the cause, free text")
        command.set_defaults(handler=complete)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else ("-" if value is None else str(value))


def _sign(request: urllib.request.Request, body: bytes) -> None:
    """SigV4-sign the request when botocore and credentials are available (servers that require it)."""
    try:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.session import Session
    except ImportError:
        return
    session = Session()
    credentials = session.get_credentials()
    if credentials is None:
        return
    aws = AWSRequest(method="POST", url=request.full_url, data=body, headers=dict(request.header_items()))
    SigV4Auth(credentials, "states", session.get_config_variable("region") or "us-east-1").add_auth(aws)
    for name, value in aws.headers.items():
        request.add_header(name, value)


def call_remote(endpoint: str, target: str, request: dict[str, Any]) -> dict[str, Any]:
    """POST one stepstone operation to a server; raises SystemExit with the server's error message."""
    body = json.dumps(request).encode()
    http = urllib.request.Request(endpoint.rstrip("/") + "/", data=body, method="POST")
    http.add_header("Content-Type", "application/x-amz-json-1.0")
    http.add_header("X-Amz-Target", target)
    _sign(http, body)
    try:
        with urllib.request.urlopen(http, timeout=30) as answer:
            document: dict[str, Any] = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as failed:
        error = json.loads(failed.read() or b"{}")
        raise SystemExit(
            f"{error.get('__type', failed.code)}: {error.get('message', failed.reason)}"
        ) from None
    except urllib.error.URLError as exc:
        raise SystemExit(f"cannot reach {endpoint}: {exc.reason}") from None
    return document


def fetch_remote(endpoint: str, execution: str | None) -> list[dict[str, Any]]:
    """The open tasks from a server's API; raises SystemExit with the server's error message."""
    document = call_remote(endpoint, TARGET, {"executionArn": execution} if execution else {})
    tasks: list[dict[str, Any]] = document.get("tasks", [])
    for task in tasks:  # the API sends times as epoch seconds
        for key in _TIMES:
            if isinstance(task.get(key), int | float):
                task[key] = datetime.fromtimestamp(task[key], UTC)
    return tasks


def fetch_local(db: str, execution: str | None) -> list[dict[str, Any]]:
    """The open tasks through an in-process service over the SQLite file."""
    from stepstone.app import build
    from stepstone.config import Config, is_postgres_dsn
    from stepstone.errors import ServiceError

    dsn = db if is_postgres_dsn(db) else None
    if dsn is None and not Path(db).exists():
        raise SystemExit(f"no database at {db}")

    async def ask() -> list[dict[str, Any]]:
        server = build(Config(db=None if dsn else Path(db), dsn=dsn))
        await server.store.open()
        try:
            answer = await server.service.list_open_tasks({"executionArn": execution} if execution else {})
        except ServiceError as exc:
            raise SystemExit(f"{exc.code}: {exc.message}") from None
        finally:
            await server.store.close()
        tasks: list[dict[str, Any]] = answer["tasks"]
        return tasks

    return asyncio.run(ask())


_BY_ADDRESS = {
    "succeed": "Stepstone.SucceedTaskByAddress",
    "fail": "Stepstone.FailTaskByAddress",
    "heartbeat": "Stepstone.HeartbeatTaskByAddress",
}


def complete(args: argparse.Namespace) -> int:
    """`stepstone tasks succeed|fail|heartbeat`: answer a task by its address through the API."""
    request: dict[str, Any] = {"executionArn": args.execution, "stateName": args.state}
    if args.map_index is not None:
        request["mapIndex"] = args.map_index
    if args.tasks_command == "succeed":
        request["output"] = args.output
    elif args.tasks_command == "fail":
        request.update(error=args.error, cause=args.cause)
    call_remote(args.endpoint, _BY_ADDRESS[args.tasks_command], request)
    print(f"{args.tasks_command}: {args.state} of {args.execution}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.endpoint:
        rows = fetch_remote(args.endpoint, args.execution)
    else:
        rows = fetch_local(args.db or "stepstone.db", args.execution)
    rows = [{c: row.get(c) for c in COLUMNS} for row in rows]  # a fixed set: no token can slip in
    if args.json:
        for row in rows:
            print(json.dumps({k: _text(v) for k, v in row.items()}))
        return 0
    if not rows:
        print("no open tasks")
        return 0
    table = [[_text(r[c]) for c in COLUMNS] for r in rows]
    widths = [max(len(c), *(len(line[i]) for line in table)) for i, c in enumerate(COLUMNS)]
    print("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)))
    for line in table:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)))
    return 0

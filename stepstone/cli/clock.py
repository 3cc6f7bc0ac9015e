"""`stepstone clock advance DURATION --endpoint URL`: move a test server's virtual clock forward.

    stepstone serve --clock virtual &
    stepstone clock advance 1d --endpoint http://127.0.0.1:8083

Every Wait, TimeoutSeconds, HeartbeatSeconds, retry interval and execution timeout that falls due
within the advance fires, in order, and the command returns when the engine is idle (the server's
`Stepstone.AdvanceClock`). Signed with SigV4 when botocore and AWS credentials are at hand: a server
with access keys refuses it unless the caller's key allows `AdvanceClock`.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from stepstone.cli.tasks import _sign
from stepstone.runtime.clock import parse_duration

TARGET = "Stepstone.AdvanceClock"


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="clock_command", required=True)
    advance = subs.add_parser("advance", help="move the virtual clock forward and run until idle")
    advance.add_argument("duration", help="how far: 90s, 15m, 2h, 1d, 1w, 1h30m, or seconds")
    advance.add_argument("--endpoint", required=True, help="the server, e.g. http://127.0.0.1:8083")
    parser.set_defaults(handler=run)


def call(endpoint: str, target: str, document: dict[str, Any]) -> dict[str, Any]:
    """POST one stepstone operation; raises SystemExit with the server's error."""
    body = json.dumps(document).encode()
    request = urllib.request.Request(endpoint.rstrip("/") + "/", data=body, method="POST")
    request.add_header("Content-Type", "application/x-amz-json-1.0")
    request.add_header("X-Amz-Target", target)
    _sign(request, body)
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result
    except urllib.error.HTTPError as failed:
        error = json.loads(failed.read() or b"{}")
        code, message = error.get("__type", failed.code), error.get("message", failed.reason)
        raise SystemExit(f"{code}: {message}") from None
    except urllib.error.URLError as exc:
        raise SystemExit(f"cannot reach {endpoint}: {exc.reason}") from None


def run(args: argparse.Namespace) -> int:
    try:
        parse_duration(args.duration)  # say what is wrong before asking the server
    except ValueError as exc:
        print(f"stepstone clock: {exc}", file=sys.stderr)
        return 2
    answer = call(args.endpoint, TARGET, {"duration": args.duration})
    print(json.dumps(answer))
    return 0

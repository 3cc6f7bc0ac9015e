"""`stepstone messages publish NAME --key KEY`: publish a message to the tasks waiting for it.

Goes through a running server's API (`Stepstone.PublishMessage`), signed like `stepstone tasks`.
"""

from __future__ import annotations

import argparse
import json

from stepstone.cli.tasks import call_remote


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="messages_command", required=True)
    publish = subs.add_parser("publish", help="publish a message by name and correlation key")
    publish.add_argument("name", help="the message name")
    publish.add_argument("--key", required=True, help="the correlation key")
    publish.add_argument("--payload", default="{}", help="the payload, JSON (default {})")
    publish.add_argument("--id", default=None, help="the message id: the same id again changes nothing")
    publish.add_argument("--ttl", type=int, default=0, help="seconds to keep it for a wait not yet started")
    publish.add_argument("--endpoint", required=True, help="a running server, e.g. http://127.0.0.1:8083")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    request = {"messageName": args.name, "correlationKey": args.key, "payload": args.payload}
    request.update({"timeToLiveSeconds": args.ttl, **({"messageId": args.id} if args.id else {})})
    print(json.dumps(call_remote(args.endpoint, "Stepstone.PublishMessage", request)))
    return 0

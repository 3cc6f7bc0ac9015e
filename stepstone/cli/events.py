"""`stepstone events dead-letters`: status-change events the configured endpoint never accepted."""

from __future__ import annotations

import argparse
import json
from typing import Any

from stepstone.cli.database import add_db_argument, with_service
from stepstone.service.events import EventOperations
from stepstone.store.deployments import DeadLetterRow


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="events_command", required=True)
    listing = subs.add_parser("dead-letters", help="undelivered status-change events, newest first")
    add_db_argument(listing)
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true", help="one JSON object per line, with the event")
    parser.set_defaults(handler=run)


def letter(row: DeadLetterRow) -> dict[str, Any]:
    event = json.loads(row.event)
    return {
        "id": row.id, "at": row.at.isoformat(), "executionArn": row.execution_arn,
        "status": event.get("detail", {}).get("status"), "attempts": row.attempts, "error": row.error,
        "event": event,
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    async def fetch(service: EventOperations) -> list[DeadLetterRow]:
        return await service.list_dead_letters(args.limit)

    rows = with_service(args.db, fetch)
    if args.json:
        for row in rows:
            print(json.dumps(letter(row)))
        return 0
    if not rows:
        print("no dead letters")
        return 0
    for row in rows:
        e = letter(row)
        print(f"{e['at']}  {e['status']}  {e['executionArn']}  {e['attempts']} attempts  {e['error']}")
    return 0

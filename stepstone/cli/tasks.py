"""`stepstone tasks list`: what each running execution waits on. Never prints a token."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="tasks_command", required=True)
    listing = subs.add_parser("list", help="open tasks of running executions")
    listing.add_argument("--db", type=Path, default=Path("stepstone.db"))
    listing.add_argument("--execution", default=None, help="only this execution's tasks")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=run)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else ("-" if value is None else str(value))


def run(args: argparse.Namespace) -> int:
    from stepstone.store.sqlite import SqliteStore

    async def fetch() -> list[dict[str, Any]]:
        store = SqliteStore(args.db, readers=1)
        await store.open()
        try:
            rows = await store.list_tasks(args.execution, "open")
        finally:
            await store.close()
        return [
            {
                "executionArn": t.execution_arn,
                "state": t.state_name,
                "resource": t.resource,
                "since": t.since,
                "timeoutAt": t.timeout_at,
                "heartbeatAt": t.heartbeat_at,
            }
            for t in rows
        ]

    rows = asyncio.run(fetch())
    if args.json:
        for row in rows:
            print(json.dumps({k: _text(v) for k, v in row.items()}))
        return 0
    if not rows:
        print("no open tasks")
        return 0
    columns = ("executionArn", "state", "resource", "since", "timeoutAt", "heartbeatAt")
    table = [[_text(r[c]) for c in columns] for r in rows]
    widths = [max(len(c), *(len(line[i]) for line in table)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for line in table:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)))
    return 0

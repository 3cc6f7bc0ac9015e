"""`stepstone audit list`: who completed, failed or heartbeat which task, from where, and the outcome.

Never prints a task token: the audit log does not hold them.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from stepstone.cli.database import add_db_argument, with_service
from stepstone.service.audit import AuditOperations
from stepstone.store.security import AuditRow


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="audit_command", required=True)
    listing = subs.add_parser("list", help="audit entries, oldest first")
    add_db_argument(listing)
    listing.add_argument("--execution", default=None, metavar="ARN", help="only this execution's entries")
    listing.add_argument("--limit", type=int, default=1000)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=run)


def entry(row: AuditRow) -> dict[str, Any]:
    return {
        "id": row.id, "at": row.at.isoformat(), "principal": row.principal, "address": row.address,
        "action": row.action, "outcome": row.outcome, "reason": row.reason,
        "executionArn": row.execution_arn, "state": row.state_name,
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    async def fetch(service: AuditOperations) -> list[AuditRow]:
        return await service.list_audit(args.execution, limit=args.limit)

    rows = with_service(args.db, fetch)
    if args.json:
        for row in rows:
            print(json.dumps(entry(row)))
        return 0
    if not rows:
        print("no audit entries")
        return 0
    for row in rows:
        e = entry(row)
        print(
            f"{e['at']}  {e['principal']}@{e['address'] or '-'}  {e['action']}  {e['outcome']}"
            f"  {e['executionArn'] or '-'}  {e['state'] or '-'}  {e['reason']}"
        )
    return 0

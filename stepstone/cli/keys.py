"""`stepstone keys create|list|revoke`: the access keys that sign API requests (SigV4).

Works on the server's SQLite file and data directory (the access master key sits next to the file),
so run it where the server runs; a running server sees new and revoked keys at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from stepstone.service.keys import AccessKeyRow

T = TypeVar("T")


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="keys_command", required=True)
    create = subs.add_parser("create", help="create a key; its secret is printed once")
    create.add_argument("--name", required=True, help="what the key is for, e.g. approval-api")
    create.add_argument(
        "--allow", required=True,
        help="comma-separated actions, e.g. SendTaskSuccess,SendTaskFailure or SendTask* ('*': all)",
    )  # fmt: skip
    create.add_argument(
        "--state-machine", action="append", default=[], metavar="ARN",
        help="limit the key to this state machine (repeat for more); default: every state machine",
    )  # fmt: skip
    subs.add_parser("list", help="every key: id, name, what it may do, revoked or not")
    revoke = subs.add_parser("revoke", help="refuse requests signed with this key from now on")
    revoke.add_argument("key_id")
    for sub in subs.choices.values():
        sub.add_argument("--db", type=Path, default=Path("stepstone.db"), help="the server's SQLite file")
        sub.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def with_service(db: Path, body: Callable[[Any], Awaitable[T]]) -> T:
    """Run `body(service)` over the server's store and data directory (no worker is started)."""
    from stepstone.app import build
    from stepstone.config import Config

    async def main() -> T:
        server = build(Config(db=db))
        await server.store.open()
        try:
            return await body(server.service)
        finally:
            await server.store.close()

    return asyncio.run(main())


def describe(row: AccessKeyRow) -> dict[str, Any]:
    return {
        "accessKeyId": row.key_id, "name": row.name, "allow": list(row.allow),
        "stateMachines": list(row.state_machines) or ["*"], "created": row.created.isoformat(),
        "status": "Inactive" if row.revoked is not None else "Active",
        "revoked": None if row.revoked is None else row.revoked.isoformat(),
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from stepstone.errors import ServiceError

    try:
        if args.keys_command == "create":
            allow = [a.strip() for a in args.allow.split(",") if a.strip()]
            row, secret = with_service(
                args.db, lambda s: s.create_access_key(args.name, allow, args.state_machine)
            )
            return _created(row, secret, as_json=args.json)
        if args.keys_command == "revoke":
            row = with_service(args.db, lambda s: s.revoke_access_key(args.key_id))
            print(json.dumps(describe(row)) if args.json else f"revoked {row.key_id} ({row.name})")
            return 0
        rows: list[AccessKeyRow] = with_service(args.db, lambda s: s.list_access_keys())
    except ServiceError as error:
        print(f"stepstone keys: {error.code}: {error.message}")
        return 1
    return _listed(rows, as_json=args.json)


def _created(row: AccessKeyRow, secret: str, *, as_json: bool) -> int:
    if as_json:
        print(json.dumps({**describe(row), "secretAccessKey": secret}))
        return 0
    print(f"Access key {row.key_id} ({row.name}) created. The secret is shown ONCE; store it now.\n")
    print(f"  aws_access_key_id     = {row.key_id}")
    print(f"  aws_secret_access_key = {secret}\n")
    print(f"  allow:          {', '.join(row.allow)}")
    print(f"  state machines: {', '.join(row.state_machines) or '* (all)'}")
    return 0


def _listed(rows: list[AccessKeyRow], *, as_json: bool) -> int:
    if as_json:
        for row in rows:
            print(json.dumps(describe(row)))
        return 0
    if not rows:
        print("no access keys: the server serves loopback only, without authentication")
        return 0
    for row in rows:
        d = describe(row)
        print(
            f"{d['accessKeyId']}  {d['status']:<8}  {d['name']}  allow={','.join(d['allow'])}"
            f"  state-machines={','.join(d['stateMachines'])}"
        )
    return 0

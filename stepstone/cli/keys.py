"""`stepstone keys create|list|revoke`: the access keys that sign API requests (SigV4).

Works on the server's database: a SQLite file (the access master key sits next to it, so run it where
the server runs) or a PostgreSQL DSN (then every node and this command need the same
`STEPSTONE_ACCESS_MASTER_KEY`). A running server sees new and revoked keys at once.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from stepstone.cli.database import add_db_argument, with_service
from stepstone.config import is_postgres_dsn
from stepstone.service.keys import MASTER_ENV, AccessKeyRow

__all__ = ["describe", "register", "run", "with_service"]


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
        add_db_argument(sub)
        sub.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


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
            if is_postgres_dsn(args.db) and not os.environ.get(MASTER_ENV):
                # a master made up here would differ from the servers': the secret would not verify
                print(f"stepstone keys: on PostgreSQL, set {MASTER_ENV} (the servers' value) to create keys")
                return 2
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

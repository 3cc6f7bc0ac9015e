"""`stepstone db upgrade`: apply the schema migrations explicitly (servers also apply them on start).

On PostgreSQL the migrations run under an advisory lock, so an upgrade may run while nodes start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

from stepstone.config import is_postgres_dsn


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="db_command", required=True)
    upgrade = subs.add_parser("upgrade", help="apply the migrations this database has not seen yet")
    upgrade.add_argument(
        "--db",
        default=os.environ.get("STEPSTONE_DB"),
        help="a SQLite file or a postgresql://... DSN (default: $STEPSTONE_DB)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.db:
        print(json.dumps({"error": "name the database: --db FILE|postgresql://... or STEPSTONE_DB"}))
        return 2
    if is_postgres_dsn(args.db):
        from stepstone.store.postgres import upgrade

        applied = asyncio.run(upgrade(args.db))
        print(json.dumps({"store": "postgresql", "applied": applied}))
        return 0
    import sqlite3

    from stepstone.store.sqlite import migrate, migrations

    conn = sqlite3.connect(args.db, isolation_level=None)
    try:
        before = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        seen: set[int] = set()
        if "schema_migrations" in before:
            seen = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        migrate(conn)
    finally:
        conn.close()
    applied = [version for version, _ in migrations() if version not in seen]
    print(json.dumps({"store": "sqlite", "applied": applied}))
    return 0

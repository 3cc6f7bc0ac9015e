"""`stepstone db`: `upgrade` (apply the schema migrations; servers also apply them on start), `prune`
(delete closed executions now, as retention does in the background) and `backup` (a consistent copy
of a SQLite database while the server runs; PostgreSQL: pg_dump, see docs/operating.md).

On PostgreSQL the migrations run under an advisory lock, so an upgrade may run while nodes start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from stepstone.config import is_postgres_dsn
from stepstone.service.keys import MASTER_FILE

#: The secrets kept next to a SQLite database (token keys, the access keys' master key): a copy of
#: the database without them cannot verify the task tokens its parked executions handed out.
KEY_FILES = ("stepstone-keys.json", MASTER_FILE)
DB_HELP = "a SQLite file or a postgresql://... DSN (default: $STEPSTONE_DB)"


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="db_command", required=True)
    upgrade = subs.add_parser("upgrade", help="apply the migrations this database has not seen yet")
    upgrade.add_argument("--db", default=os.environ.get("STEPSTONE_DB"), help=DB_HELP)
    upgrade.set_defaults(handler=run)
    prune = subs.add_parser("prune", help="delete executions closed longer ago than --older-than")
    prune.add_argument("--older-than", required=True, metavar="DURATION", help="e.g. 30d, 12h, 90m")
    prune.add_argument("--db", default=os.environ.get("STEPSTONE_DB"), help=DB_HELP)
    prune.set_defaults(handler=run_prune)
    backup = subs.add_parser("backup", help="copy a SQLite database consistently, even while it serves")
    backup.add_argument("file", type=Path, help="the copy to write (must not exist)")
    backup.add_argument("--db", default=os.environ.get("STEPSTONE_DB"), help="the SQLite file")
    backup.add_argument(
        "--no-keys", action="store_true",
        help="do not copy the key files next to the database (then keep them safe yourself)",
    )  # fmt: skip
    backup.set_defaults(handler=run_backup)


def _error(message: str) -> int:
    print(json.dumps({"error": message}))
    return 2


def run(args: argparse.Namespace) -> int:
    if not args.db:
        return _error("name the database: --db FILE|postgresql://... or STEPSTONE_DB")
    if is_postgres_dsn(args.db):
        from stepstone.store.postgres import upgrade

        applied = asyncio.run(upgrade(args.db))
        print(json.dumps({"store": "postgresql", "applied": applied}))
        return 0
    from stepstone.store.sqlite import migrate
    from stepstone.store.sqlite_sql import migrations

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


def run_prune(args: argparse.Namespace) -> int:
    from stepstone.app import open_store
    from stepstone.cli.database import config_for
    from stepstone.runtime.retention import parse_retention, prune

    if not args.db:
        return _error("name the database: --db FILE|postgresql://... or STEPSTONE_DB")
    try:
        keep = parse_retention(args.older_than)
    except ValueError as exc:
        return _error(str(exc))
    if keep is None:
        return _error("--older-than 0 would delete every closed execution; give a duration such as 1s")
    before = datetime.now(UTC) - keep

    async def main() -> int:
        store = open_store(config_for(args.db))
        await store.open()
        try:
            return await prune(store, before)
        finally:
            await store.close()

    pruned = asyncio.run(main())
    print(json.dumps({"pruned": pruned, "closed_before": before.isoformat()}))
    return 0


def run_backup(args: argparse.Namespace) -> int:
    """SQLite's online backup API: a consistent snapshot while the server keeps writing."""
    if not args.db:
        return _error("name the database: --db FILE or STEPSTONE_DB")
    if is_postgres_dsn(args.db):
        return _error("PostgreSQL: use pg_dump -Fc (see docs/operating.md, Backup and restore)")
    source, target = Path(args.db), Path(args.file)
    if not source.is_file():
        return _error(f"no SQLite database at {source}")
    if target.exists():
        return _error(f"{target} exists; name a new file")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # one step under one read transaction: a snapshot as of its start; in WAL mode the server's
        # writer goes on committing meanwhile (a stepwise copy would restart at each of its commits)
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    copied = [] if args.no_keys else _copy_keys(source.parent, target.parent)
    print(json.dumps({"backup": str(target), "bytes": target.stat().st_size, "keys": copied}))
    return 0


def _copy_keys(source: Path, target: Path) -> list[str]:
    """The key files beside the database, beside the copy (mode 0600); an existing different one is kept."""
    copied = []
    for name in KEY_FILES:
        src, dst = source / name, target / name
        if not src.is_file() or src.resolve() == dst.resolve():
            continue
        if dst.exists():
            if dst.read_bytes() != src.read_bytes():
                raise SystemExit(f"stepstone: {dst} exists and differs from {src}; move it away first")
            continue
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o600)
        copied.append(name)
    return copied

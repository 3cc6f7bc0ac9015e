"""Where the store-backed commands (`users`, `keys`, `audit`) find the server's database.

`--db` names a SQLite file or a PostgreSQL DSN (`postgresql://...` or libpq `key=value` words), like
`stepstone serve --db` and `stepstone tasks list --db`; `STEPSTONE_DB` is the default, else
`stepstone.db`. The command runs an in-process service over that database (no worker is started), so
the CLI goes through the service layer, never around it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from stepstone.config import Config, is_postgres_dsn

T = TypeVar("T")

DB_HELP = "the server's SQLite file or PostgreSQL DSN (default: $STEPSTONE_DB, else stepstone.db)"


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """Add `--db` (a SQLite file or a PostgreSQL DSN, default `$STEPSTONE_DB`) to a subcommand."""
    parser.add_argument("--db", default=os.environ.get("STEPSTONE_DB") or "stepstone.db", help=DB_HELP)


def config_for(db: str | Path) -> Config:
    """The configuration that opens `db`: a PostgreSQL DSN, else a SQLite file."""
    text = str(db)
    return Config(dsn=text) if is_postgres_dsn(text) else Config(db=Path(text))


def with_service(db: str | Path, body: Callable[[Any], Awaitable[T]]) -> T:
    """Run `body(service)` over the server's database and data directory (no worker is started)."""
    from stepstone.app import build

    async def main() -> T:
        server = build(config_for(db))
        await server.store.open()
        try:
            return await body(server.service)
        finally:
            await server.store.close()

    return asyncio.run(main())

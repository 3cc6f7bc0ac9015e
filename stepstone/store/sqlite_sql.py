"""The SQLite store's SQL: named queries, numbered migrations and the text form of times.

Shared by `sqlite.py` and the modules mixed into its store, so neither imports the other.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from importlib import resources


def ts(value: datetime | None) -> str | None:
    # isoformat is several times faster than strftime and gives the same fixed-width text for UTC
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def dt(value: str | None) -> datetime | None:
    return None if value is None else _dt(value)


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)  # strptime is ten times slower


def load_queries(dialect: str = "sqlite", file: str = "queries.sql") -> dict[str, str]:
    """The named queries of `sql/<dialect>/<file>`: name -> SQL text."""
    text = resources.files("stepstone.store").joinpath(f"sql/{dialect}/{file}").read_text()
    queries: dict[str, str] = {}
    name: str | None = None
    for line in text.splitlines():
        if line.startswith("-- name:"):
            name = line.removeprefix("-- name:").strip()
            queries[name] = ""
        elif name is not None and not line.startswith("--"):
            queries[name] += line + "\n"
    return {k: v.strip() for k, v in queries.items()}


def migrations(dialect: str = "sqlite") -> list[tuple[int, str]]:
    """(version, SQL) of every numbered migration, in order."""
    folder = resources.files("stepstone.store").joinpath(f"migrations/{dialect}")
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text()) for f in folder.iterdir() if f.name.endswith(".sql")
    ]
    return sorted(found)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations this database has not seen yet, each in its own transaction."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
    applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    for version, sql in migrations():
        if version in applied:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in sql.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (version) VALUES (?)", (version,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


Q = load_queries()

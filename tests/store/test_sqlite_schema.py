"""SQLite specifics: migrations applied in order equal the fresh schema; the file survives a reopen."""

from __future__ import annotations

import re
import sqlite3
from importlib import resources
from pathlib import Path

from stepstone.store.sqlite import migrate
from stepstone.store.sqlite_sql import load_queries, migrations


def schema_of(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master"
        " WHERE name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'"
    ).fetchall()
    return sorted((t, n, " ".join((sql or "").split())) for t, n, sql in rows)


def test_migrations_applied_equal_the_schema(tmp_path: Path) -> None:
    migrated = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    migrate(migrated)
    migrate(migrated)  # idempotent: a second start applies nothing
    fresh = sqlite3.connect(tmp_path / "f.db")
    fresh.executescript(resources.files("stepstone.store").joinpath("sql/sqlite/schema.sql").read_text())
    assert schema_of(migrated) == schema_of(fresh)
    versions = [v for v, _ in migrations()]  # numbered per branch: gaps are fine, order is not
    assert versions == sorted(set(versions)) and versions[0] == 1
    assert migrated.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(migrations())


def test_every_named_query_prepares_against_the_schema(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "q.db", isolation_level=None)
    migrate(conn)
    for name, sql in load_queries().items():
        assert conn.execute(f"EXPLAIN {sql}", {p: None for p in _params(sql)}).fetchall(), name


def _params(sql: str) -> set[str]:
    return set(re.findall(r":([a-z_]+)", sql))

"""`stepstone db upgrade` on both stores: applies what is missing, then nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from stepstone.store.postgres.schema import migrations as pg_migrations
from stepstone.store.sqlite_sql import migrations as sqlite_migrations


def upgrade(db: str) -> dict[str, object]:
    cmd = [sys.executable, "-m", "stepstone.cli.main", "db", "upgrade", "--db", db]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result: dict[str, object] = json.loads(out)
    return result


def test_db_upgrade_on_postgresql_applies_each_migration_once(pg_dsn: str) -> None:
    everything = [v for v, _, _ in pg_migrations()]
    assert upgrade(pg_dsn) == {"store": "postgresql", "applied": everything}
    assert upgrade(pg_dsn) == {"store": "postgresql", "applied": []}


def test_db_upgrade_on_sqlite(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    assert upgrade(db) == {"store": "sqlite", "applied": [v for v, _ in sqlite_migrations()]}
    assert upgrade(db) == {"store": "sqlite", "applied": []}

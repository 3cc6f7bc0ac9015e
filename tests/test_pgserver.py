"""The PostgreSQL fixtures: each test gets its own database, and a throwaway cluster really starts."""

from __future__ import annotations

import psycopg
import pytest

from tests import pgserver


def test_each_test_gets_an_empty_database_of_its_own(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert name is not None and name[0].startswith("stepstone_test_")
    assert tables == (0,)


@pytest.mark.skipif(pgserver._binaries() is None, reason="no PostgreSQL binaries installed")
def test_a_throwaway_cluster_starts_and_stops() -> None:
    bindir = pgserver._binaries()
    assert bindir is not None
    with pgserver._throwaway_cluster(bindir) as dsn:
        assert pgserver._reachable(dsn) is None
        port = psycopg.conninfo.conninfo_to_dict(dsn)["port"]
    assert pgserver._reachable(dsn) is not None, f"cluster on port {port} still answers after stop"

"""PostgreSQL specifics: migrations equal the schema and race safely; named queries prepare."""

from __future__ import annotations

import asyncio
import re

import psycopg

from stepstone.store.postgres.schema import fresh_schema, load_queries, migrate, migrations, upgrade

SNAPSHOT = [
    "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, ''), is_identity"
    " FROM information_schema.columns WHERE table_schema = 'public' AND table_name != 'schema_migrations'"
    " ORDER BY 1, 2",
    "SELECT tablename, indexname, indexdef FROM pg_indexes"
    " WHERE schemaname = 'public' AND tablename != 'schema_migrations' ORDER BY 1, 2",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text != 'schema_migrations'"
    " ORDER BY 1, 2",
]


def snapshot(conn: psycopg.Connection[tuple[object, ...]]) -> list[list[tuple[object, ...]]]:
    return [conn.execute(q.encode()).fetchall() for q in SNAPSHOT]


def test_migrations_applied_equal_the_schema(pg_dsn: str) -> None:
    assert asyncio.run(upgrade(pg_dsn)) == [v for v, _, _ in migrations()]
    assert asyncio.run(upgrade(pg_dsn)) == []  # idempotent: a second start applies nothing
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        migrated = snapshot(conn)
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(migrations()),)
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        conn.execute(fresh_schema().encode())
        assert snapshot(conn) == migrated
    versions = [v for v, _, _ in migrations()]  # numbered per branch: gaps are fine, order is not
    assert versions == sorted(set(versions)) and versions[0] == 1


def test_nodes_starting_together_apply_each_migration_once(pg_dsn: str) -> None:
    async def one() -> list[int]:
        async with await psycopg.AsyncConnection.connect(pg_dsn, autocommit=True) as conn:
            return await migrate(conn)

    async def many() -> list[list[int]]:
        return await asyncio.gather(*(one() for _ in range(5)))

    results = asyncio.run(many())
    assert sorted(map(len, results)) == [0, 0, 0, 0, len(migrations())]


def as_sent(sql: str) -> str:
    """A named query's text as psycopg sends it: each placeholder numbered by its first appearance."""
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${numbers.setdefault(match.group(1), len(numbers) + 1)}"

    return re.sub(r"%\((\w+)\)[sb]", number, sql).replace("%%", "%")


def test_every_named_query_prepares_against_the_schema(pg_dsn: str) -> None:
    asyncio.run(upgrade(pg_dsn))
    with psycopg.connect(pg_dsn) as conn:
        for name, sql in load_queries().items():
            # PREPARE checks tables, columns and types without running anything
            conn.execute(f"PREPARE q_{name} AS {as_sent(sql)}".encode())

"""The PostgreSQL schema: named queries, numbered migrations, and applying them under an advisory lock.

Migrations are `migrations/postgres/NNNN_name.sql`. `migrate` applies the missing ones in ONE
transaction that first takes a transaction-scoped advisory lock, so nodes starting together queue
behind each other: the first applies, the rest find nothing left to do. DDL is transactional in
PostgreSQL, so a failed migration leaves the schema as it was.
"""

from __future__ import annotations

from importlib import resources

import psycopg

#: The advisory lock key that serialises migrations (any constant; "stepstone" as a number).
MIGRATION_LOCK = 0x73746570_73746F6E >> 1


def load_queries(file: str = "queries.sql") -> dict[str, str]:
    """The named queries of `sql/postgres/<file>`: name -> SQL text (comments dropped)."""
    text = resources.files("stepstone.store").joinpath(f"sql/postgres/{file}").read_text()
    queries: dict[str, list[str]] = {}
    name: str | None = None
    for line in text.splitlines():
        if line.startswith("-- name:"):
            name = line.removeprefix("-- name:").strip()
            queries[name] = []
        elif name is not None and not line.lstrip().startswith("--"):
            queries[name].append(line)
    return {k: "\n".join(v).strip().rstrip(";") for k, v in queries.items()}


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every numbered migration, in order."""
    folder = resources.files("stepstone.store").joinpath("migrations/postgres")
    found = [
        (int(f.name.split("_", 1)[0]), f.name, f.read_text())
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


def fresh_schema() -> str:
    """The current schema as one script (what the migrations add up to)."""
    return resources.files("stepstone.store").joinpath("sql/postgres/schema.sql").read_text()


async def migrate(conn: psycopg.AsyncConnection[object]) -> list[int]:
    """Apply the migrations this database has not seen; the versions applied now (often none)."""
    applied_now: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        cur = await conn.execute("SELECT version FROM schema_migrations")
        seen = {row[0] for row in await cur.fetchall()}  # type: ignore[index]
        for version, name, sql in migrations():
            if version in seen:
                continue
            await conn.execute(sql.encode())
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name)
            )
            applied_now.append(version)
    return applied_now


async def upgrade(dsn: str) -> list[int]:
    """Connect, migrate, disconnect: what `stepstone db upgrade` runs."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        return await migrate(conn)

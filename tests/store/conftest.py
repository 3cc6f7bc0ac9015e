"""One parametrised fixture runs the store contract against every implementation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from stepstone.store.base import Store
from stepstone.store.memory import MemoryStore
from stepstone.store.postgres import PostgresStore
from stepstone.store.sqlite import SqliteStore

S = TypeVar("S", bound=Store)
StoreRunner = Callable[[Callable[[Store], Awaitable[Any]]], Any]


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A fresh store of the kind; PostgreSQL gets a database of its own (the `pg_dsn` fixture)."""
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SqliteStore(tmp_path / "s.db")
    return PostgresStore(request.getfixturevalue("pg_dsn"))


def run_opened(store: S, body: Callable[[S], Awaitable[Any]]) -> Any:
    """Opens the store, runs `body(store)` on a new event loop, and closes the store."""

    async def main() -> Any:
        await store.open()
        try:
            return await body(store)
        finally:
            await store.close()

    return asyncio.run(main())


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def with_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreRunner]:
    """Runs `body(store)` on a fresh, opened store of the parametrised kind, then closes it."""

    def run(body: Callable[[Store], Awaitable[Any]]) -> Any:
        return run_opened(make_store(request.param, request, tmp_path), body)

    yield run

"""One parametrised fixture runs the store contract against every implementation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from stepstone.store.base import Store
from stepstone.store.memory import MemoryStore
from stepstone.store.sqlite import SqliteStore

StoreRunner = Callable[[Callable[[Store], Awaitable[Any]]], Any]


@pytest.fixture(params=["memory", "sqlite"])
def with_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreRunner]:
    """Runs `body(store)` on a fresh, opened store of the parametrised kind, then closes it."""

    def run(body: Callable[[Store], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
            await store.open()
            try:
                return await body(store)
            finally:
                await store.close()

        return asyncio.run(main())

    yield run

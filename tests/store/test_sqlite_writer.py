"""Group commit: writes queued together share a commit, yet each one stays atomic on its own."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from stepstone.store.sqlite_writer import Writer


def sync(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return run


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


async def _writer(path: Path) -> Writer:
    writer = Writer(lambda: _connect(path))
    await writer.call(lambda c: c.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INT)"), transactional=False)
    return writer


def _rows(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT k, v FROM t").fetchall())


@sync
async def test_a_failing_write_in_a_group_is_rolled_back_alone(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = await _writer(path)

    def half_then_fail(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO t VALUES ('bad-1', 1)")
        raise ValueError("boom")

    def insert(key: str) -> object:
        return lambda c: c.execute("INSERT INTO t VALUES (?, 1)", (key,)).rowcount

    results = await asyncio.gather(
        *(writer.call(insert(f"k{i}")) for i in range(50)),
        writer.call(half_then_fail),
        *(writer.call(insert(f"m{i}")) for i in range(50)),
        return_exceptions=True,
    )
    await writer.stop()
    assert [r for r in results if isinstance(r, BaseException)] == [results[50]]
    assert isinstance(results[50], ValueError)
    assert results[:50] == [1] * 50
    keys = [k for k, _ in _rows(path)]
    assert "bad-1" not in keys
    assert len(keys) == 100


@sync
async def test_a_constraint_error_reaches_its_caller_and_spares_the_group(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = await _writer(path)
    await writer.call(lambda c: c.execute("INSERT INTO t VALUES ('dup', 1)"))
    outcomes = await asyncio.gather(
        writer.call(lambda c: c.execute("INSERT INTO t VALUES ('a', 2)")),
        writer.call(lambda c: c.execute("INSERT INTO t VALUES ('dup', 2)")),
        writer.call(lambda c: c.execute("INSERT INTO t VALUES ('b', 3)")),
        return_exceptions=True,
    )
    await writer.stop()
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert _rows(path) == [("a", 2), ("b", 3), ("dup", 1)]


@sync
async def test_results_arrive_only_after_the_commit(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = await _writer(path)
    for i in range(20):
        await writer.call(lambda c, i=i: c.execute("INSERT INTO t VALUES (?, ?)", (f"k{i}", i)))
        # another connection sees the write as soon as the caller is told it is done
        assert (f"k{i}", i) in _rows(path)
    await writer.stop()


@sync
async def test_stop_finishes_the_queued_writes(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = await _writer(path)
    pending = [asyncio.ensure_future(writer.call(lambda c, i=i: c.execute(
        "INSERT INTO t VALUES (?, 0)", (f"k{i}",)))) for i in range(30)]  # fmt: skip
    await asyncio.sleep(0)
    await writer.stop()
    await asyncio.gather(*pending)
    assert len(_rows(path)) == 30


@pytest.mark.parametrize("transactional", [True, False])
@sync
async def test_errors_of_the_connection_itself_are_raised(tmp_path: Path, transactional: bool) -> None:
    writer = await _writer(tmp_path / "w.db")
    with pytest.raises(sqlite3.OperationalError):
        await writer.call(lambda c: c.execute("SELECT * FROM missing"), transactional=transactional)
    await writer.stop()


def _busy_for(seconds: float) -> Callable[[sqlite3.Connection], None]:
    return lambda c: time.sleep(seconds)


def _keyed_insert(key: str) -> Callable[[sqlite3.Connection], None]:
    def one(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO t VALUES (?, 1)", (key,))

    return one


def _insert_all(calls: list[list[str]]) -> Callable[[sqlite3.Connection, list[Any]], None]:
    """A group function that records what it was given, inserts every key and fails on 'bad'."""

    def group(c: sqlite3.Connection, keys: list[Any]) -> None:
        calls.append(list(keys))
        c.executemany("INSERT INTO t VALUES (?, 2)", [(k,) for k in keys])
        if "bad" in keys:
            raise ValueError("one of them is bad")

    return group


@sync
async def test_writes_of_one_group_run_together_and_keys_seen_twice_are_not_merged(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = await _writer(path)
    calls: list[list[str]] = []
    group = _insert_all(calls)
    keys = ["a", "b", "c", "d"]
    # "b" twice: its second write must not share a run with its first (order within a key holds)
    queued = [*keys, "b2", "e"]
    results = await asyncio.gather(
        writer.call(_busy_for(0.2)),  # the others queue meanwhile: the next batch holds them all
        *(writer.call(_keyed_insert(k), group=group, item=k, key=k.rstrip("2")) for k in queued),
    )
    await writer.stop()
    assert results == [None] * 7
    assert calls == [keys, ["b2", "e"]]
    assert dict(_rows(path)) == {"a": 2, "b": 2, "c": 2, "d": 2, "b2": 2, "e": 2}


@sync
async def test_a_group_that_fails_is_undone_and_each_write_runs_alone(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = await _writer(path)
    await writer.call(lambda c: c.execute("INSERT INTO t VALUES ('bad', 0)"))  # the bad one's own write fails
    calls: list[list[str]] = []
    group = _insert_all(calls)
    keys = ["a", "bad", "c"]
    results = await asyncio.gather(
        writer.call(_busy_for(0.2)),
        *(writer.call(_keyed_insert(k), group=group, item=k, key=k) for k in keys),
        return_exceptions=True,
    )
    results = results[1:]
    await writer.stop()
    assert calls == [keys]  # tried together once
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], sqlite3.IntegrityError)  # its own write's error, not the group's
    assert _rows(path) == [("a", 1), ("bad", 0), ("c", 1)]  # nothing of the failed group is left

"""The one writer thread of the SQLite store, with group commit.

Every write is a function of the writer's connection. The thread takes whatever writes are queued
(up to `max_batch`) and runs them inside one `BEGIN IMMEDIATE ... COMMIT`, each under its own
SAVEPOINT: a write that raises is rolled back alone and its caller gets the exception, the others
commit. No caller hears of success before the COMMIT that holds its write returns, so each write
stays atomic and durable exactly as if it had its own transaction; only the commit (the WAL append)
is shared. Under load this turns N commits and N thread hand-offs into one; alone, a write pays what
it paid before. Results go back to the event loop in one call per batch, not one per write.

A write may also name a *group* function that does the work of many such writes at once (the
transitions of a worker round: one `executemany` per statement for all of them, rather than a
handful of statements each). Consecutive writes with the same group function and distinct keys run
through it under one savepoint; if it raises (a guard that failed, a conflict), that savepoint is
rolled back and each write runs alone under its own, as above, so each still succeeds or fails by
itself and every caller gets its own answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from stepstone.metrics import DB_COMMIT

T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], Any]
#: Does the work of several writes at once, given each one's item; raises if any of them would fail.
GroupFn = Callable[[sqlite3.Connection, list[Any]], None]
_COMMIT = DB_COMMIT.labels("sqlite")  # one group commit


@dataclass(slots=True)
class _Job:
    fn: WriteFn
    transactional: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None
    group: GroupFn | None = None
    item: Any = None
    key: Hashable = None


class Writer:
    """A thread that owns the write connection and commits queued writes in groups."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], *, max_batch: int = 256) -> None:
        self._connect = connect
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None

    async def call(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        transactional: bool = True,
        group: GroupFn | None = None,
        item: Any = None,
        key: Hashable = None,
    ) -> T:
        """Run `fn` on the writer's connection, inside a transaction unless told otherwise.

        With `group`, the write may instead be done by `group(conn, [item, ...])` together with other
        queued writes of the same group whose `key`s differ from its own (see the module's doc); for
        that, `fn` must be a write that returns nothing, since a grouped write's result is None.
        """
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="stepstone-sqlite-writer", daemon=True)
            self._thread.start()
        loop = asyncio.get_running_loop()
        job = _Job(fn, transactional, loop, loop.create_future(), group=group, item=item, key=key)
        self._queue.put(job)
        result: T = await job.future
        return result

    async def stop(self) -> None:
        """Finish the queued writes, close the connection, end the thread."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, thread.join)
        self._thread = None

    # the thread -------------------------------------------------------------------------------------

    def _run(self) -> None:
        self._conn = self._connect()
        try:
            while True:
                job = self._queue.get()
                if job is None:
                    return
                if not job.transactional:
                    self._plain(job)
                    continue
                batch, after, stop = [job], None, False
                while len(batch) < self._max_batch:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None or not nxt.transactional:
                        after, stop = nxt, nxt is None
                        break
                    batch.append(nxt)
                self._execute(batch)
                if after is not None:
                    self._plain(after)
                if stop:
                    return
        finally:
            self._conn.close()
            self._conn = None

    def _plain(self, job: _Job) -> None:
        assert self._conn is not None
        try:
            job.result = job.fn(self._conn)
        except BaseException as exc:  # handed to the caller
            job.error = exc
        self._settle([job])

    def _execute(self, batch: list[_Job]) -> None:
        """Run a group of writes in one transaction, each under a savepoint; settle them after COMMIT."""
        conn = self._conn
        assert conn is not None
        started = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for run in _runs(batch):
                if len(run) > 1 and _grouped(conn, run):
                    continue
                for job in run:
                    conn.execute("SAVEPOINT write")
                    try:
                        job.result = job.fn(conn)
                    except BaseException as exc:
                        job.error = exc
                        conn.execute("ROLLBACK TO write")
                    conn.execute("RELEASE write")
            conn.execute("COMMIT")
        except BaseException as exc:  # the transaction itself failed: nothing of this group is kept
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for job in batch:
                job.result, job.error = None, exc
        _COMMIT.observe(time.perf_counter() - started)
        self._settle(batch)

    @staticmethod
    def _settle(batch: list[_Job]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
        for job in batch:
            by_loop.setdefault(job.loop, []).append(job)
        for loop, jobs in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(_resolve, jobs)


def _runs(batch: list[_Job]) -> list[list[_Job]]:
    """The batch cut into runs a group function may do together: same function, distinct keys."""
    runs: list[list[_Job]] = []
    keys: set[Hashable] = set()
    for job in batch:
        run = runs[-1] if runs else None
        if run is None or job.group is None or job.group is not run[0].group or job.key in keys:
            runs.append([job])
            keys = {job.key}
        else:
            run.append(job)
            keys.add(job.key)
    return runs


def _grouped(conn: sqlite3.Connection, run: list[_Job]) -> bool:
    """Do a run's writes through its group function; False (and nothing written) if that fails."""
    group = run[0].group
    assert group is not None
    conn.execute("SAVEPOINT grouped")
    try:
        group(conn, [job.item for job in run])
    except Exception:  # one of them would fail: the caller runs each alone to tell which
        conn.execute("ROLLBACK TO grouped")
        conn.execute("RELEASE grouped")
        return False
    conn.execute("RELEASE grouped")
    return True


def _resolve(jobs: list[_Job]) -> None:
    for job in jobs:
        if job.future.done():  # the caller was cancelled; its write stands (or failed) all the same
            continue
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.result)

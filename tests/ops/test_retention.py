"""Retention: closed executions and every row of theirs go after the retention; open ones never.

The store part runs on memory, SQLite and PostgreSQL (the `with_store` fixture of the contract
suite); then `stepstone db prune` and `serve --retention` on a real file and a real server.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stepstone.runtime.retention import parse_retention, prune
from stepstone.store.base import ActivityTaskRow, HistoryRow, Store, TaskRow, Transition
from stepstone.store.sqlite import SqliteStore
from tests.ops.conftest import OpsServer, run_cli, wait_until
from tests.server.test_callbacks import machine, wait_for
from tests.store.conftest import StoreRunner, with_store
from tests.store.test_contract import execution, started

pytestmark = pytest.mark.timeout(120)
__all__ = ["with_store"]  # the contract suite's fixture, used here
NOW = datetime.now(UTC).replace(microsecond=0)
OLD = NOW - timedelta(days=100)
RECENT = NOW - timedelta(days=10)
LAMBDA = "arn:aws:states:::lambda:invoke"
ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:a"


async def closed(store: Store, name: str, stop: datetime | None, *, status: str = "SUCCEEDED") -> str:
    """An execution with history, a task, a timer and a queued activity task, then closed at `stop`
    (None: left running)."""
    if name == "first":
        row = await started(store, name)
    else:
        row, _ = await store.create_execution(execution(name), '{"start":1}')
    arn = row.arn
    inbox = await store.next_inbox(arn)
    assert inbox is not None
    since = (stop or NOW) - timedelta(hours=1)
    task = TaskRow(arn, "task:1", "S", ACTIVITY, since, token_hash=f"hash-{name}")
    await store.commit_transition(
        Transition(
            arn, 0, inbox.id, "{}", "RUNNING", history=[HistoryRow(1, since, '{"type":"ExecutionStarted"}')],
            outbox=['{"invoke":1}'], arm_timers=[("t1", NOW + timedelta(days=365))], open_tasks=[task],
        )
    )  # fmt: skip
    (command,) = await store.pending_outbox()
    await store.complete_outbox(command.id, None, ActivityTaskRow(0, ACTIVITY, arn, "task:1", "{}"))
    if stop is None:
        return arn
    await store.enqueue(arn, '{"stop":1}')
    inbox = await store.next_inbox(arn)
    assert inbox is not None
    await store.commit_transition(
        Transition(
            arn, 1, inbox.id, "{}", status, stop_date=stop, history=[HistoryRow(2, stop, '{"type":"End"}')]
        )
    )
    return arn


def test_prune_deletes_closed_executions_and_their_rows_and_never_open_ones(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        old_ok = await closed(store, "first", OLD)
        old_failed = await closed(store, "failed", OLD - timedelta(days=1), status="FAILED")
        recent = await closed(store, "recent", RECENT)
        running = await closed(store, "running", None)  # started long ago (OLD): running all the same
        busy = await closed(store, "busy", OLD)
        await store.enqueue(busy, '{"late callback":1}')  # an event still queued: the worker's first
        snapshot = await store.ops_snapshot(NOW)
        assert snapshot.activity_tasks == 5 and snapshot.timers == 5

        assert await prune(store, NOW - timedelta(days=90), batch=1, pause=0) == 2  # one per batch
        for arn in (old_ok, old_failed):
            assert await store.get_execution(arn) is None
            assert await store.history(arn, after=0, limit=100, reverse=False) == []
            assert await store.list_tasks(arn, None) == []
        for arn in (recent, running, busy):
            assert await store.get_execution(arn) is not None
            assert len(await store.history(arn, after=0, limit=100, reverse=False)) >= 1
            assert len(await store.list_tasks(arn, None)) == 1
        after = await store.ops_snapshot(NOW)
        assert after.activity_tasks == 3 and after.timers == 3  # the pruned ones' queue rows and timers went
        assert await store.prune_closed(NOW - timedelta(days=90), 100) == 0  # nothing left to do
        assert await store.prune_closed(NOW, 100) == 1  # the recent one, once it is older than the cutoff
        assert await store.get_execution(running) is not None

    with_store(body)


def test_retention_durations() -> None:
    assert parse_retention("90d") == timedelta(days=90)
    assert parse_retention("12h") == timedelta(hours=12)
    assert parse_retention("30m") == timedelta(minutes=30)
    assert parse_retention("45s") == timedelta(seconds=45)
    assert parse_retention("2w") == timedelta(weeks=2)
    assert parse_retention("30") == timedelta(days=30)
    assert parse_retention("0") is None
    with pytest.raises(ValueError, match="not a duration"):
        parse_retention("thirty days")


def test_db_prune_on_a_sqlite_file(tmp_path: Path) -> None:
    import asyncio

    db = tmp_path / "s.db"

    async def make() -> tuple[str, str]:
        store = SqliteStore(db)
        await store.open()
        try:
            return await closed(store, "first", OLD), await closed(store, "recent", RECENT)
        finally:
            await store.close()

    old, recent = asyncio.run(make())
    done = run_cli("db", "prune", "--older-than", "30d", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pruned"] == 1
    with sqlite3.connect(db) as conn:
        assert {r[0] for r in conn.execute("SELECT arn FROM executions")} == {recent}
        assert conn.execute(
            "SELECT count(*) FROM history_events WHERE execution_arn = ?", (old,)
        ).fetchone() == (0,)
    refused = run_cli("db", "prune", "--older-than", "soon", "--db", str(db))
    assert refused.returncode == 2 and "not a duration" in refused.stdout
    assert run_cli("db", "prune", "--older-than", "0", "--db", str(db)).returncode == 2


def test_a_server_prunes_closed_executions_in_the_background(tmp_path: Path) -> None:
    server = OpsServer(tmp_path, extra=("--retention", "2s"))
    server.start()
    try:
        client = server.client()
        quick = machine(client, "Quick", {"P": {"Type": "Pass", "End": True}}, "P")
        waits = machine(client, "Waits", {"W": {"Type": "Wait", "Seconds": 30, "End": True}}, "W")
        done = client.start_execution(stateMachineArn=quick)["executionArn"]
        waiting = client.start_execution(stateMachineArn=waits)["executionArn"]
        assert wait_for(client, done)["status"] == "SUCCEEDED"

        def gone() -> bool:
            try:
                client.describe_execution(executionArn=done)
                return False
            except client.exceptions.ExecutionDoesNotExist:
                return True

        wait_until(gone, timeout=20)
        assert client.describe_execution(executionArn=waiting)["status"] == "RUNNING"  # open: kept
        assert [e["executionArn"] for e in client.list_executions(stateMachineArn=quick)["executions"]] == []
        metrics = server.get("/metrics")[1].decode()
        assert "stepstone_retention_pruned_executions_total 1.0" in metrics
    finally:
        server.kill()


def test_the_background_loop_stops_at_once_between_passes() -> None:
    import asyncio

    from stepstone.runtime.clock import SystemClock
    from stepstone.runtime.retention import Retention
    from stepstone.store.memory import MemoryStore

    async def main() -> float:
        pruning = Retention(MemoryStore(), SystemClock(), timedelta(days=90), every=3600)
        task = asyncio.create_task(pruning.run_forever())
        await asyncio.sleep(0.05)  # the first pass is done: it sleeps for an hour
        started = asyncio.get_running_loop().time()
        pruning.stop()
        await asyncio.wait_for(task, 2)
        return asyncio.get_running_loop().time() - started

    assert asyncio.run(main()) < 1

"""Two nodes on one PostgreSQL database: claimed work is never taken twice; a dead node's comes back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from stepstone.store.base import ActivityTaskRow, Transition
from stepstone.store.postgres import PostgresStore
from tests.store.test_contract import T0, execution, machine, started


def two_nodes(
    dsn: str, body: Callable[[PostgresStore, PostgresStore], Awaitable[Any]], lease: float = 30
) -> Any:
    async def main() -> Any:
        a = PostgresStore(dsn, owner="a", lease_seconds=lease)
        b = PostgresStore(dsn, owner="b", lease_seconds=lease)
        await a.open()
        await b.open()
        try:
            return await body(a, b)
        finally:
            await a.close()
            await b.close()

    return asyncio.run(main())


def test_an_execution_with_work_is_leased_to_one_node_until_its_inbox_is_empty(pg_dsn: str) -> None:
    async def body(a: PostgresStore, b: PostgresStore) -> None:
        row = await started(a)
        assert await a.executions_with_work() == [row.arn]
        assert await b.executions_with_work() == []  # a holds it
        assert await a.executions_with_work() == [row.arn]  # a renews its own
        inbox = await a.next_inbox(row.arn)
        assert inbox is not None
        await a.commit_transition(Transition(row.arn, 0, inbox.id, "{}", "RUNNING"))
        assert await a.next_inbox(row.arn) is None  # empty: the lease is let go
        await b.enqueue(row.arn, '{"callback":1}')
        assert await b.executions_with_work() == [row.arn]
        assert await a.executions_with_work() == []

    two_nodes(pg_dsn, body)


def test_a_dead_nodes_work_comes_back_when_its_lease_runs_out(pg_dsn: str) -> None:
    async def body(a: PostgresStore, b: PostgresStore) -> None:
        row = await started(a)
        assert await a.executions_with_work() == [row.arn]
        inbox = await a.next_inbox(row.arn)
        assert inbox is not None
        await a.enqueue(row.arn, '{"more":1}')  # queued before the commit: a keeps the execution
        await a.commit_transition(Transition(row.arn, 0, inbox.id, "{}", "RUNNING", outbox=["cmd"]))
        assert await b.pending_outbox() == [] and await b.executions_with_work() == []
        await asyncio.sleep(0.6)  # a "dies": its leases run out
        assert [r.command for r in await b.pending_outbox()] == ["cmd"]
        assert await b.executions_with_work() == [row.arn]
        assert await a.pending_outbox() == [] and await a.executions_with_work() == []

    two_nodes(pg_dsn, body, lease=0.5)


def test_claim_work_leases_and_the_commit_of_the_last_event_lets_go(pg_dsn: str) -> None:
    async def body(a: PostgresStore, b: PostgresStore) -> None:
        row = await started(a)
        await a.enqueue(row.arn, '{"second":1}')
        (item,) = await a.claim_work(10)
        assert (item.execution.arn, item.execution.version) == (row.arn, 0)
        assert await b.claim_work(10) == []  # a holds it
        await a.commit_transition(Transition(row.arn, 0, item.inbox.id, "{}", "RUNNING"))
        assert await b.claim_work(10) == []  # one event still queued: a keeps the lease
        (second,) = await a.claim_work(10)
        assert (second.inbox.event, second.execution.version) == ('{"second":1}', 1)
        await a.commit_transition(Transition(row.arn, 1, second.inbox.id, "{}", "RUNNING"))
        await a.enqueue(row.arn, '{"callback":1}')  # the last commit let go: another node may take it
        (taken,) = await b.claim_work(10)
        assert taken.inbox.event == '{"callback":1}' and taken.execution.version == 2
        assert await a.claim_work(10) == []

    two_nodes(pg_dsn, body)


def test_concurrent_claims_split_the_work_without_overlap(pg_dsn: str) -> None:
    async def body(a: PostgresStore, b: PostgresStore) -> None:
        await a.create_state_machine(machine())
        for i in range(40):
            await a.create_execution(execution(f"e{i}"), "{}")
        rounds = await asyncio.gather(*(s.executions_with_work() for s in (a, b, a, b)))
        claimed_a = set(rounds[0]) | set(rounds[2])
        claimed_b = set(rounds[1]) | set(rounds[3])
        assert not claimed_a & claimed_b
        assert len(claimed_a | claimed_b) == 40

    two_nodes(pg_dsn, body)


def test_timers_and_activity_tasks_are_taken_once(pg_dsn: str) -> None:
    async def body(a: PostgresStore, b: PostgresStore) -> None:
        row = await started(a)
        inbox = await a.next_inbox(row.arn)
        assert inbox is not None
        timers = [(f"t{i}", T0) for i in range(20)]
        await a.commit_transition(
            Transition(row.arn, 0, inbox.id, "{}", "RUNNING", arm_timers=timers, outbox=["x", "y"])
        )
        for oid in [r.id for r in await a.pending_outbox()]:
            await a.complete_outbox(oid, None, ActivityTaskRow(0, "act", row.arn, f"task{oid}", "{}"))
        fired = await asyncio.gather(*(s.fire_due_timers(T0, lambda t: t) for s in (a, b, a, b)))
        assert sum(fired) == 20
        taken = await asyncio.gather(*(s.claim_activity_task("act", lambda t: t) for s in (a, b, a, b)))
        assert sorted(t.task_id for t in taken if t is not None) == sorted({t.task_id for t in taken if t})
        assert sum(t is not None for t in taken) == 2

    two_nodes(pg_dsn, body)


def test_notifications_reach_every_node(pg_dsn: str) -> None:
    async def body(a: PostgresStore, b: PostgresStore) -> list[str]:
        heard: list[str] = []
        listener = PostgresStore(pg_dsn, owner="c")
        listener.listen(heard.append)
        await listener.open()
        try:
            assert listener._listener is not None
            await asyncio.wait_for(listener._listener.listening.wait(), 5)
            row = await started(a)
            inbox = await a.next_inbox(row.arn)
            assert inbox is not None
            await a.commit_transition(Transition(row.arn, 0, inbox.id, "{}", "RUNNING", outbox=["x"]))
            (out,) = await a.pending_outbox()
            await b.complete_outbox(out.id, None, ActivityTaskRow(0, "act:1", row.arn, "t", "{}"))
            for _ in range(50):
                if "act:1" in heard:
                    break
                await asyncio.sleep(0.02)
            return heard
        finally:
            await listener.close()

    heard = two_nodes(pg_dsn, body)
    assert "work" in heard and "act:1" in heard

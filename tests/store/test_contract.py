"""The store contract: every `Store` behaves the same (memory, SQLite; PostgreSQL joins later)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from stepstone.store.base import (
    ActivityRow,
    ActivityTaskRow,
    ExecutionRow,
    HistoryRow,
    StateMachineRow,
    Store,
    StoreConflict,
    TaskRow,
    Transition,
)
from tests.store.conftest import StoreRunner

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
SM = "arn:aws:states:us-east-1:123456789012:stateMachine:m"


def machine(rev: str = "r1", definition: str = '{"StartAt":"A"}') -> StateMachineRow:
    return StateMachineRow(SM, "m", "STANDARD", "arn:aws:iam::123456789012:role/r", definition, rev, T0, T0)


def execution(name: str = "e1", start: datetime = T0) -> ExecutionRow:
    return ExecutionRow(
        f"{SM.replace('stateMachine', 'execution')}:{name}", SM, name, "r1", "RUNNING", "{}", start
    )


async def started(store: Store, name: str = "e1") -> ExecutionRow:
    await store.create_state_machine(machine())
    row, created = await store.create_execution(execution(name), '{"start":1}')
    assert created
    return row


def test_state_machines_round_trip_and_keep_every_revision(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        assert await store.create_state_machine(machine()) == machine()
        assert await store.create_state_machine(machine(definition="other")) == machine()  # existing wins
        await store.update_state_machine(machine("r2", '{"StartAt":"B"}'))
        assert (await store.get_state_machine(SM)) == machine("r2", '{"StartAt":"B"}')
        assert await store.get_definition(SM, "r1") == '{"StartAt":"A"}'
        assert await store.get_definition(SM, "r2") == '{"StartAt":"B"}'
        assert [m.arn for m in await store.list_state_machines()] == [SM]
        await store.tag(SM, {"a": "1", "b": "2"})
        await store.delete_state_machine(SM)
        assert await store.get_state_machine(SM) is None
        assert await store.tags(SM) == {}

    with_store(body)


def test_creating_an_execution_twice_returns_the_first_and_queues_one_start(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        again, created = await store.create_execution(execution(), '{"start":2}')
        assert (again, created) == (row, False)
        assert await store.executions_with_work() == [row.arn]
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None and inbox.event == '{"start":1}'

    with_store(body)


def test_claim_work_reads_each_executions_row_and_oldest_event_oldest_first(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        first = await started(store, "e1")
        second, _ = await store.create_execution(execution("e2"), '{"start":2}')
        await store.enqueue(first.arn, '{"later":1}')
        items = await store.claim_work(10)
        assert [(i.execution, i.inbox.event) for i in items] == [
            (first, '{"start":1}'),
            (second, '{"start":2}'),
        ]
        assert [i.inbox.execution_arn for i in items] == [first.arn, second.arn]
        assert [i.execution.arn for i in await store.claim_work(1)] == [first.arn]  # bounded
        await store.commit_transition(Transition(first.arn, 0, items[0].inbox.id, "{}", "RUNNING"))
        (_, nxt) = await store.claim_work(10)  # e2's start is older than e1's second event
        assert (nxt.inbox.event, nxt.execution.version, nxt.execution.state) == ('{"later":1}', 1, "{}")

    with_store(body)


def test_a_transition_may_re_arm_the_timer_it_cancels(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None
        first = Transition(row.arn, 0, inbox.id, "{}", "RUNNING", arm_timers=[("hb", T0)])
        await store.commit_transition(first)
        second_event = await store.enqueue(row.arn, '{"heartbeat":1}')
        later = T0 + timedelta(seconds=30)
        await store.commit_transition(
            Transition(
                row.arn, 1, second_event, "{}", "RUNNING", cancel_timers=["hb"], arm_timers=[("hb", later)]
            )
        )
        assert await store.next_timer_due() == later  # re-armed, not cancelled

    with_store(body)


def test_a_transition_commits_everything_once(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None
        task = TaskRow(row.arn, "t1", "Wait", "arn:aws:states:::lambda:invoke", T0, token_hash="h1")
        t = Transition(
            row.arn, 0, inbox.id, '{"s":1}', "RUNNING",
            history=[HistoryRow(1, T0, '{"type":"ExecutionStarted"}'), HistoryRow(2, T0, "{}")],
            outbox=['{"cmd":1}'], arm_timers=[("timeout", T0 + timedelta(seconds=5))], open_tasks=[task],
        )  # fmt: skip
        await store.commit_transition(t)
        with pytest.raises(StoreConflict):
            await store.commit_transition(t)  # applied once, never twice
        after = await store.get_execution(row.arn)
        assert after is not None and (after.version, after.state, after.next_event_id) == (1, '{"s":1}', 3)
        assert [h.id for h in await store.history(row.arn, after=0, limit=10, reverse=False)] == [1, 2]
        assert [h.id for h in await store.history(row.arn, after=0, limit=10, reverse=True)] == [2, 1]
        assert [h.id for h in await store.history(row.arn, after=1, limit=10, reverse=False)] == [2]
        assert [h.id for h in await store.history(row.arn, after=2, limit=10, reverse=True)] == [1]
        assert [o.command for o in await store.pending_outbox()] == ['{"cmd":1}']
        assert await store.next_timer_due() == T0 + timedelta(seconds=5)
        assert await store.get_task(row.arn, "t1") == task
        assert await store.executions_with_work() == []

    with_store(body)


def test_a_failed_guard_changes_nothing(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None
        stale = Transition(
            row.arn, 7, inbox.id, "{}", "SUCCEEDED", history=[HistoryRow(1, T0, "{}")], outbox=["x"]
        )
        with pytest.raises(StoreConflict):
            await store.commit_transition(stale)
        assert await store.next_inbox(row.arn) == inbox
        assert await store.pending_outbox() == []
        assert await store.history(row.arn, after=0, limit=10, reverse=False) == []
        current = await store.get_execution(row.arn)
        assert current is not None and current.status == "RUNNING" and current.version == 0

    with_store(body)


def test_transitions_committed_together_each_succeed_or_fail_alone(with_store: StoreRunner) -> None:
    """A worker round's transitions reach the store at once (the SQLite writer does them together):
    a stale one among them fails alone and changes nothing, the others are applied once each."""

    async def body(store: Store) -> None:
        await store.create_state_machine(machine())
        rows = [(await store.create_execution(execution(f"e{i}"), '{"start":1}'))[0] for i in range(12)]
        inboxes = {item.execution.arn: item.inbox for item in await store.claim_work(100)}

        def transition(row: ExecutionRow, version: int, n: int) -> Transition:
            task = TaskRow(row.arn, f"t{n}", "S", "arn:aws:states:::lambda:invoke", T0)
            return Transition(
                row.arn, version, inboxes[row.arn].id, f'{{"n":{n}}}', "RUNNING",
                history=[HistoryRow(1, T0, f'{{"n":{n}}}'), HistoryRow(2, T0, "{}")],
                outbox=[f'{{"cmd":{n}}}'], arm_timers=[(f"timer{n}", T0 + timedelta(seconds=n))],
                open_tasks=[task],
            )  # fmt: skip

        stale = {3, 7}  # expect a version these executions never had
        outcomes = await asyncio.gather(
            *(store.commit_transition(transition(r, 5 if i in stale else 0, i)) for i, r in enumerate(rows)),
            return_exceptions=True,
        )
        assert [i for i, o in enumerate(outcomes) if isinstance(o, StoreConflict)] == sorted(stale)
        assert all(o is None for i, o in enumerate(outcomes) if i not in stale)
        for i, row in enumerate(rows):
            after = await store.get_execution(row.arn)
            assert after is not None
            history = await store.history(row.arn, after=0, limit=10, reverse=False)
            if i in stale:
                assert (after.version, after.state, history) == (0, row.state, [])
                assert await store.next_inbox(row.arn) == inboxes[row.arn]
                assert await store.get_task(row.arn, f"t{i}") is None
            else:
                assert (after.version, after.state, after.next_event_id) == (1, f'{{"n":{i}}}', 3)
                assert [h.body for h in history] == [f'{{"n":{i}}}', "{}"]
                assert await store.get_task(row.arn, f"t{i}") is not None
        expected = sorted(f'{{"cmd":{i}}}' for i in range(12) if i not in stale)
        assert sorted(o.command for o in await store.pending_outbox()) == expected
        assert await store.next_timer_due() == T0 + timedelta(seconds=0)

    with_store(body)


def test_due_timers_fire_once_into_the_inbox(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None
        arms = [("a", T0 + timedelta(seconds=1)), ("b", T0 + timedelta(seconds=9))]
        await store.commit_transition(Transition(row.arn, 0, inbox.id, "{}", "RUNNING", arm_timers=arms))
        assert await store.fire_due_timers(T0 + timedelta(seconds=2), lambda tid: f"fired:{tid}") == 1
        assert await store.fire_due_timers(T0 + timedelta(seconds=2), lambda tid: f"fired:{tid}") == 0
        fired = await store.next_inbox(row.arn)
        assert fired is not None and fired.event == "fired:a"
        assert await store.next_timer_due() == T0 + timedelta(seconds=9)
        later = [("b", T0 + timedelta(seconds=20))]  # re-arming moves the timer
        await store.commit_transition(Transition(row.arn, 1, fired.id, "{}", "RUNNING", arm_timers=later))
        assert await store.next_timer_due() == T0 + timedelta(seconds=20)
        await store.commit_transition(Transition(row.arn, 2, None, "{}", "RUNNING", cancel_timers=["b"]))
        assert await store.next_timer_due() is None

    with_store(body)


def test_callbacks_are_idempotent_and_exactly_one_of_two_racing_wins(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None
        tasks = [
            TaskRow(row.arn, f"t{i}", "W", "r", T0, token_hash=f"h{i}", heartbeat_seconds=10) for i in (1, 2)
        ]
        await store.commit_transition(Transition(row.arn, 0, inbox.id, "{}", "RUNNING", open_tasks=tasks))
        results = await asyncio.gather(
            store.close_task_by_callback("h1", '"a"', "ev-a", T0),
            store.close_task_by_callback("h1", '"b"', "ev-b", T0),
        )
        kinds = sorted(r.kind for r in results)
        assert kinds == ["accepted", "completed_differently"]
        winner = next(r for r in results if r.kind == "accepted")
        assert winner.task is not None and winner.task.status == "closed"
        same = await store.close_task_by_callback("h1", winner.task.result or "", "again", T0)
        assert same.kind == "repeated"
        assert (await store.close_task_by_callback("nope", "x", "y", T0)).kind == "unknown"
        queued = await store.next_inbox(row.arn)
        assert queued is not None and queued.event in ("ev-a", "ev-b")
        beat = await store.heartbeat_task("h2", "hb", T0)
        assert beat.kind == "accepted"
        t2 = await store.get_task(row.arn, "t2")
        assert t2 is not None and t2.heartbeat_at == T0 + timedelta(seconds=10)
        assert (await store.heartbeat_task("h1", "hb", T0)).kind == "closed"
        # the engine closing a task (timeout, stop) leaves no result: a later callback is "closed"
        await store.commit_transition(
            Transition(row.arn, 1, None, "{}", "RUNNING", close_tasks=["t2"], closed_at=T0)
        )
        assert (await store.close_task_by_callback("h2", "x", "y", T0)).kind == "closed"
        assert [t.task_id for t in await store.list_tasks(row.arn, "open")] == []
        assert len(await store.list_tasks(None, None)) == 2

    with_store(body)


def test_outbox_completion_queues_the_result_and_the_activity_task_once(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None
        await store.commit_transition(Transition(row.arn, 0, inbox.id, "{}", "RUNNING", outbox=["c1", "c2"]))
        first, second = await store.pending_outbox()
        await store.complete_outbox(first.id, "result-1")
        await store.complete_outbox(first.id, "result-1")  # a repeat is harmless
        act = "arn:aws:states:us-east-1:123456789012:activity:a"
        await store.create_activity(ActivityRow(act, "a", T0))
        await store.complete_outbox(second.id, None, ActivityTaskRow(0, act, row.arn, "t9", '{"x":1}'))
        assert await store.pending_outbox() == []
        claimed = await store.claim_activity_task(act, lambda task_id: f"started:{task_id}")
        assert claimed is not None and (claimed.task_id, claimed.input) == ("t9", '{"x":1}')
        assert await store.claim_activity_task(act, lambda task_id: "x") is None
        events = []
        while (nxt := await store.next_inbox(row.arn)) is not None:
            events.append(nxt.event)
            await store.commit_transition(
                Transition(row.arn, (await store.get_execution(row.arn)).version, nxt.id, "{}", "RUNNING")  # type: ignore[union-attr]
            )
        assert events == ["result-1", "started:t9"]

    with_store(body)


def test_list_executions_pages_newest_first_and_filters(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        await store.create_state_machine(machine())
        for i in range(5):
            await store.create_execution(execution(f"e{i}", T0 + timedelta(seconds=i)), "s")
        page = await store.list_executions(SM, None, 2, None)
        assert [r.name for r in page.rows] == ["e4", "e3"] and page.next_after is not None
        page2 = await store.list_executions(SM, None, 2, page.next_after)
        assert [r.name for r in page2.rows] == ["e2", "e1"]
        page3 = await store.list_executions(SM, None, 2, page2.next_after)
        assert [r.name for r in page3.rows] == ["e0"] and page3.next_after is None
        assert (await store.list_executions(SM, "SUCCEEDED", 10, None)).rows == []

    with_store(body)


def test_activities_and_tags(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        act = ActivityRow("arn:aws:states:us-east-1:123456789012:activity:a", "a", T0)
        assert await store.create_activity(act) == act
        assert await store.create_activity(ActivityRow(act.arn, "a", T0 + timedelta(1))) == act
        assert await store.list_activities() == [act]
        await store.tag(act.arn, {"k": "v", "z": "1"})
        await store.tag(act.arn, {"k": "w"})
        await store.untag(act.arn, ["z"])
        assert await store.tags(act.arn) == {"k": "w"}
        await store.delete_activity(act.arn)
        assert await store.get_activity(act.arn) is None

    with_store(body)


def test_redrive_reopens_a_closed_execution_once(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None
        await store.commit_transition(
            Transition(row.arn, 0, inbox.id, "{}", "FAILED", error="E", stop_date=T0)
        )
        assert await store.redrive_execution(row.arn, 1, "redrive", T0)
        assert not await store.redrive_execution(row.arn, 1, "redrive", T0)
        again = await store.get_execution(row.arn)
        assert again is not None and (again.status, again.redrive_count, again.error) == ("RUNNING", 1, None)

    with_store(body)

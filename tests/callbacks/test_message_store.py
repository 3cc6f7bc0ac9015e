"""The message and approval-policy parts of the store contract, on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from stepstone.store.approval_policies import VoteRow
from stepstone.store.base import Store, TaskRow, Transition
from stepstone.store.messages import MessageRow, MessageWaitRow
from tests.store.conftest import StoreRunner, with_store
from tests.store.test_contract import T0, started

__all__ = ["with_store"]


def deliver(task_id: str, payload: str) -> tuple[str, str]:
    return f"result:{payload}", f"event:{task_id}:{payload}"


async def parked(store: Store, *task_ids: str) -> str:
    row = await started(store)
    inbox = await store.next_inbox(row.arn)
    assert inbox is not None
    tasks = [TaskRow(row.arn, t, "W", "arn:stepstone:states:::message:wait", T0) for t in task_ids]
    await store.commit_transition(Transition(row.arn, 0, inbox.id, "{}", "RUNNING", open_tasks=tasks))
    return row.arn


def message(mid: str, key: str = "k", ttl: int = 0, payload: str = "1") -> MessageRow:
    return MessageRow("Paid", mid, key, payload, T0, T0 + timedelta(seconds=ttl))


def test_a_message_resumes_one_or_all_and_a_repeat_changes_nothing(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        arn = await parked(store, "t1", "t2", "t3")
        for i, (task, resume_all) in enumerate((("t1", False), ("t2", True), ("t3", True))):
            wait = MessageWaitRow(arn, task, "Paid", "k", resume_all, T0 + timedelta(seconds=i))
            assert await store.wait_for_message(wait, deliver, T0) is False
        first = await store.publish_message(message("m1"), deliver)
        assert (first.duplicate, first.delivered, first.buffered) == (False, ((arn, "t1"),), False)
        assert (await store.publish_message(message("m1"), deliver)).duplicate
        second = await store.publish_message(message("m2", payload="2"), deliver)
        assert sorted(second.delivered) == [(arn, "t2"), (arn, "t3")]
        t1 = await store.get_task(arn, "t1")
        assert t1 is not None and (t1.status, t1.result) == ("closed", "result:1")
        assert (await store.publish_message(message("m3"), deliver)).delivered == ()

    with_store(body)


def test_buffered_until_the_ttl_and_two_racing_publishers_close_a_wait_once(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        arn = await parked(store, "t1", "t2")
        early = await store.publish_message(message("m1", key="a", ttl=60), deliver)
        assert early.buffered and early.delivered == ()
        stale = await store.publish_message(message("m2", key="b", ttl=1), deliver)
        assert stale.buffered
        late = T0 + timedelta(seconds=5)
        assert await store.wait_for_message(
            MessageWaitRow(arn, "t1", "Paid", "a", False, late), deliver, late
        )
        assert not await store.wait_for_message(
            MessageWaitRow(arn, "t2", "Paid", "b", False, late), deliver, late
        )
        racing = await asyncio.gather(
            *(store.publish_message(message(f"r{i}", key="b"), deliver) for i in range(2))
        )
        assert sorted(len(r.delivered) for r in racing) == [0, 1]
        assert await store.record_hook_delivery("s", "sig", T0, T0 - timedelta(seconds=60))
        assert not await store.record_hook_delivery("s", "sig", T0, T0 - timedelta(seconds=60))
        # forgotten once older than the window
        assert await store.record_hook_delivery("s", "sig", late, T0 + timedelta(seconds=1))

    with_store(body)


def test_votes_once_each_and_timers_fire_once(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        soon, later = T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)
        await store.put_approval_policy("a1", '{"required":2}', [("remind", soon), ("escalate", later)])
        await store.put_approval_policy("a1", '{"required":9}', [("expire", soon)])  # a repeat: no change
        policy = await store.get_approval_policy("a1")
        assert policy is not None and (policy.policy, policy.escalated) == ('{"required":2}', False)
        assert await store.next_approval_timer_due() == soon
        assert await store.due_approval_timers(soon) == [("a1", "remind")]
        assert await store.fire_approval_timer("a1", "remind")
        assert not await store.fire_approval_timer("a1", "remind")
        assert await store.fire_approval_timer("a1", "escalate")
        assert (await store.get_approval_policy("a1")).escalated  # type: ignore[union-attr]
        assert await store.due_approval_timers(later) == [] and await store.next_approval_timer_due() is None
        await store.add_approval_vote(VoteRow("a1", "bob", True, "", T0))
        votes = await store.add_approval_vote(VoteRow("a1", "bob", False, "again", soon))
        assert [(v.voter, v.approve) for v in votes] == [("bob", True)]
        assert await store.list_approval_votes("a1") == votes

    with_store(body)


def test_a_wait_committed_with_its_task_takes_a_message_before_its_dispatch(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        inbox = await store.next_inbox(row.arn)
        assert inbox is not None
        task = TaskRow(row.arn, "t1", "W", "arn:stepstone:states:::message:wait", T0)
        wait = MessageWaitRow(row.arn, "t1", "Paid", "k", True, T0)
        await store.commit_transition(
            Transition(row.arn, 0, inbox.id, "{}", "RUNNING", open_tasks=[task], message_waits=[wait])
        )
        assert (await store.publish_message(message("m1"), deliver)).delivered == ((row.arn, "t1"),)
        # the late dispatch finds its task closed: it registers nothing and takes no buffered message
        assert (await store.publish_message(message("m2", ttl=60), deliver)).buffered
        assert not await store.wait_for_message(wait, deliver, T0)
        other = await parked_again(store, row.arn)
        assert await store.wait_for_message(
            MessageWaitRow(row.arn, other, "Paid", "k", True, T0), deliver, T0
        )

    with_store(body)


async def parked_again(store: Store, arn: str) -> str:
    """A second open task on the execution (version 1 by now)."""
    task = TaskRow(arn, "t2", "W", "arn:stepstone:states:::message:wait", T0)
    await store.commit_transition(Transition(arn, 1, None, "{}", "RUNNING", open_tasks=[task]))
    return "t2"

"""Provisional activity hand-outs in every store: hidden until confirmed, visible again if never confirmed."""

from __future__ import annotations

from datetime import timedelta

from stepstone.store.base import ActivityRow, ActivityTaskRow, Store, TaskRow, Transition
from tests.store.conftest import StoreRunner
from tests.store.test_contract import T0, started

ACT = "arn:aws:states:us-east-1:123456789012:activity:a"
LATER = T0 + timedelta(seconds=10)


async def queue(store: Store, arn: str, *task_ids: str) -> None:
    """Open a task with a token hash per id and queue its activity task, as the runtime does."""
    inbox = await store.next_inbox(arn)
    tasks = [TaskRow(arn, t, "S", ACT, T0, token_hash=f"hash-{t}") for t in task_ids]
    version = (await store.get_execution(arn)).version  # type: ignore[union-attr]
    await store.commit_transition(
        Transition(
            arn,
            version,
            inbox.id if inbox else None,
            "{}",
            "RUNNING",
            outbox=list(task_ids),
            open_tasks=tasks,
        )
    )
    for row in await store.pending_outbox():
        await store.complete_outbox(row.id, None, ActivityTaskRow(0, ACT, arn, row.command, "{}"))


async def started_events(store: Store, arn: str) -> list[str]:
    events = []
    while (nxt := await store.next_inbox(arn)) is not None:
        events.append(nxt.event)
        version = (await store.get_execution(arn)).version  # type: ignore[union-attr]
        await store.commit_transition(Transition(arn, version, nxt.id, "{}", "RUNNING"))
    return events


def test_an_unconfirmed_hand_out_returns_once_its_window_ends(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        await store.create_activity(ActivityRow(ACT, "a", T0))
        await queue(store, row.arn, "t1")

        def claim(now, hidden_until=None):  # type: ignore[no-untyped-def]
            return store.claim_activity_task(
                ACT, lambda t: f"started:{t}", now=now, hidden_until=hidden_until
            )

        first = await claim(T0, LATER)
        assert first is not None and (first.task_id, first.deliveries) == ("t1", 0)
        assert await claim(LATER - timedelta(microseconds=1), LATER) is None  # hidden while provisional
        assert await store.claim_activity_task(ACT, lambda t: "x") is None  # a claim without `now` sees none
        again = await claim(LATER, LATER + timedelta(seconds=10))
        assert again is not None and (again.id, again.task_id, again.deliveries) == (first.id, "t1", 1)
        await store.confirm_activity_tasks([again.id, 999_999])  # an unknown id is fine
        assert await claim(LATER + timedelta(days=1)) is None
        # one ActivityStarted, however often the task was handed out
        assert await started_events(store, row.arn) == ["started:t1"]

    with_store(body)


def test_a_heartbeat_or_a_callback_confirms_the_hand_out(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        row = await started(store)
        await store.create_activity(ActivityRow(ACT, "a", T0))
        await queue(store, row.arn, "t1", "t2", "t3")
        claims = [
            await store.claim_activity_task(ACT, lambda t: t, now=T0, hidden_until=LATER) for _ in "123"
        ]
        assert [c.task_id for c in claims if c] == ["t1", "t2", "t3"]
        assert (await store.heartbeat_task("hash-t1", "beat", T0)).kind == "accepted"
        assert (await store.close_task_by_callback("hash-t2", '{"ok":1}', "done", T0)).kind == "accepted"
        # t3 was never confirmed: it alone comes back; a final claim (no window) takes it for good
        back = await store.claim_activity_task(ACT, lambda t: t, now=LATER)
        assert back is not None and back.task_id == "t3" and back.deliveries == 1
        assert await store.claim_activity_task(ACT, lambda t: t, now=LATER + timedelta(days=1)) is None

    with_store(body)

"""A status change and its event are one commit: the event is in the outbox of the very transition that
changes the status (the in-memory store and the worker on a fake clock), and none where nothing changes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from stepstone.engine.tokens import KeyRing
from stepstone.integrations.base import Registry
from stepstone.integrations.status_events import EventDelivery, EventEndpoint
from stepstone.runtime.clock import FakeClock
from stepstone.runtime.worker import Worker
from stepstone.service import Service
from stepstone.store.base import Transition
from stepstone.store.memory import MemoryStore


class RecordingStore(MemoryStore):
    """The in-memory store, keeping every transition it commits."""

    def __init__(self) -> None:
        super().__init__()
        self.committed: list[Transition] = []

    async def commit_transition(self, transition: Transition) -> None:
        await super().commit_transition(transition)
        self.committed.append(transition)


def announced(transition: Transition) -> list[str]:
    entries = [json.loads(e) for e in transition.outbox if e.startswith('{"status_event"')]
    return [e["status_event"]["detail"]["status"] for e in entries]


def test_the_event_commits_with_the_status_change() -> None:
    async def body() -> None:
        store, clock = RecordingStore(), FakeClock()
        keys = KeyRing({"k1": b"0" * 32}, "k1")
        worker = Worker(store, Registry(), keys, clock=clock)
        # nothing listens there: delivery fails at once and leaves dead letters, which is fine here
        worker.events = EventDelivery(EventEndpoint("http://127.0.0.1:9/", b"s", attempts=1))
        service = Service(store, worker, keys, clock)
        states: dict[str, Any] = {
            "W": {"Type": "Wait", "Seconds": 60, "Next": "P"}, "P": {"Type": "Pass", "End": True},
        }  # fmt: skip
        sm = await service.create_state_machine(
            {"name": "w", "definition": json.dumps({"StartAt": "W", "States": states})}
        )
        await service.start_execution({"stateMachineArn": sm["stateMachineArn"], "name": "e"})
        await worker.run_until_idle()
        clock.advance(60)
        await worker.run_until_idle()
        assert [(t.status, announced(t)) for t in store.committed] == [
            ("RUNNING", ["RUNNING"]), ("SUCCEEDED", ["SUCCEEDED"]),
        ]  # fmt: skip
        assert sorted(json.loads(d.event)["detail"]["status"] for d in await store.list_dead_letters(10)) == [
            "RUNNING", "SUCCEEDED",
        ]  # fmt: skip

    asyncio.run(body())


def test_without_an_endpoint_no_event_is_written() -> None:
    async def body() -> None:
        store, clock = RecordingStore(), FakeClock()
        keys = KeyRing({"k1": b"0" * 32}, "k1")
        worker = Worker(store, Registry(), keys, clock=clock)
        service = Service(store, worker, keys, clock)
        sm = await service.create_state_machine(
            {
                "name": "p",
                "definition": json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            }
        )
        await service.start_execution({"stateMachineArn": sm["stateMachineArn"]})
        await worker.run_until_idle()
        assert [announced(t) for t in store.committed] == [[]] and not await store.list_dead_letters(10)

    asyncio.run(body())

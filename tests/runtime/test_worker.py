"""The durable worker on a fake clock and the in-memory store: timers are rows, transitions happen once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from stepstone.engine.tokens import KeyRing, key_id_of
from stepstone.integrations.base import Registry
from stepstone.integrations.mock import MockIntegration
from stepstone.runtime.clock import FakeClock
from stepstone.runtime.worker import Worker
from stepstone.service import Service
from stepstone.store.memory import MemoryStore


def build() -> tuple[MemoryStore, Worker, Service, FakeClock]:
    store, clock = MemoryStore(), FakeClock()
    keys = KeyRing({"k1": b"0" * 32}, "k1")
    worker = Worker(store, Registry(), keys, clock=clock)
    return store, worker, Service(store, worker, keys, clock), clock


def run(body: Any) -> Any:
    return asyncio.run(body())


def test_a_one_year_wait_is_a_timer_row_and_fires_when_the_clock_says_so() -> None:
    async def body() -> None:
        store, worker, service, clock = build()
        definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 31_536_000, "End": True}}}
        sm = (await service.create_state_machine({"name": "year", "definition": json.dumps(definition)}))[
            "stateMachineArn"
        ]
        ex = (await service.start_execution({"stateMachineArn": sm, "input": '{"x":1}'}))["executionArn"]
        await worker.run_until_idle()
        assert (await service.describe_execution({"executionArn": ex}))["status"] == "RUNNING"
        assert len(store.timers) == 1 and not store.inbox and not store.outbox  # parked: one row, no work
        clock.advance(31_535_999)
        assert await worker.run_until_idle() == 0
        clock.advance(1)
        assert await worker.run_until_idle() == 1
        described = await service.describe_execution({"executionArn": ex})
        assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"x": 1})
        assert not store.timers

    run(body)


def test_a_pass_chain_is_one_transition_and_a_replayed_event_changes_nothing() -> None:
    async def body() -> None:
        _, worker, service, _ = build()
        states = {f"P{i}": {"Type": "Pass", "Next": f"P{i + 1}"} for i in range(5)}
        states["P5"] = {"Type": "Succeed"}
        sm = (
            await service.create_state_machine(
                {"name": "chain", "definition": json.dumps({"StartAt": "P0", "States": states})}
            )
        )["stateMachineArn"]
        ex = (await service.start_execution({"stateMachineArn": sm}))["executionArn"]
        assert await worker.run_until_idle() == 1
        events = (await service.get_execution_history({"executionArn": ex}))["events"]
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
        assert events[-1]["type"] == "ExecutionSucceeded"

    run(body)


def test_an_engine_bug_keeps_the_event_and_does_not_fail_the_execution() -> None:
    async def body() -> None:
        store, worker, service, _ = build()
        definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
        sm = (await service.create_state_machine({"name": "bug", "definition": json.dumps(definition)}))[
            "stateMachineArn"
        ]
        ex = (await service.start_execution({"stateMachineArn": sm}))["executionArn"]
        first = next(iter(store.inbox.values()))
        store.inbox[first.id] = type(first)(
            first.id, first.execution_arn, '{"type":"TimerFired","timer_id":5}'
        )
        await worker.run_once()  # decide on a start-less state raises: a bug, not a user failure
        assert (await service.describe_execution({"executionArn": ex}))["status"] == "RUNNING"
        assert first.id in store.inbox

    run(body)


def test_mock_integration_results_come_back_through_the_outbox() -> None:
    async def body() -> None:
        store, clock = MemoryStore(), FakeClock()
        registry = Registry()
        mock = MockIntegration().add("arn:aws:lambda:us-east-1:123456789012:function:f", {"answer": 42})
        mock.register_into(registry)
        keys = KeyRing({"k1": b"0" * 32}, "k1")
        worker = Worker(store, registry, keys, clock=clock)
        service = Service(store, worker, keys, clock)
        resource = "arn:aws:lambda:us-east-1:123456789012:function:f"
        definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True}}}
        sm = (await service.create_state_machine({"name": "mock", "definition": json.dumps(definition)}))[
            "stateMachineArn"
        ]
        ex = (await service.start_execution({"stateMachineArn": sm}))["executionArn"]
        await worker.run_until_idle()
        assert not store.outbox
        described = await service.describe_execution({"executionArn": ex})
        assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"answer": 42})

    run(body)


class CountingStore(MemoryStore):
    """The in-memory store, counting the worker's reads: a round must not read per execution."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    async def claim_work(self, limit: int) -> Any:
        self._count("claim_work")
        return await super().claim_work(limit)

    async def get_execution(self, arn: str) -> Any:
        self._count("get_execution")
        return await super().get_execution(arn)

    async def next_inbox(self, execution_arn: str) -> Any:
        self._count("next_inbox")
        return await super().next_inbox(execution_arn)

    async def pending_outbox(self) -> Any:
        self._count("pending_outbox")
        return await super().pending_outbox()


def test_a_round_reads_its_executions_in_one_claim_and_claims_their_commands_once() -> None:
    async def body() -> None:
        store, clock = CountingStore(), FakeClock()
        registry = Registry()
        resource = "arn:aws:lambda:us-east-1:123456789012:function:f"
        MockIntegration().add(resource, {"answer": 42}).register_into(registry)
        keys = KeyRing({"k1": b"0" * 32}, "k1")
        worker = Worker(store, registry, keys, clock=clock)
        service = Service(store, worker, keys, clock)
        definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True}}}
        sm = (await service.create_state_machine({"name": "t", "definition": json.dumps(definition)}))[
            "stateMachineArn"
        ]
        arns = [(await service.start_execution({"stateMachineArn": sm}))["executionArn"] for _ in range(30)]
        store.calls.clear()
        assert await worker.run_once() == 30  # every start, each scheduling its task
        assert store.calls == {"claim_work": 1, "pending_outbox": 1}
        await worker.run_until_idle()
        for arn in arns:
            described = await service.describe_execution({"executionArn": arn})
            assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"answer": 42})

    run(body)


def test_a_burst_of_wake_ups_from_other_nodes_is_one_look_a_moment_later() -> None:
    async def body() -> None:
        _, worker, _, _ = build()
        for _ in range(100):
            worker.nudge()
        assert not worker._wake.is_set()  # not at once: more may be on the way
        await asyncio.sleep(0.05)
        assert worker._wake.is_set()
        worker._wake.clear()
        await asyncio.sleep(0.05)
        assert not worker._wake.is_set()  # the hundred nudges were answered by one wake-up

    run(body)


def test_a_command_sent_after_a_key_rotation_carries_the_token_its_transition_stored() -> None:
    class CommitOnly(Worker):
        async def _dispatch_pending(self) -> None:  # the process dies before it sends the command
            return None

    async def body() -> None:
        store, clock = MemoryStore(), FakeClock()
        old = KeyRing({"k1": b"1" * 32}, "k1")
        before = CommitOnly(store, Registry(), old, clock=clock)
        service = Service(store, before, old, clock)
        task = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
        definition = json.dumps({"StartAt": "Ask", "States": {"Ask": task}})
        sm = (await service.create_state_machine({"name": "rot", "definition": definition}))[
            "stateMachineArn"
        ]
        ex = (await service.start_execution({"stateMachineArn": sm}))["executionArn"]
        await before.run_until_idle()
        assert store.outbox, "the command waits in the outbox"

        rotated = KeyRing({"k1": b"1" * 32, "k2": b"2" * 32}, "k2")  # restarted with a new active key
        mock = MockIntegration().add("arn:aws:states:::lambda:invoke", {"sent": True})
        registry = Registry()
        mock.register_into(registry)
        after = Worker(store, registry, rotated, clock=clock)
        await after.recover()  # what a restarted server does first
        for _ in range(50):  # dispatch runs in its own task
            if mock.calls_to("arn:aws:states:::lambda:invoke"):
                break
            await asyncio.sleep(0.01)
        await after.run_until_idle()
        (request,) = mock.calls_to("arn:aws:states:::lambda:invoke")
        token = request.payload["Payload"]["token"]
        assert key_id_of(token) == "k1"  # not a fresh k2 token that matches no stored hash
        callbacks = Service(store, after, rotated, clock)
        await callbacks.send_task_success({"taskToken": token, "output": '{"ok": true}'})
        await after.run_until_idle()
        assert (await callbacks.describe_execution({"executionArn": ex}))["status"] == "SUCCEEDED"

    run(body)

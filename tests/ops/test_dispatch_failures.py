"""A dispatch that raises inside stepstone (here: the store fails once while completing the command)
is counted in `stepstone_outbox_dispatch_failures_total`, logged with the execution ARN, and the
command stays in the outbox until a later dispatch carries it out: nothing is lost."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from stepstone.engine.tokens import KeyRing
from stepstone.integrations.base import Registry
from stepstone.integrations.mock import MockIntegration
from stepstone.metrics import DISPATCH_FAILURES, DISPATCHED
from stepstone.runtime.clock import FakeClock
from stepstone.runtime.worker import Worker
from stepstone.service import Service
from stepstone.service.health import Health
from stepstone.store.memory import MemoryStore
from stepstone.web.ops import OpsApp

FN = "arn:aws:lambda:us-east-1:123456789012:function:flaky"


class HiccupStore(MemoryStore):
    """The in-memory store, failing the first `complete_outbox` like a dropped database connection."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def complete_outbox(
        self, outbox_id: int, result_event: str | None, activity_task: Any = None
    ) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database went away")
        await super().complete_outbox(outbox_id, result_event, activity_task)


def test_a_failed_dispatch_is_counted_logged_and_carried_out_later(caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> str:
        store, clock = HiccupStore(), FakeClock()
        registry = Registry()
        MockIntegration().add(FN, {"ok": True}).register_into(registry)
        keys = KeyRing({"k1": b"0" * 32}, "k1")
        worker = Worker(store, registry, keys, clock=clock)
        service = Service(store, worker, keys, clock)
        definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN, "End": True}}}
        sm = await service.create_state_machine({"name": "flaky", "definition": json.dumps(definition)})
        arn = (await service.start_execution({"stateMachineArn": sm["stateMachineArn"]}))["executionArn"]
        failures, dispatched = DISPATCH_FAILURES.value(("lambda",)), DISPATCHED.value(("lambda", "succeeded"))
        await worker.run_until_idle()
        assert DISPATCH_FAILURES.value(("lambda",)) == failures + 1
        assert len(store.outbox) == 1  # kept for the next try
        assert (await service.describe_execution({"executionArn": arn}))["status"] == "RUNNING"
        await worker.recover()  # the next sweep (a restart, or a PostgreSQL node's poll) carries it out
        await worker.run_until_idle()
        assert DISPATCHED.value(("lambda", "succeeded")) == dispatched + 1
        assert (await service.describe_execution({"executionArn": arn}))["status"] == "SUCCEEDED"
        text = (await OpsApp(Health(store, worker, clock)).metrics()).decode()
        series = 'stepstone_outbox_dispatch_failures_total{resource_kind="lambda"}'
        assert f"{series} {float(failures + 1)}\n" in text
        return str(arn)

    with caplog.at_level(logging.ERROR, logger="stepstone.runtime"):
        arn = asyncio.run(body())
    (record,) = [r for r in caplog.records if "dispatch" in r.getMessage()]
    assert getattr(record, "execution_arn", None) == arn

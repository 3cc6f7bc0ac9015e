"""The public test kit: run state machines in-process on a virtual clock, with scripted integrations.

    from stepstone.testing import MockIntegration, Registry, run_execution

    mock = MockIntegration().add("arn:aws:lambda:us-east-1:123456789012:function:charge", {"ok": True})
    registry = Registry()
    mock.register_into(registry)
    result = await run_execution(definition, {"orderId": 1}, registry=registry)
    assert result.status == "SUCCEEDED"

For callbacks, drive an `InProcessRunner`: `start`, `run_until_idle` (status RUNNING while it waits),
read `open_tokens`, `send_task_success(token, output)`, then `run_until_idle` again.
"""

from __future__ import annotations

from stepstone.integrations.base import Registry, TaskRequest, TaskResult
from stepstone.integrations.functions import FunctionIntegration, LambdaContext, load_functions
from stepstone.integrations.mock import MockIntegration
from stepstone.runtime.inprocess import (
    InProcessRunner,
    MaxEventsExceeded,
    RunResult,
    VirtualClock,
    run_execution,
)

__all__ = [
    "FunctionIntegration",
    "InProcessRunner",
    "LambdaContext",
    "MaxEventsExceeded",
    "MockIntegration",
    "Registry",
    "RunResult",
    "TaskRequest",
    "TaskResult",
    "VirtualClock",
    "load_functions",
    "run_execution",
]

"""The in-process runner records the same task events as the durable server (ids included)."""

from __future__ import annotations

import asyncio
from typing import Any

from stepstone.integrations.base import Registry
from stepstone.integrations.functions import FunctionIntegration
from stepstone.runtime.inprocess import InProcessRunner


def notify(event: Any, context: Any) -> dict[str, str]:
    return {"queued": event["id"]}


def registry() -> Registry:
    reg = Registry()
    FunctionIntegration({"notify": notify}).register_into(reg)
    return reg


def test_wait_for_token_records_started_then_the_invoke_response_as_submitted() -> None:
    definition = {
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token", "id": "a"}},
                "End": True,
            }
        },
    }

    async def scenario() -> list[dict[str, Any]]:
        runner = InProcessRunner(definition, registry=registry())
        runner.start({})
        parked = await runner.run_until_idle()
        assert parked.status == "RUNNING"
        (token,) = runner.open_tokens
        runner.send_task_success(token, {"approved": True})
        done = await runner.run_until_idle()
        assert (done.status, done.output) == ("SUCCEEDED", {"approved": True})
        return done.history

    history = asyncio.run(scenario())
    assert [e["type"] for e in history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in history] == list(range(1, 9))
    submitted = history[4]["taskSubmittedEventDetails"]
    assert submitted["resource"] == "invoke.waitForTaskToken"
    assert submitted["output"]["Payload"] == {"queued": "a"}

from __future__ import annotations

import asyncio

import pytest

from stepstone.engine.commands import InvokeTask
from stepstone.engine.events import TaskSubmitted
from stepstone.integrations.base import (
    Registry,
    TaskRequest,
    TaskResult,
    UnknownResource,
    dispatch,
    request_from_command,
    task_event,
)


def request(
    resource: str = "arn:x", pattern: str = "request_response", payload: object = None
) -> TaskRequest:
    return TaskRequest("t1", "arn:exec", "S", resource, pattern, payload)  # type: ignore[arg-type]


class Answer:
    def __init__(self, result: TaskResult | Exception) -> None:
        self.result = result
        self.seen: list[TaskRequest] = []

    async def invoke(self, req: TaskRequest) -> TaskResult:
        self.seen.append(req)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def test_registry_resolves_exact_arns_and_matchers_in_registration_order() -> None:
    first, second, third = Answer(TaskResult.ok(1)), Answer(TaskResult.ok(2)), Answer(TaskResult.ok(3))
    registry = Registry()
    registry.register("arn:exact", first)
    registry.register(lambda r: r.startswith("arn:"), second)
    registry.register(lambda r: True, third)
    assert registry.resolve("arn:exact") is first
    assert registry.resolve("arn:other") is second
    assert registry.resolve("zzz") is third


def test_unknown_resource_is_a_clear_error() -> None:
    with pytest.raises(UnknownResource, match="arn:nothing"):
        Registry().resolve("arn:nothing")


def test_dispatch_turns_an_unknown_resource_into_a_task_failure() -> None:
    result = asyncio.run(dispatch(Registry(), request("arn:nothing")))
    assert result == TaskResult.fail(
        "States.TaskFailed", "No integration is registered for the resource 'arn:nothing'."
    )


def test_dispatch_turns_an_integration_bug_into_a_task_failure() -> None:
    registry = Registry()
    registry.register("arn:x", Answer(KeyError("boom")))
    result = asyncio.run(dispatch(registry, request()))
    assert result is not None and result.error == "States.TaskFailed" and "KeyError" in (result.cause or "")


def test_wait_for_token_keeps_the_output_as_the_submission_and_fails_on_a_failure() -> None:
    registry = Registry()
    registry.register("arn:ok", Answer(TaskResult.ok({"sent": True})))
    registry.register("arn:bad", Answer(TaskResult.fail("Boom", "cause")))
    submitted = asyncio.run(dispatch(registry, request("arn:ok", "wait_for_token")))
    assert submitted == TaskResult.waiting({"sent": True})
    assert task_event("t1", submitted) == TaskSubmitted("t1", {"sent": True})
    assert asyncio.run(dispatch(registry, request("arn:bad", "wait_for_token"))) == TaskResult.fail(
        "Boom", "cause"
    )
    assert asyncio.run(dispatch(registry, request("arn:ok"))) == TaskResult.ok({"sent": True})


@pytest.mark.parametrize(
    ("resource", "stripped"),
    [
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", "arn:aws:states:::lambda:invoke"),
        ("arn:aws:states:::states:startExecution.sync:2", "arn:aws:states:::states:startExecution"),
        ("arn:aws:states:::batch:submitJob.sync", "arn:aws:states:::batch:submitJob"),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
        ),
    ],
)
def test_request_from_command_strips_the_pattern_suffix(resource: str, stripped: str) -> None:
    command = InvokeTask("t9", "Approve", resource, "wait_for_token", {"a": 1}, "tok", 5.0, 2.0)
    req = request_from_command(command, "arn:exec")
    assert req == TaskRequest(
        "t9", "arn:exec", "Approve", stripped, "wait_for_token", {"a": 1}, "tok", 5.0, 2.0
    )


def test_task_result_is_either_output_or_error() -> None:
    assert not TaskResult.ok(None).failed
    assert TaskResult.fail("E", "c").failed

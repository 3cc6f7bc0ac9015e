from __future__ import annotations

import asyncio

from stepstone.integrations.base import Registry, TaskRequest, TaskResult, dispatch
from stepstone.integrations.mock import MockIntegration


def req(resource: str, payload: object = None) -> TaskRequest:
    return TaskRequest("t", "arn:exec", "S", resource, "request_response", payload)


def test_answers_are_consumed_in_order_and_the_last_repeats() -> None:
    mock = MockIntegration().add("arn:a", {"n": 1}, TaskResult.fail("E", "c"), {"n": 3})
    results = [asyncio.run(mock.invoke(req("arn:a"))) for _ in range(4)]
    assert results == [
        TaskResult.ok({"n": 1}),
        TaskResult.fail("E", "c"),
        TaskResult.ok({"n": 3}),
        TaskResult.ok({"n": 3}),
    ]


def test_calls_are_recorded_and_callables_see_the_request() -> None:
    mock = MockIntegration().add("arn:echo", lambda r: {"got": r.payload})
    mock.add_failure("arn:fail", "Custom.Error", "why")
    registry = Registry()
    mock.register_into(registry)
    assert asyncio.run(dispatch(registry, req("arn:echo", [1]))) == TaskResult.ok({"got": [1]})
    assert asyncio.run(dispatch(registry, req("arn:fail"))) == TaskResult.fail("Custom.Error", "why")
    assert [c.resource for c in mock.calls] == ["arn:echo", "arn:fail"]
    assert mock.calls_to("arn:echo")[0].payload == [1]


def test_unscripted_resources_are_not_claimed() -> None:
    mock = MockIntegration().add("arn:a", 1)
    registry = Registry()
    mock.register_into(registry)
    result = asyncio.run(dispatch(registry, req("arn:b")))
    assert result is not None and result.error == "States.TaskFailed"

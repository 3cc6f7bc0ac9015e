"""A scriptable integration for users' tests: canned results per resource, every call recorded.

    mock = MockIntegration()
    mock.add("arn:aws:lambda:us-east-1:123456789012:function:charge", {"charged": True})
    mock.add_failure("arn:aws:lambda:us-east-1:123456789012:function:refund", "Refund.Failed", "no card")
    mock.add("arn:aws:states:::sqs:sendMessage", [TaskResult.fail("SQS.Throttled", "slow"), {"ok": 1}])
    registry.register(mock.handles, mock)
    ...
    assert mock.calls[0].payload == {...}

A list of answers is consumed one per call; the last one repeats. An answer may also be a callable
`(TaskRequest) -> JSON | TaskResult` for results that depend on the request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from stepstone.asl.json import JSON
from stepstone.integrations.base import Registry, TaskRequest, TaskResult, UnknownResource

__all__ = ["Answer", "MockIntegration"]

Answer = JSON | TaskResult | Callable[[TaskRequest], "JSON | TaskResult"]


@dataclass(slots=True)
class MockIntegration:
    """Answers each resource from a script; resources without a script fail the task as unknown."""

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    calls: list[TaskRequest] = field(default_factory=list)

    def add(self, resource: str, *answers: Answer) -> MockIntegration:
        """Script `resource`: one answer per call in order, the last repeated; returns self to chain."""
        if not answers:
            raise ValueError("add() needs at least one answer")
        self.answers.setdefault(resource, []).extend(answers)
        return self

    def add_failure(self, resource: str, error: str, cause: str = "") -> MockIntegration:
        return self.add(resource, TaskResult.fail(error, cause))

    def handles(self, resource: str) -> bool:
        return resource in self.answers

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    def calls_to(self, resource: str) -> list[TaskRequest]:
        return [call for call in self.calls if call.resource == resource]

    async def invoke(self, request: TaskRequest) -> TaskResult:
        self.calls.append(request)
        script = self.answers.get(request.resource)
        if not script:
            raise UnknownResource(request.resource)
        answer = script.pop(0) if len(script) > 1 else script[0]
        if callable(answer):
            answer = answer(request)
        return answer if isinstance(answer, TaskResult) else TaskResult.ok(answer)

"""A mock file's test case for `stepstone run`: the in-process runner answers the states it names.

The runner keeps nothing, so the invocation count lives in this object (one execution per runner);
the durable server counts from the store instead (`integrations.mock_services`).
"""

from __future__ import annotations

from collections import Counter

from stepstone.integrations.base import Integration, Registry, TaskRequest, TaskResult
from stepstone.integrations.mock_config import MockConfig, TestCase
from stepstone.runtime.inprocess import InProcessRunner

__all__ = ["MockedRegistry", "pick_test_case"]


def pick_test_case(config: MockConfig, name: str) -> TestCase:
    """`Machine#Case`, or `Case` when the file has one state machine; ValueError naming what is there."""
    machine, sep, case = name.rpartition("#")
    if not sep:
        if len(config.machines) != 1:
            raise ValueError(
                f"{config.source} has several state machines ({', '.join(sorted(config.machines))}): "
                "name the test case as MACHINE#CASE"
            )
        machine = next(iter(config.machines))
    found = config.test_case(machine, case)
    if found is None:
        known = sorted(f"{m}#{c}" for m, cases in config.machines.items() for c in cases)
        raise ValueError(f"{config.source} has no test case {machine}#{case} (it has: {', '.join(known)})")
    return found


class MockedRegistry(Registry):
    """A registry whose every resource first asks the test case; unmocked states go to `inner`."""

    def __init__(self, inner: Registry, case: TestCase) -> None:
        super().__init__()
        self.inner, self.case = inner, case
        self.runner: InProcessRunner | None = None  # set once the runner exists: callbacks go to it
        self.invocations: Counter[str] = Counter()

    def resolve(self, resource: str) -> Integration:
        return self

    async def invoke(self, request: TaskRequest) -> TaskResult:
        response = self.case.states.get(request.state_name)
        if response is None:
            return await self.inner.resolve(request.resource).invoke(request)
        answer = response.answer(self.invocations[request.state_name])
        self.invocations[request.state_name] += 1
        if request.pattern == "wait_for_token" and request.token is not None and self.runner is not None:
            # completes as its callback would; the submission itself succeeds
            if answer.failed:
                self.runner.send_task_failure(request.token, answer.error or "", answer.cause or "")
            else:
                self.runner.send_task_success(request.token, answer.output)
            return TaskResult.waiting()
        if answer.failed:
            return TaskResult.fail(answer.error or "", answer.cause or "")
        return TaskResult.ok(answer.output)

"""Mocked service integrations in front of all the others: a test case answers the states it names.

The runtime asks `MockedServices.answer` before it carries out a Task (a Lambda call, an activity, a
nested execution, any resource, any pattern); `None` lets the Task through to its real integration.
Which test case an execution runs is written beside it when it starts (`TEST_CASE_TAG` on the
execution ARN), and the invocation number is counted from the execution's own task rows (the Task
states with that name scheduled before this one), so a server restart or a command delivered twice
answers the same invocation the same way: no count lives in this process.

A mocked `.waitForTaskToken` (or `.sync`) state completes with its `Return` as the callback's output,
or fails with its `Throw`, as Step Functions Local does.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from stepstone.engine.commands import InvokeTask
from stepstone.engine.events import TaskFailed, TaskSucceeded
from stepstone.integrations.mock_config import MockAnswer, MockConfig, TestCase
from stepstone.store.base import Store

__all__ = ["TEST_CASE_TAG", "MockedServices", "answer_event", "machine_of_execution", "split_test_case"]

#: The tag on an execution ARN that names its test case (never on a state machine, so never listed).
TEST_CASE_TAG = "stepstone:mock-test-case"
_CACHE = 1024


def split_test_case(state_machine_arn: str) -> tuple[str, str | None]:
    """`arn...:stateMachine:Name#Case` -> (`arn...:stateMachine:Name`, `Case`); no `#`: (arn, None)."""
    arn, sep, case = state_machine_arn.partition("#")
    return (arn, case) if sep else (arn, None)


def machine_of_execution(execution_arn: str) -> str:
    """The state machine name inside an execution ARN (`arn:aws:states:r:a:execution:Machine:name`)."""
    parts = execution_arn.split(":")
    return parts[6] if len(parts) > 6 else ""


def answer_event(command: InvokeTask, answer: MockAnswer) -> TaskSucceeded | TaskFailed:
    """The engine event a mocked answer closes the task with.

    A callback or job pattern completes as its callback (or child) would: not `direct`, so the
    engine records the submission first, as it does for a real one.
    """
    direct = command.pattern == "request_response"
    if answer.failed:
        return TaskFailed(command.task_id, answer.error or "", answer.cause or "", direct=direct)
    return TaskSucceeded(command.task_id, answer.output, direct=direct)


@dataclass(slots=True)
class MockedServices:
    """Answers the Tasks of executions started on a test case; lets every other Task through."""

    config: MockConfig
    store: Store
    _cases: OrderedDict[str, TestCase | None] | None = None

    async def test_case_of(self, execution_arn: str) -> TestCase | None:
        cases = self._cases if self._cases is not None else OrderedDict()
        self._cases = cases
        if execution_arn in cases:
            cases.move_to_end(execution_arn)
            return cases[execution_arn]
        name = (await self.store.tags(execution_arn)).get(TEST_CASE_TAG)
        case = None if name is None else self.config.test_case(machine_of_execution(execution_arn), name)
        cases[execution_arn] = case
        if len(cases) > _CACHE:
            cases.popitem(last=False)
        return case

    async def invocation(self, execution_arn: str, command: InvokeTask) -> int:
        """How many times this execution scheduled the state before this task (retries count)."""
        number = _task_number(command.task_id)
        tasks = await self.store.list_tasks(execution_arn, None)
        return sum(
            1 for t in tasks if t.state_name == command.state_name and _task_number(t.task_id) < number
        )

    async def answer(self, execution_arn: str, command: InvokeTask) -> TaskSucceeded | TaskFailed | None:
        """The mocked result of the task, or None when its execution's test case does not name the state."""
        case = await self.test_case_of(execution_arn)
        if case is None:
            return None
        response = case.states.get(command.state_name)
        if response is None:
            return None
        return answer_event(command, response.answer(await self.invocation(execution_arn, command)))


def _task_number(task_id: str) -> int:
    """Task ids are `task:<event id of the scheduling>`: the order in which the tasks were scheduled."""
    _, _, number = task_id.rpartition(":")
    return int(number) if number.isdigit() else 0

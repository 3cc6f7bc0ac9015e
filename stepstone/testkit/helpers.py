"""What a test does with a running server: start on a test case, see what it waits on, answer,
jump the clock, wait until idle, assert the path taken.

    kit = Stepstone(server)
    arn = kit.create("approval", definition)
    run = kit.start(arn, {"requestId": "r1"})
    [task] = kit.waiting(run, "GetApproval")
    kit.succeed(task, {"approved": True})
    kit.assert_path(run, ["GetApproval", "ApprovalReceived"])

Tokens are read straight from the server (tests only: the API never lists them); answering goes
through the API like any worker's SendTaskSuccess.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stepstone.asl.json import JSON
from stepstone.runtime.clock import parse_duration
from stepstone.runtime.worker import TERMINAL
from stepstone.testkit.server import TestServer

__all__ = ["Stepstone", "WaitingTask"]


@dataclass(frozen=True, slots=True)
class WaitingTask:
    """An open task of an execution: its state, resource and (for callbacks and activities) token."""

    execution_arn: str
    state: str
    resource: str
    task_id: str
    token: str | None
    since: datetime


class Stepstone:
    """Helpers over one test server; `client` is its boto3 Step Functions client."""

    def __init__(self, server: TestServer, client: Any | None = None) -> None:
        self.server = server
        self.client = client if client is not None else server.client()

    # state machines and executions ----------------------------------------------------------------

    def create(self, name: str, definition: str | dict[str, JSON], **kwargs: Any) -> str:
        """Create a state machine; its ARN."""
        text = definition if isinstance(definition, str) else json.dumps(definition)
        role = kwargs.pop("roleArn", "arn:aws:iam::123456789012:role/stepstone-test")
        answer = self.client.create_state_machine(name=name, definition=text, roleArn=role, **kwargs)
        arn: str = answer["stateMachineArn"]
        return arn

    def start(self, state_machine_arn: str, input: JSON = None, *, test_case: str | None = None,
              name: str | None = None) -> str:  # fmt: skip
        """Start an execution (on a mock file's test case: `<arn>#<case>`) and run to idle; its ARN."""
        target = state_machine_arn if test_case is None else f"{state_machine_arn}#{test_case}"
        extra = {"name": name} if name is not None else {}
        answer = self.client.start_execution(
            stateMachineArn=target, input=json.dumps({} if input is None else input), **extra
        )
        self.wait_idle()
        arn: str = answer["executionArn"]
        return arn

    def describe(self, execution_arn: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.describe_execution(executionArn=execution_arn)
        return answer

    def status(self, execution_arn: str) -> str:
        return str(self.describe(execution_arn)["status"])

    def output(self, execution_arn: str) -> JSON:
        """The execution's output, parsed (None while it runs or when it did not succeed)."""
        text = self.describe(execution_arn).get("output")
        return None if text is None else json.loads(text)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
        return [event for page in pages for event in page["events"]]

    def path(self, execution_arn: str) -> list[str]:
        """The states entered, in order (Map iterations and Parallel branches included)."""
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.history(execution_arn)
            if event["type"].endswith("StateEntered")
        ]

    def assert_path(self, execution_arn: str, expected: list[str]) -> None:
        """The execution entered exactly these states, in this order."""
        actual = self.path(execution_arn)
        assert actual == expected, f"path taken {actual}, expected {expected}"

    # what it waits on, and answering it -----------------------------------------------------------

    def waiting(self, execution_arn: str, state: str | None = None) -> list[WaitingTask]:
        """The execution's open tasks (of `state` only, if given), oldest first, with their tokens."""
        service = self.server.service
        rows = self.server.call(service.store.list_tasks(execution_arn, "open"))
        found = []
        for row in rows:
            if state is not None and row.state_name != state:
                continue
            token = None
            if row.token_hash is not None:
                token = service.keys.remint(row.execution_arn, row.task_id, row.token_hash)
            found.append(
                WaitingTask(row.execution_arn, row.state_name, row.resource, row.task_id, token, row.since)
            )
        return found

    def task(self, execution_arn: str, state: str) -> WaitingTask:
        """The one task the execution waits on in `state`; AssertionError when it is not one."""
        tasks = self.waiting(execution_arn, state)
        assert len(tasks) == 1, f"{len(tasks)} open tasks in state {state!r}: {self.waiting(execution_arn)}"
        return tasks[0]

    def _token(self, target: WaitingTask | str, state: str | None) -> str:
        task = target if isinstance(target, WaitingTask) else self.task(target, state or "")
        assert task.token is not None, f"the task of {task.state!r} waits for no callback"
        return task.token

    def succeed(self, target: WaitingTask | str, output: JSON = None, *, state: str | None = None) -> None:
        """SendTaskSuccess for a waiting task (or for the execution ARN's task in `state`); to idle."""
        self.client.send_task_success(
            taskToken=self._token(target, state), output=json.dumps({} if output is None else output)
        )
        self.wait_idle()

    def fail(self, target: WaitingTask | str, error: str = "", cause: str = "", *,
             state: str | None = None) -> None:  # fmt: skip
        """SendTaskFailure for a waiting task (or the execution ARN's task in `state`); to idle."""
        self.client.send_task_failure(taskToken=self._token(target, state), error=error, cause=cause)
        self.wait_idle()

    # time -----------------------------------------------------------------------------------------

    def advance(self, duration: str | float) -> datetime:
        """Move the virtual clock (`"1d"`, `"90s"`, seconds), firing what falls due; the new time."""
        seconds = parse_duration(duration) if isinstance(duration, str) else float(duration)
        answer = self.server.call(self.server.service.advance(seconds))
        now: datetime = answer["now"]
        return now

    def now(self) -> datetime:
        return self.server.service.clock.now()

    def wait_idle(self) -> None:
        """Until nothing is queued and no command is in flight (armed timers wait for `advance`)."""
        self.server.call(self.server.service.run_until_idle())

    def wait_until_done(self, execution_arn: str, timeout: float = 10.0) -> str:
        """Until the execution ends (a real-time wait, for work outside the engine); its status."""
        deadline = time.monotonic() + timeout
        while True:
            self.wait_idle()
            status = self.status(execution_arn)
            if status in TERMINAL or time.monotonic() > deadline:
                return status
            time.sleep(0.01)

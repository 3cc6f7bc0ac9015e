"""How a Task reaches the outside world: one request in, one result out, chosen by Resource ARN.

    IntegrationError         an integration could not be found or used; carries the ASL error
      └── UnknownResource    no registered integration handles the Resource ARN

Integrations see a service integration's ARN in its canonical form (`arn:aws:states:::sqs:sendMessage`,
whatever region, account or partition the definition wrote, see `asl.arns`): `request_from_command`
and `Registry.resolve` both normalise it, so a matcher compares against that one string.

Every runtime (the in-process runner, the durable server) goes through `dispatch`: it resolves the
integration, invokes it, and turns anything that goes wrong into a task failure (a `TaskResult`), so a
user's broken function or a missing integration fails the Task the AWS way instead of the runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from stepstone.asl.arns import canonical_resource
from stepstone.asl.errors import TASK_FAILED
from stepstone.asl.json import JSON
from stepstone.engine.commands import InvokeTask, Pattern
from stepstone.engine.events import TaskFailed, TaskSubmitted, TaskSucceeded

__all__ = [
    "Cancellable",
    "Integration",
    "IntegrationError",
    "Matcher",
    "Registry",
    "TaskRequest",
    "TaskResult",
    "UnknownResource",
    "dispatch",
    "request_from_command",
    "task_event",
]

#: Resource ARN suffixes that select a pattern; the integration sees the ARN without them.
_SUFFIXES = (".waitForTaskToken", ".sync:2", ".sync")


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """One invocation of a Task's resource."""

    task_id: str
    execution_arn: str
    state_name: str
    resource: str  # without the .sync / .waitForTaskToken suffix
    pattern: Pattern
    payload: JSON
    token: str | None = None
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class TaskResult:
    """What the resource answered: an output, or an error name and cause (never both)."""

    output: JSON = None
    error: str | None = None
    cause: str | None = None
    pending: bool = False  # the result arrives later; `output` is the answer to the submission

    @classmethod
    def ok(cls, output: JSON) -> TaskResult:
        return cls(output=output)

    @classmethod
    def waiting(cls, submitted: JSON = None) -> TaskResult:
        """Started; the result is reported later. `submitted` is what the resource answered the start."""
        return cls(output=submitted, pending=True)

    @classmethod
    def fail(cls, error: str, cause: str) -> TaskResult:
        return cls(error=error, cause=cause)

    @property
    def failed(self) -> bool:
        return self.error is not None


class Integration(Protocol):
    """A family of resources (Lambda functions, activities, HTTP endpoints, ...) behind one method."""

    async def invoke(self, request: TaskRequest) -> TaskResult:
        """Carry out the request; report failures as `TaskResult.fail`, not by raising."""
        ...


@runtime_checkable
class Cancellable(Protocol):
    """An integration that can undo a started task when the execution no longer wants it."""

    async def cancel(self, execution_arn: str, task_id: str) -> None:
        """The task was cancelled (execution stopped, timed out, ...); release what it started."""
        ...


#: Decides whether an integration handles a Resource ARN (suffix removed).
Matcher = Callable[[str], bool]


class IntegrationError(Exception):
    """The task's resource cannot be used."""

    error = TASK_FAILED

    def __init__(self, cause: str | None = None) -> None:
        self.cause = cause if cause is not None else (self.__doc__ or "").strip()
        super().__init__(self.cause)


class UnknownResource(IntegrationError):
    """No integration handles this resource.

    A `States.TaskFailed`, which Retry and Catch handle, as on AWS for a service the execution
    cannot call (an `AccessDeniedException` there), not the terminal `States.Runtime`.
    """

    def __init__(self, resource: str) -> None:
        super().__init__(f"No integration is registered for the resource '{resource}'.")
        self.resource = resource


class Registry:
    """Integrations by Resource ARN: the first registered matcher that accepts the ARN wins."""

    def __init__(self) -> None:
        self._entries: list[tuple[Matcher, Integration]] = []

    def register(self, matcher: Matcher | str, integration: Integration) -> None:
        """Register for an exact ARN (a str) or for every ARN the matcher accepts."""
        if isinstance(matcher, str):
            exact = matcher
            self._entries.append((lambda resource: resource == exact, integration))
        else:
            self._entries.append((matcher, integration))

    def resolve(self, resource: str) -> Integration:
        """The integration for `resource`, however spelt; raises UnknownResource when none handles it."""
        resource = canonical_resource(resource)
        for matches, integration in self._entries:
            if matches(resource):
                return integration
        raise UnknownResource(resource)


def request_from_command(command: InvokeTask, execution_arn: str) -> TaskRequest:
    """The request for an InvokeTask command: the resource in canonical form, without its suffix."""
    resource = canonical_resource(command.resource)
    for suffix in _SUFFIXES:
        if resource.endswith(suffix):
            resource = resource.removesuffix(suffix)
            break
    return TaskRequest(
        task_id=command.task_id,
        execution_arn=execution_arn,
        state_name=command.state_name,
        resource=resource,
        pattern=command.pattern,
        payload=command.payload,
        token=command.token,
        timeout_seconds=command.timeout_seconds,
        heartbeat_seconds=command.heartbeat_seconds,
    )


async def dispatch(registry: Registry, request: TaskRequest) -> TaskResult:
    """Invoke the request's integration; a `pending` result means the task now waits (token, child).

    With the wait_for_token pattern the resource's own output is only the submission's answer (AWS
    records it as TaskSubmitted), but its failure fails the task (AWS: a messenger function that
    raises never hands the token on). An exception escaping an integration is a bug in that
    integration; it still becomes a task failure, never a runtime crash.
    """
    try:
        result = await registry.resolve(request.resource).invoke(request)
    except IntegrationError as exc:
        return TaskResult.fail(exc.error, exc.cause)
    except Exception as exc:  # an integration's bug must not take the runtime down
        return TaskResult.fail(TASK_FAILED, f"{type(exc).__name__}: {exc}")
    if request.pattern == "wait_for_token" and not result.failed and not result.pending:
        return TaskResult.waiting(result.output)
    return result


def task_event(task_id: str, result: TaskResult) -> TaskSucceeded | TaskFailed | TaskSubmitted:
    """The engine event for a dispatched task's result: its close, or the answer to its submission."""
    if result.error is not None:
        return TaskFailed(task_id, result.error, result.cause or "", direct=True)
    if result.pending:
        return TaskSubmitted(task_id, result.output)
    return TaskSucceeded(task_id, result.output, direct=True)

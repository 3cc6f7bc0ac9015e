"""A tiny driver for decide: feed events, collect history and commands, fire timers by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from stepstone.engine.commands import ArmTimer, Command, InvokeTask
from stepstone.engine.decide import Decision, decide
from stepstone.engine.events import Event, ExecutionInfo, Start
from stepstone.engine.program import Program, load_program
from stepstone.engine.state import ExecutionState

T0 = datetime(2024, 1, 1, tzinfo=UTC)
INFO = ExecutionInfo(
    execution_arn="arn:aws:states:us-east-1:123456789012:execution:sm:run-1",
    name="run-1",
    state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:sm",
    state_machine_name="sm",
)
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"


def mint(execution_arn: str, task_id: str) -> str:
    return f"token/{task_id}"


@dataclass
class Run:
    program: Program
    state: ExecutionState | None = None
    now: datetime = T0
    history: list[dict[str, Any]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    log: list[tuple[Event, datetime, int]] = field(default_factory=list)

    def send(self, event: Event, *, at: datetime | None = None, seed: int = 7) -> Decision:
        if at is not None:
            self.now = at
        self.log.append((event, self.now, seed))
        decision = decide(self.program, self.state, event, now=self.now, seed=seed, mint_token=mint)
        self.state = decision.state
        self.history.extend(decision.history)
        self.commands.extend(decision.commands)
        return decision

    @property
    def types(self) -> list[str]:
        return [e["type"] for e in self.history]

    def invocations(self) -> list[InvokeTask]:
        return [c for c in self.commands if isinstance(c, InvokeTask)]

    def timers(self) -> dict[str, datetime]:
        return {c.timer_id: c.due for c in self.commands if isinstance(c, ArmTimer)}

    def after(self, seconds: float) -> datetime:
        return self.now + timedelta(seconds=seconds)


def start(definition: dict[str, Any], data: Any = None) -> Run:
    run = Run(load_program(definition))
    run.send(Start(input={} if data is None else data, info=INFO))
    return run

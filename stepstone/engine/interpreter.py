"""What a state's step may ask of the `decide` call in progress: the `Interpreter` protocol.

`steps`, `tasks` and `fanout` say what each state type does; `decide` owns the loop that calls them.
They meet here, so the state types depend on this small surface and never on `decide` itself, and
`decide` depends on them through the `STEPS` table: the imports run one way.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from stepstone.asl.env import Env
from stepstone.asl.json import JSON, JSONObject
from stepstone.engine.commands import Command
from stepstone.engine.program import CompiledState, Program
from stepstone.engine.state import ExecutionState, Frame, TimerKind
from stepstone.engine.variables import Assigned

TokenMinter = Callable[[str, str], str]


class Interpreter(Protocol):
    """The working set of one `decide` call, as the state types see it."""

    program: Program
    state: ExecutionState
    now: datetime
    mint_token: TokenMinter
    commands: list[Command]

    @property
    def rng(self) -> random.Random:
        """The execution's seeded randomness (ids, `$random`), drawn the same on a replay."""
        ...

    def emit(self, event_type: str, details: JSONObject | None, frame: Frame | None = None) -> int:
        """Append a history event; return its id."""
        ...

    def env(
        self,
        frame: Frame,
        cs: CompiledState,
        *,
        token: str | None = None,
        item: tuple[int, JSON] | None = None,
    ) -> Env:
        """What the state's expressions see: `$$`, the visible variables, the seeded randomness."""
        ...

    def arm(self, timer_id: str, kind: TimerKind, ref: str, due: datetime) -> None:
        """Set a timer that comes back as a TimerFired event at `due`."""
        ...

    def disarm(self, timer_id: str) -> None:
        """Cancel a timer if it is still armed."""
        ...

    def state_of(self, frame: Frame) -> CompiledState:
        """The compiled state `frame` is in."""
        ...

    def transition(
        self,
        frame: Frame,
        cs: CompiledState,
        output: JSON,
        next_state: str | None = None,
        assigned: Assigned | None = None,
    ) -> bool:
        """Leave `cs` with `output`: True when the frame goes on to a next state, False when it ended."""
        ...

    def proceed(self, frame: Frame, moved_on: bool) -> None:
        """A frame that left a waiting state: queue it to enter its next state."""
        ...

    def fail_state(self, frame: Frame, cs: CompiledState, error: str, cause: str | None) -> bool:
        """The state failed: retry it, route it through a Catch, or fail the frame."""
        ...

    def frame_done(self, frame: Frame, output: JSON) -> None:
        """The frame's machine reached its end with `output`."""
        ...

    def frame_failed(self, frame: Frame, error: str, cause: str | None) -> None:
        """The frame's machine failed, past any Retry or Catch."""
        ...

    def cancel_frame(self, frame: Frame) -> None:
        """Abort a frame and everything under it."""
        ...


Step = Callable[[Interpreter, Frame, CompiledState], bool]
"""What a state type does once entered: True when the frame moves on within this call."""

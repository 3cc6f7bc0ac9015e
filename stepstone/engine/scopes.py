"""The variables a frame sees: its own scope, then the scopes of the frames around it.

Scopes follow the frames. The root machine's states share one scope; each Parallel branch and each
Map iteration has a scope of its own that reads through to the scopes around it (a distributed Map's
iterations do not: AWS gives them no access to outer variables). An inner scope's assignments are
never visible outside it: a branch returns data through its output only.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping

from stepstone.asl.json import JSON
from stepstone.engine.program import Program
from stepstone.engine.state import ExecutionState, Frame


def visible(program: Program, execution: ExecutionState, frame: Frame) -> Mapping[str, JSON]:
    """The variables `frame` sees: its own scope, then each enclosing one, innermost first."""
    if frame.parent is None:
        return frame.variables
    scopes = [frame.variables]
    frames = execution.frames
    parent_id: str | None = frame.parent
    while parent_id is not None:
        parent = frames.get(parent_id)
        if parent is None:
            break
        spec = program.machines[parent.machine].states[parent.state].spec
        if getattr(spec, "mode", None) == "DISTRIBUTED":
            break  # a distributed Map's iterations cannot read outer variables
        scopes.append(parent.variables)
        parent_id = parent.parent
    return ChainMap(*scopes)

"""Parallel and Map states: child frames, their results in order, concurrency and failure.

A Parallel state starts one child frame per branch; a Map state one per item, at most
MaxConcurrency at a time (0 = unlimited). Children run in the same `decide` call when they are
synchronous. The first failure (beyond the tolerated ones, for Map) cancels the other children and
fails the state with that error, which the state's own Retry/Catch then handle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stepstone.asl import errors
from stepstone.asl.errors import AslFailure, state_cause
from stepstone.asl.json import JSON
from stepstone.asl.model import MapState
from stepstone.asl.paths import compact_json
from stepstone.engine import maprun
from stepstone.engine.dataflow import select
from stepstone.engine.jsonata_io import states_binding
from stepstone.engine.path_numbers import float_at, integer_at
from stepstone.engine.program import CompiledState
from stepstone.engine.retry import TERMINAL
from stepstone.engine.state import Fanout, Frame

if TYPE_CHECKING:
    from stepstone.asl.env import Env
    from stepstone.engine.interpreter import Interpreter


def start_parallel(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    env = run.env(frame, cs)
    data = cs.io.effective_input(frame.input, env)
    started = run.emit("ParallelStateStarted", None, frame)
    fan = Fanout("parallel", total=len(cs.branches), results=[None] * len(cs.branches))
    frame.fan = fan
    frame.waiting = "children"
    machines = run.program.machines
    for index, key in enumerate(cs.branches):
        # Each branch gets a scope of its own; it reads the outer ones through `scopes.visible`.
        child = Frame(f"p{started}.{index}", key, frame.fid, index, machines[key].start_at, data)
        child.last_event = started
        run.state.frames[child.fid] = child
        fan.running.append(child.fid)
        run.state.runnable.append(child.fid)
    if not cs.branches:
        return _finish(run, frame, cs)
    return False


def _jsonata_number(
    cs: CompiledState, field: str, fixed: float | None, states: JSON, env: Env
) -> float | None:
    expression = cs.expressions.get(field)
    if expression is None:
        return fixed
    value = expression.evaluate(states, env, expected="number")
    assert isinstance(value, int | float)
    return value


def _jsonata_map_settings(
    cs: CompiledState, spec: MapState, data: JSON, env: Env
) -> tuple[list[JSON], int, int | None, float | None]:
    states = states_binding(data, env)
    items_field = cs.expressions.get("Items")
    items = data if items_field is None else items_field.evaluate(states, env, expected="array")
    if not isinstance(items, list):
        raise AslFailure(
            errors.QUERY_EVALUATION_ERROR, f"Map state input must be an array but was: {compact_json(items)}"
        )
    concurrency = _jsonata_number(cs, "MaxConcurrency", spec.max_concurrency, states, env)
    count = _jsonata_number(cs, "ToleratedFailureCount", spec.tolerated_failure_count, states, env)
    percentage = _jsonata_number(
        cs, "ToleratedFailurePercentage", spec.tolerated_failure_percentage, states, env
    )
    return (
        items,
        int(concurrency or 0),
        None if count is None else int(count),
        None if percentage is None else float(percentage),
    )


def _jsonpath_map_settings(
    cs: CompiledState, spec: MapState, data: JSON, env: Env
) -> tuple[list[JSON], int, int | None, float | None]:
    assert cs.items_path is not None
    items = select(cs.items_path.path, data, env)
    if not isinstance(items, list):
        raise AslFailure(errors.RUNTIME, f"Map state input must be an array but was: {compact_json(items)}")
    concurrency = spec.max_concurrency
    if cs.max_concurrency_path is not None:
        concurrency = integer_at(cs.max_concurrency_path, "MaxConcurrencyPath", data, env)
    count = spec.tolerated_failure_count
    if cs.tolerated_count_path is not None:
        count = integer_at(cs.tolerated_count_path, "ToleratedFailureCountPath", data, env)
    percentage = spec.tolerated_failure_percentage
    if cs.tolerated_percentage_path is not None:
        percentage = float_at(cs.tolerated_percentage_path, "ToleratedFailurePercentagePath", data, env)
    return items, concurrency, count, percentage


def start_map(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    spec = cs.spec
    assert isinstance(spec, MapState)
    if maprun.is_distributed(run, cs):
        return maprun.start(run, frame, cs)
    env = run.env(frame, cs)
    data = cs.io.effective_input(frame.input, env)
    settings = _jsonata_map_settings if cs.jsonata else _jsonpath_map_settings
    items, concurrency, count, percentage = settings(cs, spec, data, env)
    if percentage is not None and not 0 <= percentage <= 100:
        raise AslFailure(errors.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
    if count is not None and count < 0:
        raise AslFailure(errors.RUNTIME, "ToleratedFailureCount cannot be negative.")
    run.emit("MapStateStarted", {"length": len(items)}, frame)
    frame.fan = Fanout(
        "map",
        total=len(items),
        results=[None] * len(items),
        items=items,
        max_concurrency=max(concurrency, 0),
        tolerated_count=count,
        tolerated_percentage=percentage,
        selector_input=data,
    )
    frame.waiting = "children"
    if not items:
        return _finish(run, frame, cs)
    _start_iterations(run, frame, cs)
    return False


def _start_iterations(run: Interpreter, parent: Frame, cs: CompiledState) -> None:
    fan = parent.fan
    assert fan is not None
    key = cs.branches[0]
    start_at = run.program.machines[key].start_at
    while fan.next_index < fan.total and (fan.max_concurrency == 0 or len(fan.running) < fan.max_concurrency):
        index = fan.next_index
        fan.next_index = index + 1
        item = fan.items[index]
        value = item
        if cs.item_selector is not None:
            value = cs.item_selector.evaluate(fan.selector_input, run.env(parent, cs, item=(index, item)))
        elif cs.item_selector_value is not None:
            env = run.env(parent, cs, item=(index, item))
            states = states_binding(fan.selector_input, env)
            value = cs.item_selector_value.evaluate(states, env.variables, env)
        started = run.emit("MapIterationStarted", {"name": cs.name, "index": index}, parent)
        child = Frame(f"m{started}", key, parent.fid, index, start_at, value)
        child.last_event = started
        run.state.frames[child.fid] = child
        fan.running.append(child.fid)
        run.state.runnable.append(child.fid)


def _finish(run: Interpreter, parent: Frame, cs: CompiledState) -> bool:
    fan = parent.fan
    assert fan is not None
    parent.fan = None
    parent.waiting = None
    run.emit("ParallelStateSucceeded" if fan.kind == "parallel" else "MapStateSucceeded", None, parent)
    output, assigned = cs.io.finish(parent.input, fan.results, run.env(parent, cs))
    return run.transition(parent, cs, output, None, assigned)


def _guarded_finish(run: Interpreter, parent: Frame, cs: CompiledState) -> None:
    try:
        moved_on = _finish(run, parent, cs)
    except AslFailure as failure:
        moved_on = run.fail_state(
            parent, cs, failure.error, state_cause(cs.name, parent.entered_id, failure.cause)
        )
    run.proceed(parent, moved_on)


def child_done(run: Interpreter, child: Frame, output: JSON) -> None:
    """A branch or iteration finished with `output`."""
    parent = run.state.frames[child.parent]  # type: ignore[index]
    fan = parent.fan
    assert fan is not None
    fan.running.remove(child.fid)
    fan.results[child.slot] = output
    cs = run.state_of(parent)
    if fan.kind == "map":
        run.emit("MapIterationSucceeded", {"name": cs.name, "index": child.slot}, parent)
        _continue_map(run, parent, cs)
    elif not fan.running:
        _guarded_finish(run, parent, cs)


def _continue_map(run: Interpreter, parent: Frame, cs: CompiledState) -> None:
    fan = parent.fan
    assert fan is not None
    try:
        _start_iterations(run, parent, cs)
    except AslFailure as failure:
        _fail_fanout(run, parent, cs, failure.error, state_cause(cs.name, parent.entered_id, failure.cause))
        return
    if not fan.running and fan.next_index >= fan.total:
        _guarded_finish(run, parent, cs)


def _tolerated(fan: Fanout) -> bool:
    if fan.tolerated_count is None and fan.tolerated_percentage is None:
        return False
    if fan.tolerated_count is not None and fan.failures <= fan.tolerated_count:
        return True
    return fan.tolerated_percentage is not None and fan.failures * 100 <= fan.tolerated_percentage * fan.total


def child_failed(run: Interpreter, child: Frame, error: str, cause: str | None) -> None:
    """A branch or iteration failed: tolerate it (Map) or fail the whole state."""
    parent = run.state.frames[child.parent]  # type: ignore[index]
    fan = parent.fan
    assert fan is not None
    fan.running.remove(child.fid)
    cs = run.state_of(parent)
    if fan.kind == "map":
        run.emit("MapIterationFailed", {"name": cs.name, "index": child.slot}, parent)
        fan.failures += 1
        if error not in TERMINAL and _tolerated(fan):
            fan.results[child.slot] = {"Error": error, "Cause": cause}
            _continue_map(run, parent, cs)
            return
        spec = cs.spec
        if isinstance(spec, MapState) and spec.mode == "DISTRIBUTED":
            error = errors.EXCEED_TOLERATED_FAILURE_THRESHOLD
            cause = "The specified tolerated failure threshold was exceeded"
    _fail_fanout(run, parent, cs, error, cause)


def _fail_fanout(run: Interpreter, parent: Frame, cs: CompiledState, error: str, cause: str | None) -> None:
    fan = parent.fan
    assert fan is not None
    for fid in list(fan.running):
        sibling = run.state.frames.get(fid)
        if sibling is not None:
            run.cancel_frame(sibling)
            if fan.kind == "map":
                run.emit("MapIterationAborted", {"name": cs.name, "index": sibling.slot}, parent)
    parent.fan = None
    parent.waiting = None
    run.emit("ParallelStateFailed" if fan.kind == "parallel" else "MapStateFailed", None, parent)
    run.proceed(parent, run.fail_state(parent, cs, error, cause))

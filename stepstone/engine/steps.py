"""What each state type does once entered: one function per type, `(interpreter, frame, state) -> bool`.

A step returns True when the frame moves on to its next state within this call, False when it
waits (a task, a timer, its children) or has ended. Steps raise `AslFailure` with the detail only;
`Decider.guard` turns it into the state's failure with AWS's cause prefix.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from stepstone.asl import errors
from stepstone.asl.env import Env
from stepstone.asl.errors import AslFailure
from stepstone.asl.json import JSON
from stepstone.asl.model import FailState, WaitState
from stepstone.asl.paths import PathNotFound, ReferencePath, compact_json
from stepstone.asl.timestamps import parse_timestamp
from stepstone.engine import fanout, tasks
from stepstone.engine.interpreter import Interpreter, Step
from stepstone.engine.jsonata_io import states_binding
from stepstone.engine.path_numbers import LONG_BITS, as_integer, rendered
from stepstone.engine.program import CompiledState, Evaluable
from stepstone.engine.state import Frame

#: The longest delay a Wait state may ask for: AWS keeps it in a signed 32-bit count of seconds
#: (about 68 years) and fails a longer one with "Wait state delay is too long.".
MAX_WAIT = timedelta(seconds=2**31 - 1)


def pass_step(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    env = run.env(frame, cs)
    result = cs.result if cs.has_result else cs.io.effective_input(frame.input, env)
    output, assigned = cs.io.finish(frame.input, result, env)
    return run.transition(frame, cs, output, None, assigned)


def choice_step(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    env = run.env(frame, cs)
    data = cs.io.effective_input(frame.input, env)
    target: str | None = None
    io = cs.io
    for rule, candidate, own_io in cs.choices:
        if rule.matches(data, env):
            target = candidate
            if own_io is not None:
                io = own_io  # the matched rule's own Assign/Output
            break
    if target is None:
        if cs.default is None:
            # No Catch or Retry on a Choice: the frame fails outright, with AWS's own cause.
            run.frame_failed(frame, errors.NO_CHOICE_MATCHED, "No Matches!")
            return False
        target = cs.default
    output, assigned = io.finish(frame.input, data, env)
    return run.transition(frame, cs, output, target, assigned)


def _timestamp(text: JSON, detail: str, error: str = errors.RUNTIME) -> datetime:
    parsed = parse_timestamp(text)  # Java's ISO_OFFSET_DATE_TIME, as AWS parses it
    if parsed is None:
        raise AslFailure(error, detail)
    return parsed[0]  # AWS "considers the time value up to seconds and truncates milliseconds"


def _jsonata_wait_until(run: Interpreter, frame: Frame, cs: CompiledState) -> datetime | None:
    seconds = cs.expressions.get("Seconds")
    timestamp = cs.expressions.get("Timestamp")
    if seconds is None and timestamp is None:
        return None
    env = run.env(frame, cs)
    states = states_binding(frame.input, env)
    if seconds is not None:
        value = seconds.evaluate(states, env, expected="number")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise AslFailure(
                errors.QUERY_EVALUATION_ERROR,
                f"The Seconds field must be a non-negative integer, but was: {compact_json(value)}",
            )
        return run.now + timedelta(seconds=value)
    assert timestamp is not None
    text = timestamp.evaluate(states, env, expected="string")
    return _timestamp(
        text,
        "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
        f"{text}",
        errors.QUERY_EVALUATION_ERROR,
    )


def _wait_until(run: Interpreter, frame: Frame, cs: CompiledState) -> datetime:
    spec = cs.spec
    assert isinstance(spec, WaitState)
    if cs.jsonata:
        due = _jsonata_wait_until(run, frame, cs)
        if due is not None:
            return due
    if spec.seconds is not None:
        return run.now + timedelta(seconds=spec.seconds)
    if spec.timestamp is not None:
        return _timestamp(
            spec.timestamp,
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
            + spec.timestamp,
        )
    env = run.env(frame, cs)
    data = cs.io.effective_input(frame.input, env)
    if cs.seconds_path is not None:
        path = cs.seconds_path
        value = _wait_input(path, "SecondsPath", data, env)
        seconds = as_integer(value, LONG_BITS)
        if seconds is None:
            raise AslFailure(
                errors.RUNTIME,
                "The SecondsPath parameter cannot be parsed as a long value: "
                f"{path.text} == {rendered(value)}",
            )
        if seconds < 0:
            raise AslFailure(
                errors.RUNTIME,
                f"The SecondsPath parameter references a negative value: {path.text} == {seconds}",
            )
        return run.now + timedelta(seconds=seconds)
    assert cs.timestamp_path is not None
    value = _wait_input(cs.timestamp_path, "TimestampPath", data, env)
    return _timestamp(
        value,
        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
        f"format string: {cs.timestamp_path.text} == {rendered(value)}",
    )


def _wait_input(path: ReferencePath, field: str, data: JSON, env: Env) -> JSON:
    try:
        return path.get(data, env)
    except PathNotFound:
        raise AslFailure(
            errors.RUNTIME, f"The {field} parameter does not reference an input value: {path.text}"
        ) from None


def wait_step(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    due = _wait_until(run, frame, cs)
    if due - run.now > MAX_WAIT:
        raise AslFailure(errors.RUNTIME, "Wait state delay is too long.")
    if due <= run.now:
        return wait_done(run, frame, cs)
    timer_id = f"wait:{frame.entered_id}"
    run.arm(timer_id, "wait", frame.fid, due)
    frame.waiting = timer_id
    return False


def wait_done(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    env = run.env(frame, cs)
    data = cs.io.effective_input(frame.input, env)
    output, assigned = cs.io.finish(frame.input, data, env)
    return run.transition(frame, cs, output, None, assigned)


def succeed_step(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    env = run.env(frame, cs)
    data = cs.io.effective_input(frame.input, env)
    output, _ = cs.io.finish(frame.input, data, env)
    run.emit(cs.exited, {"name": cs.name, "output": output}, frame)
    run.frame_done(frame, output)
    return False


def _fail_field(
    run: Interpreter, frame: Frame, cs: CompiledState, path: Evaluable, name: str, written: str | None
) -> str:
    try:
        value = path.evaluate(frame.input, run.env(frame, cs))
    except PathNotFound:
        raise AslFailure(
            errors.RUNTIME,  # AWS quotes the field as written, not a normalised path
            f"The JSONPath '{written}' specified for the field '{name}' could not be found "
            f"in the input '{compact_json(frame.input)}'",
        ) from None
    return value if isinstance(value, str) else compact_json(value)


def _jsonata_fail_field(run: Interpreter, frame: Frame, cs: CompiledState, name: str) -> str | None:
    field = cs.expressions.get(name)
    if field is None:
        return None
    env = run.env(frame, cs)
    value = field.evaluate(states_binding(frame.input, env), env, expected="string")
    assert isinstance(value, str)
    return value


def fail_step(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    spec = cs.spec
    assert isinstance(spec, FailState)
    error = spec.error
    cause = spec.cause
    if cs.jsonata:
        error = _jsonata_fail_field(run, frame, cs, "Error")
        cause = _jsonata_fail_field(run, frame, cs, "Cause")
    if cs.error_path is not None:
        error = _fail_field(run, frame, cs, cs.error_path, "ErrorPath", spec.error_path)
    if cs.cause_path is not None:
        cause = _fail_field(run, frame, cs, cs.cause_path, "CausePath", spec.cause_path)
    run.frame_failed(frame, error if error is not None else "", cause)
    return False


STEPS: dict[str, Step] = {
    "Pass": pass_step,
    "Choice": choice_step,
    "Wait": wait_step,
    "WaitDone": wait_done,
    "Succeed": succeed_step,
    "Fail": fail_step,
    "Task": tasks.schedule,
    "Parallel": fanout.start_parallel,
    "Map": fanout.start_map,
}

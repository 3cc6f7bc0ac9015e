"""Numbers and timestamps read through paths: what each *Path field accepts and AWS's words when it cannot.

The expected causes are AWS's (the recorded Wait, Map and Task cases); a string that spells a number
counts as the number, as AWS reads the value's text the way Java parses it.
"""

from __future__ import annotations

from typing import Any

import pytest

from stepstone.engine.events import TaskFailed, TaskSucceeded, TimerFired
from stepstone.engine.path_numbers import LONG_BITS, as_float, as_integer
from tests.engine.harness import LAMBDA, Run, start

PREFIX = "An error occurred while executing the state '{}' (entered at the event id #2). "


def failed(run: Run, state: str = "S") -> tuple[str | None, str]:
    assert run.state is not None and run.state.status == "FAILED", run.types
    cause = run.state.cause or ""
    assert cause.startswith(PREFIX.format(state))
    return run.state.error, cause.removeprefix(PREFIX.format(state))


def wait(data: Any, **fields: Any) -> Run:
    return start({"StartAt": "S", "States": {"S": {"Type": "Wait", "End": True, **fields}}}, data)


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        (-1, "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1"),
        ("-1", "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1"),
        (1.5, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5"),
        (-1.5, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5"),
        ("soon", "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == soon"),
        ({}, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == {}"),
        (True, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == true"),
    ],
)
def test_seconds_path_that_is_not_a_non_negative_integer_fails(value: Any, cause: str) -> None:
    run = wait({"input": {"waitSeconds": value}}, SecondsPath="$.input.waitSeconds")
    assert failed(run) == ("States.Runtime", cause)
    assert run.types[-1] == "ExecutionFailed" and not run.timers()


def test_seconds_path_that_selects_nothing_says_so() -> None:
    run = wait({}, SecondsPath="$.input.waitSeconds")
    assert failed(run) == (
        "States.Runtime",
        "The SecondsPath parameter does not reference an input value: $.input.waitSeconds",
    )


@pytest.mark.parametrize(("value", "seconds"), [(0, 0), (1, 1), ("30", 30), ("+5", 5)])
def test_seconds_path_accepts_integers_and_integer_strings(value: Any, seconds: int) -> None:
    run = wait({"s": value}, SecondsPath="$.s")
    if seconds == 0:
        assert run.state is not None and run.state.status == "SUCCEEDED"
        return
    assert list(run.timers().values()) == [run.after(seconds)]
    run.send(TimerFired(next(iter(run.timers()))), at=run.after(seconds))
    assert run.state is not None and run.state.status == "SUCCEEDED"


def test_seconds_path_reads_a_variable() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Assign": {"delay": "7"}, "Next": "S"},
            "S": {"Type": "Wait", "SecondsPath": "$delay", "End": True},
        },
    }
    run = start(definition, {})
    assert list(run.timers().values()) == [run.after(7)]


def test_a_delay_beyond_a_signed_32_bit_count_of_seconds_is_too_long() -> None:
    # AWS: 24,855 days ahead waits, 24,856 days ahead fails (2^31 seconds is 24,855.13 days).
    assert wait({"s": 2**31 - 1}, SecondsPath="$.s").timers()
    assert failed(wait({"s": 2**31}, SecondsPath="$.s")) == (
        "States.Runtime",
        "Wait state delay is too long.",
    )
    run = wait({}, Timestamp="2100-01-01T00:00:00Z")  # 76 years after the harness's clock
    assert failed(run) == ("States.Runtime", "Wait state delay is too long.")


def test_timestamp_path_errors() -> None:
    run = wait({}, TimestampPath="$.at")
    assert failed(run) == (
        "States.Runtime",
        "The TimestampPath parameter does not reference an input value: $.at",
    )
    run = wait({"at": "2016-12-05 21:29:29Z"}, TimestampPath="$.at")
    assert failed(run) == (
        "States.Runtime",
        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format "
        "string: $.at == 2016-12-05 21:29:29Z",
    )
    run = wait({"at": "2024-01-01T00:01:00Z"}, TimestampPath="$.at")
    assert list(run.timers().values()) == [run.after(60)]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2024-01-01T00:01:00Z", 60),
        ("2024-01-01T00:01:00.000000Z", 60),
        ("2024-01-01T00:01:00.999999999Z", 60),  # AWS truncates to the second
        ("2024-01-01T00:01Z", 60),
        ("2024-01-01T01:01:00+01:00", 60),
        ("2024-01-01T00:01:00", None),  # no offset
        ("2024-01-01 00:01:00Z", None),
        ("20240101T000100Z", None),  # the basic form
        ("2024-W01-1T00:01:00Z", None),  # a week date
        ("2024-13-01T00:01:00Z", None),
        ("2024-01-01T25:01:00Z", None),
        ("2024-01-01T00:01:00+0100", None),
    ],
)
def test_timestamps_are_iso_8601_extended_offset_date_times(text: str, seconds: float | None) -> None:
    run = wait({"at": text}, TimestampPath="$.at")
    if seconds is None:
        assert failed(run)[0] == "States.Runtime"
    else:
        assert [(due - run.now).total_seconds() for due in run.timers().values()] == [seconds]


def map_state(data: Any, **fields: Any) -> Run:
    processor = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": LAMBDA, "End": True}}}
    state = {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "End": True, **fields}
    return start({"StartAt": "S", "States": {"S": state}}, data)


@pytest.mark.parametrize(("value", "running"), [("2", 2), (2, 2), ("0", 3), ("+1", 1)])
def test_max_concurrency_path_accepts_an_integer_string(value: Any, running: int) -> None:
    run = map_state({"items": [1, 2, 3], "mc": value}, MaxConcurrencyPath="$.mc")
    assert len(run.invocations()) == running


def test_max_concurrency_path_reads_a_variable_holding_a_numeric_string() -> None:
    processor = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": LAMBDA, "End": True}}}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Assign": {"limit": "1"}, "Next": "S"},
            "S": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrencyPath": "$limit",
                "ItemProcessor": processor,
                "End": True,
            },
        },
    }
    run = start(definition, {"items": ["a", "b"]})
    assert [i.payload for i in run.invocations()] == ["a"]
    run.send(TaskSucceeded(run.invocations()[0].task_id, 1))
    assert [i.payload for i in run.invocations()] == ["a", "b"]


def refers(field: str, shown: str, kind: str) -> str:
    return f'The {field} field refers to value "{shown}" which is not a valid {kind}: $.v'


@pytest.mark.parametrize(
    ("field", "value", "cause"),
    [
        ("MaxConcurrencyPath", {}, refers("MaxConcurrencyPath", "{}", "integer")),
        ("MaxConcurrencyPath", "NoNumber", refers("MaxConcurrencyPath", "NoNumber", "integer")),
        ("MaxConcurrencyPath", 1.5, refers("MaxConcurrencyPath", "1.5", "integer")),
        ("MaxConcurrencyPath", "1.0", refers("MaxConcurrencyPath", "1.0", "integer")),
        ("ToleratedFailureCountPath", "NoNumber", refers("ToleratedFailureCountPath", "NoNumber", "integer")),
        ("ToleratedFailureCountPath", -1, "ToleratedFailureCount cannot be negative."),
        ("ToleratedFailureCountPath", "-1", "ToleratedFailureCount cannot be negative."),
        (
            "ToleratedFailurePercentagePath",
            "NoNumber",
            refers("ToleratedFailurePercentagePath", "NoNumber", "float"),
        ),
        ("ToleratedFailurePercentagePath", {}, refers("ToleratedFailurePercentagePath", "{}", "float")),
        ("ToleratedFailurePercentagePath", -1.1, "ToleratedFailurePercentage must be between 0 and 100."),
        ("ToleratedFailurePercentagePath", 100.1, "ToleratedFailurePercentage must be between 0 and 100."),
        ("ToleratedFailurePercentagePath", "101", "ToleratedFailurePercentage must be between 0 and 100."),
    ],
)
def test_map_path_fields_refuse_what_is_not_their_number(field: str, value: Any, cause: str) -> None:
    run = map_state({"items": [1], "v": value}, **{field: "$.v"})
    assert failed(run) == ("States.Runtime", cause)
    assert "MapStateStarted" not in run.types


@pytest.mark.parametrize(("value", "tolerated"), [("1", True), (0, False), ("50.5", True), ("1e1", False)])
def test_tolerated_failure_paths_accept_numeric_strings(value: Any, tolerated: bool) -> None:
    field = "ToleratedFailureCountPath" if value in ("1", 0) else "ToleratedFailurePercentagePath"
    run = map_state({"items": [1, 2], "v": value}, **{field: "$.v"})
    first, second = run.invocations()
    run.send(TaskSucceeded(first.task_id, "ok"))
    run.send(TaskFailed(second.task_id, "Nope", "c"))
    assert run.state is not None and run.state.status == ("SUCCEEDED" if tolerated else "FAILED")


def task(data: Any, **fields: Any) -> Run:
    return start(
        {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}}}, data
    )


@pytest.mark.parametrize("field", ["TimeoutSecondsPath", "HeartbeatSecondsPath"])
def test_task_timeouts_through_paths(field: str) -> None:
    run = task({"t": "30"}, **{field: "$.t"})
    kind = "timeout" if field == "TimeoutSecondsPath" else "heartbeat"
    (invoke,) = run.invocations()
    assert run.timers() == {f"{kind}:{invoke.task_id}": run.after(30)}
    for value in (0, -5, "x", 2.5, "-1"):
        error, cause = failed(task({"t": value}, **{field: "$.t"}))
        shown = value if isinstance(value, str) else str(value)
        assert (error, cause) == (
            "States.Runtime",
            f'The {field} field refers to value "{shown}" which is not a valid positive integer: $.t',
        )
    assert failed(task({}, **{field: "$.NoSuch"})) == (
        "States.Runtime",
        "Invalid path '$.NoSuch' : No results for path: $['NoSuch']",
    )


@pytest.mark.parametrize(
    ("text", "integer", "number"),
    [
        ("12", 12, 12.0),
        ("-3", -3, -3.0),
        ("+4", 4, 4.0),
        (" 5", None, 5.0),
        ("1.5", None, 1.5),
        (".5", None, 0.5),
        ("2e2", None, 200.0),
        ("2.5f", None, 2.5),
        ("", None, None),
        ("1_000", None, None),
        ("NaN", None, None),
        ("0x10", None, None),
    ],
)
def test_numeric_strings_read_as_java_parses_them(
    text: str, integer: int | None, number: float | None
) -> None:
    assert as_integer(text) == integer
    assert as_float(text) == number


def test_integers_must_fit_javas_int_or_long() -> None:
    assert as_integer(2**31 - 1) == 2**31 - 1 and as_integer(str(-(2**31))) == -(2**31)
    assert as_integer(2**31) is None and as_integer(str(2**31)) is None
    assert as_integer(2**63 - 1, LONG_BITS) == 2**63 - 1 and as_integer(2**63, LONG_BITS) is None
    run = map_state({"items": [1], "v": 2**31}, MaxConcurrencyPath="$.v")
    assert failed(run) == ("States.Runtime", refers("MaxConcurrencyPath", str(2**31), "integer"))
    run = wait({"s": 2**63}, SecondsPath="$.s")
    assert failed(run) == (
        "States.Runtime",
        f"The SecondsPath parameter cannot be parsed as a long value: $.s == {2**63}",
    )


def test_booleans_and_null_are_not_numbers() -> None:
    for value in (True, False, None, [], {}):
        assert as_integer(value) is None and as_float(value) is None
    assert as_integer(3) == 3 and as_float(3) == 3.0 and as_integer(3.0) is None

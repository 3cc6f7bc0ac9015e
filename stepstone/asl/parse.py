"""Build the model (`stepstone.asl.model`) from a definition's JSON.

Parsing only gives the definition its shape: it reads fields, applies ASL defaults and keeps
expressions as text. Whether the definition makes sense (names resolve, one of Next/End, ...) is the
validator's job, which reports every problem at once; parse raises `DefinitionShapeError` only when
it cannot build a model at all, pointing at the offending place with a JSON Pointer.
"""

from __future__ import annotations

import json
from typing import Any

from stepstone.asl.json import JSONObject
from stepstone.asl.model import (
    Catcher,
    ChoiceBranch,
    ChoiceState,
    FailState,
    Machine,
    MapState,
    ParallelState,
    PassState,
    QueryLanguage,
    Retrier,
    State,
    SucceedState,
    TaskState,
    WaitState,
)


class DefinitionShapeError(ValueError):
    """The definition cannot be read as a state machine."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{message} (at {pointer or '/'})")
        self.pointer = pointer
        self.message = message


def parse_definition(definition: JSONObject | str) -> Machine:
    """Parse a whole definition (a dict, or its JSON text) into a `Machine`."""
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except ValueError as exc:
            raise DefinitionShapeError("", f"Definition is not valid JSON: {exc}") from None
    return _machine(definition, "", "JSONPath")


def _obj(value: Any, pointer: str) -> JSONObject:
    if not isinstance(value, dict):
        raise DefinitionShapeError(pointer, "Expected a JSON object")
    return value


def _machine(raw: Any, pointer: str, inherited: QueryLanguage) -> Machine:
    raw = _obj(raw, pointer)
    language: QueryLanguage = raw.get("QueryLanguage", inherited)
    start_at = raw.get("StartAt")
    if not isinstance(start_at, str):
        raise DefinitionShapeError(f"{pointer}/StartAt", "StartAt must be a string")
    states_raw = _obj(raw.get("States"), f"{pointer}/States")
    states = {
        name: _state(name, body, f"{pointer}/States/{_escape(name)}", language)
        for name, body in states_raw.items()
    }
    timeout = raw.get("TimeoutSeconds")
    return Machine(
        start_at=start_at,
        states=states,
        query_language=language,
        timeout_seconds=float(timeout) if isinstance(timeout, int | float) else None,
        comment=raw.get("Comment"),
    )


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _common(name: str, raw: JSONObject, language: QueryLanguage) -> dict[str, Any]:
    return {
        "name": name,
        "type": raw["Type"],
        "next": raw.get("Next"),
        "end": raw.get("End") is True,
        "query_language": raw.get("QueryLanguage", language),
        "input_path": raw.get("InputPath", "$"),
        "output_path": raw.get("OutputPath", "$"),
        "assign": raw.get("Assign"),
        "output": raw.get("Output"),
        "has_output": "Output" in raw,
    }


def _retry(raw: Any, pointer: str) -> tuple[Retrier, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DefinitionShapeError(pointer, "Retry must be an array")
    out = []
    for i, item in enumerate(raw):
        item = _obj(item, f"{pointer}/{i}")
        max_delay = item.get("MaxDelaySeconds")
        out.append(
            Retrier(
                error_equals=tuple(item.get("ErrorEquals", ())),
                interval_seconds=float(item.get("IntervalSeconds", 1)),
                max_attempts=int(item.get("MaxAttempts", 3)),
                backoff_rate=float(item.get("BackoffRate", 2.0)),
                max_delay_seconds=float(max_delay) if max_delay is not None else None,
                jitter_strategy=str(item.get("JitterStrategy", "NONE")),
            )
        )
    return tuple(out)


def _catch(raw: Any, pointer: str) -> tuple[Catcher, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DefinitionShapeError(pointer, "Catch must be an array")
    out = []
    for i, item in enumerate(raw):
        item = _obj(item, f"{pointer}/{i}")
        out.append(
            Catcher(
                error_equals=tuple(item.get("ErrorEquals", ())),
                next=str(item.get("Next", "")),
                result_path=item.get("ResultPath", "$"),
                output=item.get("Output"),
                assign=item.get("Assign"),
                has_output="Output" in item,
            )
        )
    return tuple(out)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _expression(value: Any) -> str | None:
    """A JSONata `{% ... %}` string in a field that otherwise holds a number, else None."""
    return value if isinstance(value, str) and value.startswith("{%") and value.endswith("%}") else None


def _state(name: str, raw: Any, pointer: str, language: QueryLanguage) -> State:
    raw = _obj(raw, pointer)
    kind = raw.get("Type")
    if not isinstance(kind, str):
        raise DefinitionShapeError(f"{pointer}/Type", "Type must be a string")
    common = _common(name, raw, language)
    own_language: QueryLanguage = common["query_language"]
    if kind == "Pass":
        return PassState(
            **common,
            result=raw.get("Result"),
            has_result="Result" in raw,
            parameters=raw.get("Parameters"),
            result_path=raw.get("ResultPath", "$"),
        )
    if kind == "Task":
        return TaskState(
            **common,
            resource=str(raw.get("Resource", "")),
            parameters=raw.get("Parameters"),
            arguments=raw.get("Arguments"),
            result_selector=raw.get("ResultSelector"),
            result_path=raw.get("ResultPath", "$"),
            timeout_seconds=_number(raw.get("TimeoutSeconds")),
            timeout_seconds_path=raw.get("TimeoutSecondsPath"),
            heartbeat_seconds=_number(raw.get("HeartbeatSeconds")),
            heartbeat_seconds_path=raw.get("HeartbeatSecondsPath"),
            timeout_seconds_expression=_expression(raw.get("TimeoutSeconds")),
            heartbeat_seconds_expression=_expression(raw.get("HeartbeatSeconds")),
            retry=_retry(raw.get("Retry"), f"{pointer}/Retry"),
            catch=_catch(raw.get("Catch"), f"{pointer}/Catch"),
        )
    if kind == "Choice":
        choices = []
        for i, rule in enumerate(raw.get("Choices") or ()):
            rule = _obj(rule, f"{pointer}/Choices/{i}")
            choices.append(
                ChoiceBranch(
                    rule=rule,
                    next=str(rule.get("Next", "")),
                    assign=rule.get("Assign"),
                    output=rule.get("Output"),
                    has_output="Output" in rule,
                )
            )
        return ChoiceState(**common, choices=tuple(choices), default=raw.get("Default"))
    if kind == "Wait":
        return WaitState(
            **common,
            seconds=_number(raw.get("Seconds")),
            timestamp=raw.get("Timestamp"),
            seconds_path=raw.get("SecondsPath"),
            timestamp_path=raw.get("TimestampPath"),
            seconds_expression=_expression(raw.get("Seconds")),
        )
    if kind == "Succeed":
        return SucceedState(**common)
    if kind == "Fail":
        return FailState(
            **common,
            error=raw.get("Error"),
            cause=raw.get("Cause"),
            error_path=raw.get("ErrorPath"),
            cause_path=raw.get("CausePath"),
        )
    if kind == "Parallel":
        branches = tuple(
            _machine(branch, f"{pointer}/Branches/{i}", own_language)
            for i, branch in enumerate(raw.get("Branches") or ())
        )
        return ParallelState(
            **common,
            branches=branches,
            parameters=raw.get("Parameters"),
            arguments=raw.get("Arguments"),
            result_selector=raw.get("ResultSelector"),
            result_path=raw.get("ResultPath", "$"),
            retry=_retry(raw.get("Retry"), f"{pointer}/Retry"),
            catch=_catch(raw.get("Catch"), f"{pointer}/Catch"),
        )
    if kind == "Map":
        return _map(common, raw, pointer, own_language)
    raise DefinitionShapeError(f"{pointer}/Type", f"Unknown state type {kind!r}")


def _map(common: dict[str, Any], raw: JSONObject, pointer: str, language: QueryLanguage) -> MapState:
    field = "ItemProcessor" if "ItemProcessor" in raw else "Iterator"
    processor_raw = _obj(raw.get(field), f"{pointer}/{field}")
    config = processor_raw.get("ProcessorConfig") or {}
    max_concurrency = raw.get("MaxConcurrency", 0)
    count = raw.get("ToleratedFailureCount")
    percentage = raw.get("ToleratedFailurePercentage")
    return MapState(
        **common,
        processor=_machine(processor_raw, f"{pointer}/{field}", language),
        items_path=raw.get("ItemsPath", "$"),
        items=raw.get("Items"),
        has_items="Items" in raw,
        item_selector=raw.get("ItemSelector", raw.get("Parameters")),
        mode=str(config.get("Mode", "INLINE")),
        max_concurrency=int(max_concurrency) if isinstance(max_concurrency, int) else 0,
        max_concurrency_path=raw.get("MaxConcurrencyPath"),
        tolerated_failure_count=int(count) if isinstance(count, int) else None,
        tolerated_failure_count_path=raw.get("ToleratedFailureCountPath"),
        tolerated_failure_percentage=_number(percentage),
        tolerated_failure_percentage_path=raw.get("ToleratedFailurePercentagePath"),
        max_concurrency_expression=_expression(max_concurrency),
        tolerated_failure_count_expression=_expression(count),
        tolerated_failure_percentage_expression=_expression(percentage),
        item_reader=raw.get("ItemReader"),
        item_batcher=raw.get("ItemBatcher"),
        result_writer=raw.get("ResultWriter"),
        label=raw.get("Label") if isinstance(raw.get("Label"), str) else None,
        execution_type=str(config.get("ExecutionType", "STANDARD")),
        result_selector=raw.get("ResultSelector"),
        result_path=raw.get("ResultPath", "$"),
        retry=_retry(raw.get("Retry"), f"{pointer}/Retry"),
        catch=_catch(raw.get("Catch"), f"{pointer}/Catch"),
    )

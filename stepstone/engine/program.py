"""A definition compiled once into what `decide` runs: states with their expressions pre-parsed.

`load_program` parses the definition and compiles every state (paths, templates, choice rules, the
Task resource's family and pattern) into a `CompiledState`, and every nested machine (Parallel
branch, Map processor) into a `CompiledMachine` addressed by a stable key, so the execution state
can name the machine a frame runs as a string. A Program is immutable and may be cached and shared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from stepstone.asl.choice import ChoiceRule, compile_rule
from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.model import (
    Catcher,
    ChoiceState,
    FailState,
    Machine,
    MapState,
    ParallelState,
    PassState,
    Retrier,
    State,
    TaskState,
    WaitState,
)
from stepstone.asl.parse import parse_definition
from stepstone.asl.paths import Path, ReferencePath, parse_path, parse_reference_path
from stepstone.asl.template import Template, compile_template
from stepstone.asl.validate import check
from stepstone.engine.commands import Pattern
from stepstone.engine.dataflow import JsonPathIO, StateIO

ROOT = ""

_SUFFIXES: tuple[tuple[str, Pattern], ...] = (
    (".waitForTaskToken", "wait_for_token"),
    (".sync:2", "sync2"),
    (".sync", "sync"),
)


@dataclass(frozen=True, slots=True)
class TaskTarget:
    """What a Task's Resource means: the family of history events, the pattern and the names."""

    family: str  # "lambda" | "activity" | "service"
    resource: str  # the ARN without the pattern suffix
    pattern: Pattern
    resource_type: str
    resource_name: str
    region: str


def task_target(resource: str) -> TaskTarget:
    """Classify a Resource ARN the way AWS names its history events."""
    pattern: Pattern = "request_response"
    base = resource
    for suffix, name in _SUFFIXES:
        if resource.endswith(suffix):
            pattern, base = name, resource[: -len(suffix)]
            break
    parts = resource.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else "us-east-1"
    if len(parts) >= 7 and parts[:3] == ["arn", "aws", "lambda"] and parts[5] == "function":
        return TaskTarget("lambda", base, pattern, "lambda", resource, region)
    if len(parts) >= 7 and parts[:3] == ["arn", "aws", "states"] and parts[5] == "activity":
        return TaskTarget("activity", base, pattern, "activity", resource, region)
    if resource.startswith("arn:aws:states:::") and len(parts) >= 7:
        return TaskTarget("service", base, pattern, parts[5], ":".join(parts[6:]), region)
    kind, _, rest = resource.partition(":")
    return TaskTarget("service", base, pattern, kind, rest or resource, region)


@dataclass(slots=True, eq=False)
class CompiledState:
    """One state ready to run. Fields a state type does not use keep their empty defaults."""

    spec: State
    name: str
    kind: str
    next: str | None
    end: bool
    io: StateIO
    entered: str
    exited: str
    needs_context: bool
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    result: JSON = None
    has_result: bool = False
    choices: tuple[tuple[ChoiceRule, str], ...] = ()
    default: str | None = None
    seconds_path: ReferencePath | None = None
    timestamp_path: ReferencePath | None = None
    error_path: Path | None = None
    cause_path: Path | None = None
    task: TaskTarget | None = None
    timeout_path: ReferencePath | None = None
    heartbeat_path: ReferencePath | None = None
    branches: tuple[str, ...] = ()
    items_path: ReferencePath | None = None
    item_selector: Template | None = None
    item_selector_context: bool = False
    max_concurrency_path: ReferencePath | None = None
    tolerated_count_path: ReferencePath | None = None
    tolerated_percentage_path: ReferencePath | None = None


@dataclass(slots=True, eq=False)
class CompiledMachine:
    """A (sub-)machine: its key in the Program, where it starts, its states."""

    key: str
    start_at: str
    states: dict[str, CompiledState]
    timeout_seconds: float | None = None


@dataclass(slots=True, eq=False)
class Program:
    """A compiled definition: the root machine and every nested one by key."""

    definition: Machine
    machines: dict[str, CompiledMachine] = field(default_factory=dict)

    @property
    def root(self) -> CompiledMachine:
        return self.machines[ROOT]


def load_program(definition: JSONObject | str) -> Program:
    """Validate, parse and compile a definition (a dict or its JSON text) once, for any number of executions.

    Raises `InvalidDefinitionError` (every diagnostic at once) when the definition is not valid ASL.
    """
    if isinstance(definition, str):
        definition = json.loads(definition)
    check(definition)
    machine = parse_definition(definition)
    program = Program(definition=machine)
    _compile_machine(program, machine, ROOT)
    return program


def _compile_machine(program: Program, machine: Machine, key: str) -> None:
    compiled = CompiledMachine(key, machine.start_at, {}, machine.timeout_seconds)
    program.machines[key] = compiled
    for name, spec in machine.states.items():
        compiled.states[name] = _compile_state(program, spec, key)


def _optional_ref(text: str | None) -> ReferencePath | None:
    return None if text is None else parse_reference_path(text)


def _mentions_context(*values: object) -> bool:
    # A cheap over-approximation: a template that never spells "$$" cannot read the context,
    # so the interpreter skips building `$$` for it.
    return any("$$" in json.dumps(v, default=repr) for v in values if v is not None)


def _compile_state(program: Program, spec: State, machine_key: str) -> CompiledState:
    kind = spec.type
    entered = "FailStateEntered" if kind == "Fail" else f"{kind}StateEntered"
    base: dict[str, Any] = {
        "spec": spec,
        "name": spec.name,
        "kind": kind,
        "next": spec.next,
        "end": spec.end,
        "entered": entered,
        "exited": f"{kind}StateExited",
    }
    if isinstance(spec, PassState):
        io = JsonPathIO(
            input_path=spec.input_path,
            parameters=spec.parameters,
            result_path=spec.result_path,
            output_path=spec.output_path,
        )
        return CompiledState(
            **base,
            io=io,
            needs_context=_mentions_context(spec.parameters),
            result=spec.result,
            has_result=spec.has_result,
        )
    if isinstance(spec, TaskState):
        io = JsonPathIO(
            input_path=spec.input_path,
            parameters=spec.parameters,
            result_selector=spec.result_selector,
            result_path=spec.result_path,
            output_path=spec.output_path,
            catch_result_paths=tuple(c.result_path for c in spec.catch),
        )
        return CompiledState(
            **base,
            io=io,
            needs_context=True,
            retry=spec.retry,
            catch=spec.catch,
            task=task_target(spec.resource),
            timeout_path=_optional_ref(spec.timeout_seconds_path),
            heartbeat_path=_optional_ref(spec.heartbeat_seconds_path),
        )
    if isinstance(spec, ChoiceState):
        io = JsonPathIO(input_path=spec.input_path, output_path=spec.output_path)
        return CompiledState(
            **base,
            io=io,
            needs_context=_mentions_context(spec.choices),
            choices=tuple((compile_rule(c.rule), c.next) for c in spec.choices),
            default=spec.default,
        )
    if isinstance(spec, WaitState):
        io = JsonPathIO(input_path=spec.input_path, output_path=spec.output_path)
        return CompiledState(
            **base,
            io=io,
            needs_context=_mentions_context(spec.seconds_path, spec.timestamp_path),
            seconds_path=_optional_ref(spec.seconds_path),
            timestamp_path=_optional_ref(spec.timestamp_path),
        )
    if isinstance(spec, FailState):
        return CompiledState(
            **base,
            io=JsonPathIO(),
            needs_context=_mentions_context(spec.error_path, spec.cause_path),
            error_path=None if spec.error_path is None else parse_path(spec.error_path),
            cause_path=None if spec.cause_path is None else parse_path(spec.cause_path),
        )
    if isinstance(spec, ParallelState):
        keys = []
        for index, branch in enumerate(spec.branches):
            key = f"{machine_key}/{spec.name}#{index}"
            _compile_machine(program, branch, key)
            keys.append(key)
        io = JsonPathIO(
            input_path=spec.input_path,
            parameters=spec.parameters,
            result_selector=spec.result_selector,
            result_path=spec.result_path,
            output_path=spec.output_path,
            catch_result_paths=tuple(c.result_path for c in spec.catch),
        )
        return CompiledState(
            **base,
            io=io,
            needs_context=_mentions_context(spec.parameters, spec.result_selector),
            retry=spec.retry,
            catch=spec.catch,
            branches=tuple(keys),
        )
    if isinstance(spec, MapState):
        return _compile_map(program, spec, machine_key, base)
    # Succeed (and any type the validator let through) only passes its input along.
    io = JsonPathIO(input_path=spec.input_path, output_path=spec.output_path)
    return CompiledState(**base, io=io, needs_context=False)


def _compile_map(program: Program, spec: MapState, machine_key: str, base: dict[str, Any]) -> CompiledState:
    key = f"{machine_key}/{spec.name}"
    assert spec.processor is not None
    _compile_machine(program, spec.processor, key)
    io = JsonPathIO(
        input_path=spec.input_path,
        result_selector=spec.result_selector,
        result_path=spec.result_path,
        output_path=spec.output_path,
        catch_result_paths=tuple(c.result_path for c in spec.catch),
    )
    return CompiledState(
        **base,
        io=io,
        needs_context=True,
        retry=spec.retry,
        catch=spec.catch,
        branches=(key,),
        items_path=parse_reference_path(spec.items_path),
        item_selector=None
        if spec.item_selector is None
        else compile_template(spec.item_selector, "ItemSelector"),
        item_selector_context=True,
        max_concurrency_path=_optional_ref(spec.max_concurrency_path),
        tolerated_count_path=_optional_ref(spec.tolerated_failure_count_path),
        tolerated_percentage_path=_optional_ref(spec.tolerated_failure_percentage_path),
    )

"""A definition compiled once into what `decide` runs: states with their expressions pre-parsed.

`load_program` parses the definition and compiles every state (paths, templates, choice rules, the
Task resource's family and pattern) into a `CompiledState`, and every nested machine (Parallel
branch, Map processor) into a `CompiledMachine` addressed by a stable key, so the execution state
can name the machine a frame runs as a string. A Program is immutable and may be cached and shared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from stepstone.asl.arns import canonical_resource
from stepstone.asl.choice import ChoiceRule, compile_rule
from stepstone.asl.env import Env
from stepstone.asl.intrinsics import is_intrinsic, parse_intrinsic
from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.jsonata import CompiledValue, compile_value
from stepstone.asl.load import load_definition
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
from stepstone.asl.paths import ReferencePath, parse_path, parse_reference_path
from stepstone.asl.template import Template, compile_template
from stepstone.asl.validate import check
from stepstone.engine.commands import Pattern
from stepstone.engine.dataflow import JsonPathIO, StateIO
from stepstone.engine.jsonata_io import JsonataCondition, JsonataField, JsonataIO, optional_value
from stepstone.engine.variables import compile_assign

Rule = ChoiceRule | JsonataCondition


class Evaluable(Protocol):
    """A reference path or an intrinsic call: what ErrorPath and CausePath may hold."""

    def evaluate(self, data: JSON, env: Env) -> JSON: ...


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
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == "function":
        return TaskTarget("lambda", base, pattern, "lambda", resource, region)
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "states" and parts[5] == "activity":
        return TaskTarget("activity", base, pattern, "activity", resource, region)
    canonical = canonical_resource(resource)
    if canonical.startswith("arn:aws:states:::") and canonical.count(":") >= 6:
        # a region or account written into an integration ARN changes nothing but the event's region
        service = canonical.split(":", 7)
        return TaskTarget("service", base, pattern, service[5], ":".join(service[6:]), region)
    kind, _, rest = resource.partition(":")
    return TaskTarget("service", base, pattern, kind, rest or resource, region)


@dataclass(slots=True, eq=False)
class CompiledState:
    """One state ready to run. Fields a state type does not use keep their empty defaults.

    `choices` pairs each rule with its target and, when the rule has its own Assign/Output, the
    StateIO to leave through. `expressions` holds a JSONata state's expression-valued scalar fields
    (TimeoutSeconds, Seconds, Timestamp, Items, MaxConcurrency, Error, ...) by field name.
    """

    spec: State
    name: str
    kind: str
    next: str | None
    end: bool
    io: StateIO
    entered: str
    exited: str
    needs_context: bool
    jsonata: bool = False
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    result: JSON = None
    has_result: bool = False
    choices: tuple[tuple[Rule, str, StateIO | None], ...] = ()
    default: str | None = None
    seconds_path: ReferencePath | None = None
    timestamp_path: ReferencePath | None = None
    error_path: Evaluable | None = None
    cause_path: Evaluable | None = None
    task: TaskTarget | None = None
    timeout_path: ReferencePath | None = None
    heartbeat_path: ReferencePath | None = None
    branches: tuple[str, ...] = ()
    items_path: ReferencePath | None = None
    item_selector: Template | None = None
    item_selector_value: CompiledValue | None = None
    item_selector_context: bool = False
    max_concurrency_path: ReferencePath | None = None
    tolerated_count_path: ReferencePath | None = None
    tolerated_percentage_path: ReferencePath | None = None
    expressions: dict[str, JsonataField] = field(default_factory=dict)


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
    #: Run distributed Map states as Map Runs of real child executions (the durable runtime sets it).
    map_runs: bool = False

    @property
    def root(self) -> CompiledMachine:
        return self.machines[ROOT]


def load_program(definition: JSONObject | str) -> Program:
    """Validate, parse and compile a definition (a dict or its JSON text) once, for any number of executions.

    Raises `InvalidDefinitionError` (every diagnostic at once) when the definition is not valid ASL.
    """
    if isinstance(definition, str):
        text = definition
        try:
            definition = json.loads(text)
        except ValueError:  # kept as the user wrote it: JSON with doc-style comments, or YAML
            definition = load_definition(text)[0]
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


def _reads_context(*values: object) -> bool:
    # A cheap over-approximation: a field that never spells "$$" cannot read the context,
    # so the interpreter skips building `$$` for the state.
    return any("$$" in json.dumps(v, default=repr) for v in values if v is not None)


def _path_or_intrinsic(text: str | None) -> Evaluable | None:
    """ErrorPath / CausePath: a reference path, or an intrinsic function such as States.Format."""
    if text is None:
        return None
    if is_intrinsic(text):
        return parse_intrinsic(text)
    return parse_path(text)


def _catch_assigns(spec: TaskState | ParallelState | MapState) -> tuple[Any, ...]:
    return tuple(compile_assign(c.assign, "JSONPath") for c in spec.catch)


def _jsonpath_io(spec: State, result_selector: JSON = None, parameters: JSON = None) -> JsonPathIO:
    catch = getattr(spec, "catch", ())
    return JsonPathIO(
        input_path=spec.input_path,
        parameters=parameters,
        result_selector=result_selector,
        result_path=getattr(spec, "result_path", "$"),
        output_path=spec.output_path,
        catch_result_paths=tuple(c.result_path for c in catch),
        assign=compile_assign(spec.assign, "JSONPath"),
        catch_assigns=tuple(compile_assign(c.assign, "JSONPath") for c in catch),
    )


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
    if isinstance(spec, TaskState | ParallelState | MapState):
        base["retry"] = spec.retry
        base["catch"] = spec.catch
    if isinstance(spec, TaskState):
        base["task"] = task_target(spec.resource)
    elif isinstance(spec, ParallelState):
        keys = []
        for index, branch in enumerate(spec.branches):
            key = f"{machine_key}/{spec.name}#{index}"
            _compile_machine(program, branch, key)
            keys.append(key)
        base["branches"] = tuple(keys)
    elif isinstance(spec, MapState):
        key = f"{machine_key}/{spec.name}"
        assert spec.processor is not None
        _compile_machine(program, spec.processor, key)
        base["branches"] = (key,)
    if spec.query_language == "JSONata":
        return CompiledState(**base, **jsonata_fields(spec))
    return CompiledState(**base, **_jsonpath_fields(spec))


def _jsonpath_fields(spec: State) -> dict[str, Any]:
    # Every path-valued field may read `$$`, so they all count towards needs_context.
    context = _reads_context(spec.input_path, spec.output_path, spec.assign)
    if isinstance(spec, PassState):
        return {
            "io": _jsonpath_io(spec, parameters=spec.parameters),
            "needs_context": context or _reads_context(spec.parameters),
            "result": spec.result,
            "has_result": spec.has_result,
        }
    if isinstance(spec, TaskState):
        return {
            "io": _jsonpath_io(spec, spec.result_selector, spec.parameters),
            "needs_context": True,
            "timeout_path": _optional_ref(spec.timeout_seconds_path),
            "heartbeat_path": _optional_ref(spec.heartbeat_seconds_path),
        }
    if isinstance(spec, ChoiceState):
        choices = []
        for branch in spec.choices:
            io = None
            if branch.assign is not None:
                io = JsonPathIO(
                    input_path=spec.input_path,
                    output_path=spec.output_path,
                    assign=compile_assign(branch.assign, "JSONPath"),
                )
            choices.append((compile_rule(branch.rule), branch.next, io))
        return {
            "io": _jsonpath_io(spec),
            "needs_context": context or _reads_context(*(c.rule for c in spec.choices)),
            "choices": tuple(choices),
            "default": spec.default,
        }
    if isinstance(spec, WaitState):
        return {
            "io": _jsonpath_io(spec),
            "needs_context": context or _reads_context(spec.seconds_path, spec.timestamp_path),
            "seconds_path": _optional_ref(spec.seconds_path),
            "timestamp_path": _optional_ref(spec.timestamp_path),
        }
    if isinstance(spec, FailState):
        return {
            "io": JsonPathIO(),
            "needs_context": _reads_context(spec.error_path, spec.cause_path),
            "error_path": _path_or_intrinsic(spec.error_path),
            "cause_path": _path_or_intrinsic(spec.cause_path),
        }
    if isinstance(spec, ParallelState):
        return {
            "io": _jsonpath_io(spec, spec.result_selector, spec.parameters),
            "needs_context": context or _reads_context(spec.parameters, spec.result_selector),
        }
    if isinstance(spec, MapState):
        return {
            "io": _jsonpath_io(spec, spec.result_selector),
            "needs_context": True,
            "items_path": parse_reference_path(spec.items_path),
            "item_selector": None
            if spec.item_selector is None
            else compile_template(spec.item_selector, "ItemSelector"),
            "item_selector_context": True,
            "max_concurrency_path": _optional_ref(spec.max_concurrency_path),
            "tolerated_count_path": _optional_ref(spec.tolerated_failure_count_path),
            "tolerated_percentage_path": _optional_ref(spec.tolerated_failure_percentage_path),
        }
    # Succeed (and any type the validator let through) only passes its input along.
    return {"io": _jsonpath_io(spec), "needs_context": context}


#: A JSONata state's scalar fields that may hold an expression, by the model attribute holding it.
_EXPRESSION_FIELDS = (
    ("TimeoutSeconds", "timeout_seconds_expression"),
    ("HeartbeatSeconds", "heartbeat_seconds_expression"),
    ("Seconds", "seconds_expression"),
    ("Timestamp", "timestamp"),
    ("Error", "error"),
    ("Cause", "cause"),
    ("MaxConcurrency", "max_concurrency_expression"),
    ("ToleratedFailureCount", "tolerated_failure_count_expression"),
    ("ToleratedFailurePercentage", "tolerated_failure_percentage_expression"),
)


def jsonata_fields(spec: State) -> dict[str, Any]:
    """The CompiledState fields of a JSONata state: its JsonataIO, conditions and expression fields."""
    has_result = isinstance(spec, TaskState | ParallelState | MapState)
    catch = getattr(spec, "catch", ())
    arguments = getattr(spec, "arguments", None)
    io = JsonataIO(
        arguments=optional_value(arguments, arguments is not None, "Arguments"),
        output=optional_value(spec.output, spec.has_output, "Output"),
        assign=spec.assign,
        has_result=has_result,
        catch=tuple((optional_value(c.output, c.has_output, "Output"), c.assign) for c in catch),
    )
    fields: dict[str, Any] = {"io": io, "needs_context": True, "jsonata": True}
    expressions = {}
    for name, attribute in _EXPRESSION_FIELDS:
        source = getattr(spec, attribute, None)
        if source is not None:
            expressions[name] = JsonataField(source, name)
    if isinstance(spec, MapState):
        if spec.has_items:
            expressions["Items"] = JsonataField(spec.items, "Items")
        if spec.item_selector is not None:
            fields["item_selector_value"] = compile_value(spec.item_selector, "ItemSelector")
    fields["expressions"] = expressions
    if isinstance(spec, ChoiceState):
        choices = []
        for branch in spec.choices:
            branch_io = None
            if branch.assign is not None or branch.has_output:
                branch_io = JsonataIO(
                    output=optional_value(branch.output, branch.has_output, "Output")
                    if branch.has_output
                    else optional_value(spec.output, spec.has_output, "Output"),
                    assign=branch.assign if branch.assign is not None else spec.assign,
                )
            condition = branch.rule.get("Condition") if isinstance(branch.rule, dict) else None
            choices.append((JsonataCondition(condition, branch.next), branch.next, branch_io))
        fields["choices"] = tuple(choices)
        fields["default"] = spec.default
    return fields

"""The parsed form of an ASL definition: frozen, slotted dataclasses, one per state type.

The model keeps expressions as their source text (paths, templates, choice rules) so the validator can
point at them and the engine can compile them once per query language. A field the definition leaves
out takes the ASL default; a field set to `null` is kept as None, because ASL gives null its own meaning
(`"ResultPath": null` discards the result, `"InputPath": null` passes `{}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from stepstone.asl.json import JSON

QueryLanguage = Literal["JSONPath", "JSONata"]


@dataclass(frozen=True, slots=True)
class Retrier:
    """One entry of a state's `Retry` list."""

    error_equals: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_strategy: str = "NONE"


@dataclass(frozen=True, slots=True)
class Catcher:
    """One entry of a state's `Catch` list."""

    error_equals: tuple[str, ...]
    next: str
    result_path: str | None = "$"
    output: JSON = None
    assign: JSON = None
    has_output: bool = False


@dataclass(frozen=True, slots=True)
class State:
    """The fields every state type shares; `type` is the ASL `Type` string."""

    name: str
    type: str
    next: str | None = None
    end: bool = False
    query_language: QueryLanguage = "JSONPath"
    input_path: str | None = "$"
    output_path: str | None = "$"
    assign: JSON = None
    output: JSON = None  # JSONata `Output`
    has_output: bool = False  # `"Output": null` is an output of null, not a missing field


@dataclass(frozen=True, slots=True)
class PassState(State):
    """`Type: Pass`: Result or Parameters, then ResultPath."""

    result: JSON = None
    has_result: bool = False
    parameters: JSON = None
    result_path: str | None = "$"


@dataclass(frozen=True, slots=True)
class TaskState(State):
    """`Type: Task`."""

    resource: str = ""
    parameters: JSON = None
    arguments: JSON = None
    result_selector: JSON = None
    result_path: str | None = "$"
    timeout_seconds: float | None = None
    timeout_seconds_path: str | None = None
    heartbeat_seconds: float | None = None
    heartbeat_seconds_path: str | None = None
    timeout_seconds_expression: str | None = None  # JSONata `{% ... %}` in TimeoutSeconds
    heartbeat_seconds_expression: str | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True)
class ChoiceBranch:
    """One entry of `Choices`: the rule as written (compiled by the engine) and where it leads.

    A rule may carry its own `Assign` and `Output`, used instead of the state's when the rule matches.
    """

    rule: JSON
    next: str
    assign: JSON = None
    output: JSON = None
    has_output: bool = False


@dataclass(frozen=True, slots=True)
class ChoiceState(State):
    """`Type: Choice`."""

    choices: tuple[ChoiceBranch, ...] = ()
    default: str | None = None


@dataclass(frozen=True, slots=True)
class WaitState(State):
    """`Type: Wait`: exactly one of the four duration fields is set."""

    seconds: float | None = None
    timestamp: str | None = None
    seconds_path: str | None = None
    timestamp_path: str | None = None
    seconds_expression: str | None = None  # JSONata `{% ... %}` in Seconds


@dataclass(frozen=True, slots=True)
class SucceedState(State):
    """`Type: Succeed`."""


@dataclass(frozen=True, slots=True)
class FailState(State):
    """`Type: Fail`."""

    error: str | None = None
    cause: str | None = None
    error_path: str | None = None
    cause_path: str | None = None


@dataclass(frozen=True, slots=True)
class ParallelState(State):
    """`Type: Parallel`: every branch runs on the same input; the output is the list of branch outputs."""

    branches: tuple[Machine, ...] = ()
    parameters: JSON = None
    arguments: JSON = None
    result_selector: JSON = None
    result_path: str | None = "$"
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True)
class MapState(State):
    """`Type: Map` (inline, or distributed without an ItemReader, which runs the same way)."""

    processor: Machine | None = None
    items_path: str = "$"
    items: JSON = None  # JSONata `Items`: an array or an expression
    has_items: bool = False
    item_selector: JSON = None
    mode: str = "INLINE"
    max_concurrency: int = 0
    max_concurrency_path: str | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_count_path: str | None = None
    tolerated_failure_percentage: float | None = None
    tolerated_failure_percentage_path: str | None = None
    max_concurrency_expression: str | None = None
    tolerated_failure_count_expression: str | None = None
    tolerated_failure_percentage_expression: str | None = None
    #: Distributed mode: where the items come from, how they are batched, where results go (raw ASL).
    item_reader: JSON = None
    item_batcher: JSON = None
    result_writer: JSON = None
    label: str | None = None
    execution_type: str = "STANDARD"
    result_selector: JSON = None
    result_path: str | None = "$"
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True)
class Machine:
    """A state machine or a nested one (a Parallel branch, a Map's ItemProcessor)."""

    start_at: str
    states: dict[str, State] = field(default_factory=dict)
    query_language: QueryLanguage = "JSONPath"
    timeout_seconds: float | None = None
    comment: str | None = None

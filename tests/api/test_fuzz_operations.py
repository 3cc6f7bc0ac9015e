"""No request crashes an operation: every operation, driven with inputs generated from botocore's model.

A real `stepstone serve` (SQLite) holds a state machine, an activity and a running execution; each
example sends one operation a body built from the operation's input shape in botocore's own model
(members left out, unknown members added, wrong JSON types, values at and past each length and range
bound, real ARNs of what exists, enum values and near misses) over raw HTTP. Whatever the body, the
answer is never an InternalFailure or an HTTP 500, and a request that is refused (4xx) changes
nothing that a client can list or describe.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import ServerProcess

MODEL = botocore.session.get_session().get_service_model("stepfunctions")
MACHINE = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": True}}}
ROLE = "arn:aws:iam::123456789012:role/fuzz"
# Long polls wait for work that never comes: give them an activity that does not exist instead.
LONG_POLLS = {"GetActivityTask"}
EXAMPLES = int(os.environ.get("STEPSTONE_FUZZ_EXAMPLES", "20"))
JSONValue = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


class Api:
    """Raw AWS JSON 1.0 calls to one server: (status, parsed body)."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, operation: str, body: Any, prefix: str = "AWSStepFunctions") -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {
                "X-Amz-Target": f"{prefix}.{operation}",
                "Content-Type": "application/x-amz-json-1.0",
            }
            conn.request("POST", "/", body=json.dumps(body).encode(), headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
        finally:
            conn.close()

    def ok(self, operation: str, body: Any) -> Any:
        status, answer = self.call(operation, body)
        assert status == 200, (operation, answer)
        return answer


class World:
    """What exists on the server: real ARNs for the generator to use, and a snapshot of it all."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.machine = self.activity = self.execution = ""
        self.restore()

    def restore(self) -> None:
        """(Re)create the machine, activity and execution a valid Delete or Stop may have removed."""
        api = self.api
        machines = [m["stateMachineArn"] for m in api.ok("ListStateMachines", {})["stateMachines"]]
        if self.machine not in machines:
            definition = json.dumps(MACHINE)
            create = {"name": "fuzz", "definition": definition, "roleArn": ROLE}
            self.machine = api.ok("CreateStateMachine", create)["stateMachineArn"]
        activities = [a["activityArn"] for a in api.ok("ListActivities", {})["activities"]]
        if self.activity not in activities:
            self.activity = api.ok("CreateActivity", {"name": "fuzz-activity"})["activityArn"]
        runs = api.ok("ListExecutions", {"stateMachineArn": self.machine})["executions"]
        if not runs:
            start = {"stateMachineArn": self.machine, "name": "fuzz-run"}
            self.execution = api.ok("StartExecution", start)["executionArn"]
        self.known = [
            self.machine,
            f"{self.machine}:1",
            self.activity,
            self.execution,
            ROLE,
            json.dumps(MACHINE),
        ]

    def snapshot(self) -> Any:
        """Everything a refused request must leave as it was (not execution status: the worker moves it)."""
        api = self.api
        machines = api.ok("ListStateMachines", {})["stateMachines"]
        return {
            "machines": sorted(m["stateMachineArn"] for m in machines),
            "definitions": {
                m["stateMachineArn"]: _without_dates(
                    api.ok("DescribeStateMachine", {"stateMachineArn": m["stateMachineArn"]})
                )
                for m in machines
            },
            "activities": sorted(a["activityArn"] for a in api.ok("ListActivities", {})["activities"]),
            "executions": {
                m["stateMachineArn"]: sorted(
                    e["executionArn"]
                    for e in api.ok("ListExecutions", {"stateMachineArn": m["stateMachineArn"]})["executions"]
                )
                for m in machines
            },
            "tags": {
                arn: api.ok("ListTagsForResource", {"resourceArn": arn})["tags"]
                for arn in [
                    *(m["stateMachineArn"] for m in machines),
                    *(a["activityArn"] for a in api.ok("ListActivities", {})["activities"]),
                ]
            },
        }


def _without_dates(described: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in described.items() if "Date" not in key}


# Strategies from the model ------------------------------------------------------------------------


def _strings(shape: Any, known: list[str]) -> st.SearchStrategy[Any]:
    enum = shape.enum or []
    low = shape.metadata.get("min", 0)
    high = shape.metadata.get("max", 64)
    bounds = [n for n in {low, max(low - 1, 0), min(high, 300), high + 1} if n <= 300]
    at_bounds = st.sampled_from(sorted(bounds)).map(lambda n: "a" * n)
    options = [st.sampled_from(known), at_bounds, st.text(max_size=12)]
    if enum:
        options += [st.sampled_from(enum), st.sampled_from(enum).map(str.lower)]
    return st.one_of(*options)


def _numbers(shape: Any) -> st.SearchStrategy[Any]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    edges = [n for bound in (low, high) if bound is not None for n in (bound - 1, bound, bound + 1)]
    edges += [0, -1, 2**31, 2**63, 10**30]
    if shape.type_name in ("float", "double"):
        return st.sampled_from(edges) | st.floats(allow_nan=False, allow_infinity=False)
    return st.sampled_from(edges) | st.integers(min_value=-(2**40), max_value=2**40)


def value_for(shape: Any, known: list[str], depth: int = 0) -> st.SearchStrategy[Any]:
    """A value of `shape`'s type, biased to bounds and real ARNs; now and then any JSON instead."""
    kind = shape.type_name
    right: st.SearchStrategy[Any]
    if kind == "structure":
        right = structure_for(shape, known, depth + 1)
    elif kind == "list":
        right = st.lists(value_for(shape.member, known, depth + 1), max_size=3 if depth < 3 else 0)
    elif kind == "map":
        right = st.dictionaries(
            value_for(shape.key, known, depth + 1), value_for(shape.value, known, depth + 1), max_size=2
        )
    elif kind == "string":
        right = _strings(shape, known)
    elif kind in ("integer", "long", "float", "double"):
        right = _numbers(shape)
    elif kind == "boolean":
        right = st.booleans()
    elif kind == "timestamp":
        right = st.sampled_from([0, 1.5, -1, 2**40, "2024-01-01T00:00:00Z", "yesterday"])
    else:
        right = st.text(max_size=8)
    return st.one_of(
        right, right, right, JSONValue
    )  # mostly the right type; a wrong one a quarter of the time


def structure_for(shape: Any, known: list[str], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Every member optional (required ones too: leaving them out is a case), plus unknown members."""
    members = {name: value_for(member, known, depth) for name, member in shape.members.items()}
    if depth > 4:
        members = {}
    known_part = st.fixed_dictionaries({}, optional=members)
    extra = st.dictionaries(
        st.text(min_size=1, max_size=6).filter(lambda k: k not in members), JSONValue, max_size=1
    )
    return st.builds(lambda a, b: {**b, **a}, known_part, extra)


def request_for(operation: str, known: list[str]) -> st.SearchStrategy[Any]:
    shape = MODEL.operation_model(operation).input_shape
    body = structure_for(shape, known) if shape is not None else st.just({})
    return st.one_of(body, body, body, body, JSONValue)  # a body that is not an object at all, too


# The test ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    proc = ServerProcess(Path(tmp_path_factory.mktemp("fuzz")))
    proc.start()
    try:
        yield World(Api(proc.port))
    finally:
        proc.kill()


@pytest.mark.parametrize("operation", MODEL.operation_names)
def test_no_request_crashes_an_operation(world: World, operation: str) -> None:
    known = [arn for arn in world.known if not (operation in LONG_POLLS and arn == world.activity)]
    known += [world.activity.replace("fuzz-activity", "absent")] if operation in LONG_POLLS else []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(body=request_for(operation, known))
    def check(body: Any) -> None:
        world.restore()
        before = world.snapshot()
        status, answer = world.api.call(operation, body)
        assert status < 500 and answer.get("__type") != "InternalFailure", (operation, body, answer)
        if status >= 400:
            assert world.snapshot() == before, (operation, body, answer)

    check()


@pytest.mark.parametrize("operation", ["ListOpenTasks", "DescribeRuntime"])
def test_no_request_crashes_a_stepstone_operation(world: World, operation: str) -> None:
    members = st.fixed_dictionaries({}, optional={"executionArn": st.sampled_from(world.known) | JSONValue})

    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(body=members | JSONValue)
    def check(body: Any) -> None:
        status, answer = world.api.call(operation, body, prefix="Stepstone")
        assert status < 500, (operation, body, answer)

    check()


# What the property found, pinned -------------------------------------------------------------------

MAP_RUN = "arn:aws:states:us-east-1:123456789012:mapRun:fuzz/map:1a2b"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "ValidationException"),  # was InternalFailure
        ({"stateMachineArn": "MACHINE", "mapRunArn": MAP_RUN}, "ValidationException"),
        ({"mapRunArn": MAP_RUN}, "ResourceNotFound"),  # AWS's answer for a Map Run that does not exist
        ({"mapRunArn": MAP_RUN.replace(":mapRun:", ":execution:")}, "InvalidArn"),  # not a Map Run ARN
    ],
)
def test_list_executions_needs_exactly_one_of_machine_or_map_run(world: World, body: Any, error: str) -> None:
    body = {k: world.machine if v == "MACHINE" else v for k, v in body.items()}
    status, answer = world.api.call("ListExecutions", body)
    assert (status, answer["__type"]) == (400, error)


def test_a_tag_without_a_key_is_a_validation_error_and_tags_nothing(world: World) -> None:
    world.restore()
    before = world.snapshot()
    status, answer = world.api.call("TagResource", {"resourceArn": world.machine, "tags": [{"value": "v"}]})
    assert (status, answer["__type"]) == (400, "ValidationException")  # was InternalFailure
    assert "Value null at 'tags.1.member.key' failed to satisfy constraint" in answer["message"]
    assert world.snapshot() == before


def test_a_history_page_token_that_was_never_handed_out_is_invalid(world: World) -> None:
    world.restore()
    body = {"executionArn": world.execution, "nextToken": world.machine}
    status, answer = world.api.call("GetExecutionHistory", body)
    assert (status, answer["__type"]) == (400, "InvalidToken")  # was InternalFailure


@pytest.mark.parametrize(
    ("operation", "member", "body"),
    [
        ("TagResource", "tags.1.member", {"tags": [None]}),  # was InternalFailure
        ("UntagResource", "tagKeys.2.member", {"tagKeys": ["a", None]}),
    ],
)
def test_a_null_list_member_is_a_validation_error(
    world: World, operation: str, member: str, body: Any
) -> None:
    world.restore()
    before = world.snapshot()
    status, answer = world.api.call(operation, {"resourceArn": world.machine, **body})
    assert (status, answer["__type"]) == (400, "ValidationException")
    assert (
        f"Value null at '{member}' failed to satisfy constraint: Member must not be null" in answer["message"]
    )
    assert world.snapshot() == before

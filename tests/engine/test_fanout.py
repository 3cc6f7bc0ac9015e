from __future__ import annotations

from typing import Any

from stepstone.engine.commands import CancelTask
from stepstone.engine.events import TaskFailed, TaskSucceeded
from tests.engine.harness import LAMBDA, start


def branch(state: dict[str, Any], name: str = "S") -> dict[str, Any]:
    return {"StartAt": name, "States": {name: {**state, "End": True}}}


def test_parallel_outputs_in_branch_order() -> None:
    run = start(
        {
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        branch({"Type": "Task", "Resource": LAMBDA}),
                        branch({"Type": "Pass", "Result": "second"}, "S2"),
                    ],
                    "ResultPath": "$.out",
                    "End": True,
                }
            },
        },
        {"in": 1},
    )
    (invoke,) = run.invocations()
    run.send(TaskSucceeded(invoke.task_id, "first"))
    assert run.state is not None and run.state.output == {"in": 1, "out": ["first", "second"]}
    assert [t for t in run.types if t.startswith("ParallelState") and t != "ParallelStateEntered"] == [
        "ParallelStateStarted",
        "ParallelStateSucceeded",
        "ParallelStateExited",
    ]


def test_parallel_failure_cancels_siblings_and_catch_applies() -> None:
    run = start(
        {
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        branch({"Type": "Task", "Resource": LAMBDA}),
                        branch({"Type": "Task", "Resource": LAMBDA}, "S2"),
                    ],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}],
                    "End": True,
                },
                "H": {"Type": "Pass", "End": True},
            },
        }
    )
    first, second = run.invocations()
    run.send(TaskFailed(second.task_id, "Bad", "it broke"))
    assert CancelTask(first.task_id) in run.commands
    assert run.state is not None and run.state.output == {"Error": "Bad", "Cause": "it broke"}
    assert "ParallelStateFailed" in run.types
    assert run.send(TaskSucceeded(first.task_id, 1)).ignored


def map_state(**fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": branch({"Type": "Task", "Resource": LAMBDA}),
                "End": True,
                **fields,
            }
        },
    }


def test_map_respects_max_concurrency_and_keeps_order() -> None:
    run = start(map_state(MaxConcurrency=2), {"items": [1, 2, 3, 4, 5]})
    assert [i.payload for i in run.invocations()] == [1, 2]
    for expected in ([1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4, 5]):
        pending = [i for i in run.invocations() if i.task_id in run.state.open_tasks]  # type: ignore[union-attr]
        assert len(pending) <= 2
        run.send(TaskSucceeded(pending[-1].task_id, pending[-1].payload * 10))
        assert [i.payload for i in run.invocations()] == expected
    while run.state is not None and run.state.open_tasks:
        task_id = next(iter(run.state.open_tasks))
        payload = next(i.payload for i in run.invocations() if i.task_id == task_id)
        run.send(TaskSucceeded(task_id, payload * 10))
    assert run.state is not None and run.state.output == [10, 20, 30, 40, 50]
    assert run.history[2]["mapStateStartedEventDetails"] == {"length": 5}
    assert run.types.count("MapIterationSucceeded") == 5


def test_map_item_selector_sees_map_item_context() -> None:
    run = start(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "k.$": "$.k"},
                    "ItemProcessor": branch({"Type": "Pass"}),
                    "ItemsPath": "$.xs",
                    "End": True,
                }
            },
        },
        {"xs": ["a", "b"], "k": 0},
    )
    assert run.state is not None and run.state.output == [
        {"i": 0, "v": "a", "k": 0},
        {"i": 1, "v": "b", "k": 0},
    ]


def test_map_iteration_failure_fails_the_map_and_aborts_others() -> None:
    run = start(map_state(), {"items": [1, 2, 3]})
    first = run.invocations()[0]
    run.send(TaskFailed(first.task_id, "Nope", "c"))
    assert run.state is not None and (run.state.status, run.state.error) == ("FAILED", "Nope")
    assert run.types.count("MapIterationAborted") == 2
    assert "MapIterationFailed" in run.types and "MapStateFailed" in run.types


def test_map_tolerated_failures_and_empty_input() -> None:
    run = start(map_state(ToleratedFailureCount=1), {"items": [1, 2]})
    first, second = run.invocations()
    run.send(TaskFailed(first.task_id, "Nope", "c"))
    run.send(TaskSucceeded(second.task_id, "ok"))
    assert run.state is not None and run.state.status == "SUCCEEDED"
    run = start(map_state(), {"items": []})
    assert run.state is not None and run.state.output == []


def test_max_concurrency_path_must_be_an_integer() -> None:
    run = start(map_state(MaxConcurrencyPath="$.mc"), {"items": [1], "mc": "NoNumber"})
    assert run.state is not None and run.state.error == "States.Runtime"
    assert run.state.cause is not None and run.state.cause.endswith(
        'The MaxConcurrencyPath field refers to value "NoNumber" which is not a valid integer: $.mc'
    )

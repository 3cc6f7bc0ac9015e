"""Arbitrary inputs never crash the interpreter: a state machine either finishes or fails with an AWS error.

The definitions below touch every kind of input processing that can meet data it did not expect:
paths that may be missing, intrinsics fed the wrong types, Choice rules on any type, a Map over
whatever sits at its ItemsPath, a Wait whose seconds come from the input, and JSONata on anything.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stepstone.engine.commands import ArmTimer
from stepstone.engine.events import TimerFired
from tests.engine.harness import start

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from("abnx"), inner, max_size=4),
    max_leaves=12,
)
inputs = st.dictionaries(st.sampled_from(["a", "b", "n", "items", "x", "secs"]), json_values, max_size=6)

DEFINITIONS: dict[str, dict[str, Any]] = {
    "paths and intrinsics": {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "InputPath": "$.a",
                "Parameters": {
                    "sum.$": "States.MathAdd($.n, 1)",
                    "text.$": "States.Format('{} and {}', $.x, $.b)",
                    "parts.$": "States.ArrayPartition($.items, 2)",
                    "json.$": "States.JsonToString($)",
                },
                "ResultPath": "$.out.deep",
                "OutputPath": "$.out",
                "End": True,
            }
        },
    },
    "choice on anything": {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.n", "NumericGreaterThanPath": "$.b", "Next": "Yes"},
                    {"Variable": "$.x", "StringMatches": "a*b", "Next": "Yes"},
                    {"And": [{"Variable": "$.a", "IsPresent": True},
                             {"Variable": "$.a", "IsTimestamp": True}], "Next": "Yes"},
                ],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "ErrorPath": "$.x", "CausePath": "$.b"},
        },
    },
    "map over the input": {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrencyPath": "$.n",
                "ItemProcessor": {
                    "StartAt": "I",
                    "States": {"I": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}},
                },
                "End": True,
            }
        },
    },
    "wait from the input": {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "SecondsPath": "$.secs", "End": True}},
    },
    "jsonata on anything": {
        "QueryLanguage": "JSONata",
        "StartAt": "J",
        "States": {
            "J": {
                "Type": "Pass",
                "Output": {"s": "{% $states.input.n + 1 %}", "k": "{% $keys($states.input.a) %}"},
                "End": True,
            }
        },
    },
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=inputs)
def test_any_input_finishes_or_fails_with_an_aws_error(name: str, data: dict[str, Any]) -> None:
    run = start(DEFINITIONS[name], data)
    for _ in range(3):  # let a Wait's timer fire; a Map of many items finishes within one decision
        assert run.state is not None
        armed = [c for c in run.commands if isinstance(c, ArmTimer)]
        if run.state.status != "RUNNING" or not armed:
            break
        run.send(TimerFired(armed[-1].timer_id), at=armed[-1].due)
    assert run.state is not None
    assert run.state.status in ("SUCCEEDED", "FAILED"), run.state.status
    if run.state.status == "FAILED":
        assert isinstance(run.state.error, str)
        if name != "choice on anything":  # there the Fail state's ErrorPath reads the error from the input
            assert run.state.error.startswith("States."), (run.state.error, run.state.cause)

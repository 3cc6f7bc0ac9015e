"""The committed model is what the generator makes from the installed botocore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stepstone.api import shapes
from stepstone.api.routing import method_name

ROOT = Path(__file__).resolve().parents[2]


def test_committed_shapes_are_current() -> None:
    done = subprocess.run(
        [sys.executable, "tools/generate_api_shapes.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_model_covers_the_callback_operations() -> None:
    for operation in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat", "GetActivityTask"):
        assert operation in shapes.OPERATIONS
    assert shapes.SHAPES["SendTaskSuccessInput"]["required"] == ["taskToken", "output"]
    assert shapes.SHAPES["TaskToken"] == {"type": "string", "min": 1, "max": 2048, "sensitive": True}
    assert "TaskTimedOut" in shapes.OPERATIONS["SendTaskSuccess"][2]
    assert "ValidationException" in shapes.ERROR_CODES


def test_method_names_are_snake_case() -> None:
    assert method_name("SendTaskSuccess") == "send_task_success"
    assert method_name("DescribeStateMachineForExecution") == "describe_state_machine_for_execution"
    assert all(method_name(op).replace("_", "").isalpha() for op in shapes.OPERATIONS)

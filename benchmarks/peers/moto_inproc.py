"""Drive moto's Step Functions interpreter in-process (mock_aws, real execution) and time it.

moto 5.2.1 deep-copies the state machine on every StartExecution, and the copy reaches the machine's
running executions (threads, locks) through `executions` and `backend`: every execution after the
first fails with "cannot pickle '_thread.RLock' object" (moto issue #10077). `_detached_deepcopy`
copies the machine without those two attributes, which is what the upstream fix does.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ROLE = "arn:aws:iam::123456789012:role/bench"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def _detached_deepcopy(obj: Any, memo: dict[int, Any] | None = None) -> Any:
    from moto.stepfunctions.models import StateMachine

    if not isinstance(obj, StateMachine):
        return copy.deepcopy(obj, memo)
    executions, backend = obj.executions, obj.backend
    obj.executions, obj.backend = [], None
    try:
        clone = copy.deepcopy(obj, memo)
    finally:
        obj.executions, obj.backend = executions, backend
    clone.backend = backend
    return clone


@contextmanager
def moto_stepfunctions() -> Iterator[Any]:
    """A boto3 Step Functions client backed by moto with state machines that really execute."""
    import types

    import boto3
    import moto.stepfunctions.parser.models as parser_models
    from moto import mock_aws

    shim = types.SimpleNamespace(deepcopy=_detached_deepcopy)
    original = parser_models.copy
    parser_models.copy = shim
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            yield boto3.client(
                "stepfunctions",
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
    finally:
        parser_models.copy = original


def time_executions(
    definition: dict[str, Any], payload: Any, executions: int, timeout: float = 600.0
) -> dict[str, Any]:
    """Start `executions` executions one after another, each awaited; seconds for all and the last output."""
    with moto_stepfunctions() as sfn:
        arn = sfn.create_state_machine(
            name=f"bench-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        output: Any = None
        t0 = time.perf_counter()
        for i in range(executions):
            ex = sfn.start_execution(stateMachineArn=arn, name=f"e{i}", input=json.dumps(payload))[
                "executionArn"
            ]
            while True:
                desc = sfn.describe_execution(executionArn=ex)
                if desc["status"] in TERMINAL:
                    break
                if time.perf_counter() - t0 > timeout:
                    raise TimeoutError("moto execution did not finish")
                time.sleep(0.002)
            if desc["status"] != "SUCCEEDED":
                raise RuntimeError(
                    f"moto execution ended {desc['status']}: {desc.get('error')} {desc.get('cause')}"
                )
            output = json.loads(desc["output"])
        return {"seconds": time.perf_counter() - t0, "executions": executions, "output": output}

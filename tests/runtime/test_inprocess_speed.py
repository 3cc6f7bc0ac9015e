"""The in-process runner stays fast on long runs: nothing reprs a whole history.

asyncio.run reprs its finished main task (and with it the task's result) when it puts the SIGINT
handler back; a RunResult holding 8,000 history events used to render them all, which cost more than
running the 8,000 transitions.
"""

from __future__ import annotations

import asyncio

from stepstone.integrations.base import Registry
from stepstone.runtime.inprocess import InProcessRunner, RunResult

LOOP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"i": 0, "n.$": "$.n"}, "Next": "Add"},
        "Add": {
            "Type": "Pass",
            "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"},
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Add"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def test_a_finished_run_task_reprs_in_a_line() -> None:
    runner = InProcessRunner(LOOP, registry=Registry())
    runner.start({"n": 2000})

    async def main() -> tuple[RunResult, str]:
        task = asyncio.ensure_future(runner.run_until_idle())
        result = await task
        return result, repr(task)  # what asyncio.run renders on its way out

    result, task_repr = asyncio.run(main())
    assert result.status == "SUCCEEDED" and result.output == {"i": 2000, "n": 2000}
    assert len(result.history) > 8000  # the history is all there ...
    assert "ExecutionStarted" not in task_repr and len(task_repr) < 400  # ... but not in the repr
    assert f"<{len(result.history)} events>" in repr(result) and "SUCCEEDED" in repr(result)

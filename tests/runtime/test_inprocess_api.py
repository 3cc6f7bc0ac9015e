from __future__ import annotations

import stepstone.testing


def test_the_public_test_kit_is_pinned() -> None:
    assert sorted(stepstone.testing.__all__) == [
        "FunctionIntegration",
        "InProcessRunner",
        "LambdaContext",
        "MaxEventsExceeded",
        "MockIntegration",
        "Registry",
        "RunResult",
        "TaskRequest",
        "TaskResult",
        "VirtualClock",
        "load_functions",
        "run_execution",
    ]
    for name in stepstone.testing.__all__:
        assert getattr(stepstone.testing, name) is not None

"""Print how many real-world corpus definitions `stepstone validate` accepted, at the end of the session."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.asl.test_corpus import BROKEN, OUTCOMES

    if not OUTCOMES:
        return
    checked = OUTCOMES["accepted"] + OUTCOMES["refused"]
    terminalreporter.section("Real-world corpus (stepstone validate)")
    terminalreporter.write_line(
        f"accepted {OUTCOMES['accepted']} of {checked} definitions AWS deploys "
        f"({OUTCOMES['refused']} refused); broken where they live: "
        f"{OUTCOMES['broken, refused']} of {len(BROKEN)} refused"
    )

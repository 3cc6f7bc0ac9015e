"""Print the conformance pass rate by feature at the end of the session."""

from __future__ import annotations

import pytest

from tests.conformance.harness import OUTCOMES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if OUTCOMES.by_id:
        terminalreporter.section("AWS conformance by feature")
        for line in OUTCOMES.table():
            terminalreporter.write_line(line)

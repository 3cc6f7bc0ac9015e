"""Print the conformance pass rate by feature at the end of the session: in-process, then through the API."""

from __future__ import annotations

import pytest

from tests.conformance.harness import API_OUTCOMES, OUTCOMES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for outcomes, title in (
        (OUTCOMES, "AWS conformance by feature (in-process)"),
        (API_OUTCOMES, "AWS conformance by feature (through the API: stepstone serve, SQLite)"),
    ):
        if outcomes.by_id:
            terminalreporter.section(title)
            for line in outcomes.table():
                terminalreporter.write_line(line)

"""The pytest plugin (entry point `pytest11`: installing stepstone makes it available).

Fixtures, each per test (a fresh database every time):

    stepstone_server       a real server in this process: SQLite file, virtual clock, loopback HTTP
    sfn                    a boto3 Step Functions client pointed at it
    stepstone              `Stepstone` helpers: start on a test case, waiting(), succeed(), fail(),
                           advance("1d"), wait_idle(), path(), assert_path()

Override `stepstone_mock_config` (a path to a Step Functions Local mock file), `stepstone_functions`
(Python files of Lambda handlers) or `stepstone_database` ("memory", the default, or "sqlite") in a
conftest.py or a test module to configure the server:

    @pytest.fixture
    def stepstone_mock_config():
        return Path(__file__).parent / "MockConfigFile.json"
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from stepstone.testkit.helpers import Stepstone
from stepstone.testkit.server import TestServer


@pytest.fixture
def stepstone_mock_config() -> Path | None:
    """The mock configuration file the test server loads (None: $SFN_MOCK_CONFIG, if set)."""
    return None


@pytest.fixture
def stepstone_functions() -> Sequence[Path]:
    """Python files of Lambda-style handlers the test server's `lambda:invoke` Tasks call."""
    return ()


@pytest.fixture
def stepstone_database() -> str:
    """Where the test server keeps its data: "memory" (fastest) or "sqlite" (a fresh file per test)."""
    return "memory"


@pytest.fixture
def stepstone_server(
    tmp_path_factory: pytest.TempPathFactory,
    stepstone_database: str,
    stepstone_mock_config: Path | None,
    stepstone_functions: Sequence[Path],
) -> Iterator[TestServer]:
    """A stepstone server on a fresh database with a virtual clock, for this test."""
    if stepstone_database not in ("memory", "sqlite"):
        raise pytest.UsageError(f"stepstone_database is 'memory' or 'sqlite', not {stepstone_database!r}")
    db = None if stepstone_database == "memory" else tmp_path_factory.mktemp("stepstone") / "stepstone.db"
    with TestServer(db, mock_config=stepstone_mock_config, functions=stepstone_functions) as server:
        yield server


@pytest.fixture
def sfn(stepstone_server: TestServer) -> Any:
    """A boto3 Step Functions client pointed at the test server."""
    return stepstone_server.client()


@pytest.fixture
def stepstone(stepstone_server: TestServer, sfn: Any) -> Stepstone:
    """Helpers to drive the test server: what waits, answer it, move the clock, check the path."""
    return Stepstone(stepstone_server, sfn)

"""Three `stepstone serve` nodes on one PostgreSQL database, one killed with SIGKILL midway.

1,000 executions, each: a Lambda-style function, then a function handed the task token (it writes
the token to a file; the test sends SendTaskSuccess to a node other than the one that started the
execution), then a Pass. Every execution must finish exactly once with a complete, gap-free history.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import botocore.exceptions
import psycopg
import pytest

from tests.server.conftest import ServerProcess, shared_token_keys
from tests.server.test_callbacks import machine

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
N = 1000
FN = "arn:aws:lambda:us-east-1:123456789012:function:echo"
STATES = {
    "Echo": {"Type": "Task", "Resource": FN, "Next": "Hand"},
    "Hand": {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {
            "FunctionName": "hand_token_to_file",
            "Payload": {"token.$": "$$.Task.Token", "path.$": "$.path"},
        },
        "ResultPath": "$.callback",
        "Next": "Done",
    },
    "Done": {"Type": "Pass", "End": True},
}
DOWN = (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError)


class Cluster:
    """The nodes, a boto3 client per node, and which are alive."""

    def __init__(self, tmp: Path, dsn: str, size: int) -> None:
        keys = shared_token_keys()
        self.nodes = [ServerProcess(tmp, dsn, token_keys=keys, name=f"node{i}") for i in range(size)]
        for node in self.nodes:
            node.start()
        self.clients = [node.client() for node in self.nodes]
        self.alive = [True] * size

    def call(self, preferred: int, avoid: int | None, op: str, **kwargs: Any) -> Any:
        """Call on `preferred`, else on any other live node (never `avoid` while another lives)."""
        order = [preferred, *(i for i in range(len(self.nodes)) if i != preferred)]
        order = [i for i in order if self.alive[i] and i != avoid] + [i for i in order if i == avoid]
        for i in order:
            if not self.alive[i]:
                continue
            try:
                return getattr(self.clients[i], op)(**kwargs)
            except DOWN:
                continue
        raise RuntimeError("no node answered")

    def kill(self, i: int) -> None:
        self.alive[i] = False
        self.nodes[i].kill()

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()


@pytest.fixture
def cluster(tmp_path: Path, pg_dsn: str) -> Iterator[Cluster]:
    c = Cluster(tmp_path, pg_dsn, 3)
    try:
        yield c
    finally:
        c.stop()


def test_three_nodes_a_sigkill_and_every_execution_finishes_once(
    cluster: Cluster, tmp_path: Path, pg_dsn: str
) -> None:
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    sm = machine(cluster.clients[0], "scale", STATES, "Echo")
    started_on: dict[int, int] = {}
    arns: dict[int, str] = {}

    def start(i: int) -> None:
        node = i % 3
        body = json.dumps({"i": i, "path": str(tokens / str(i))})
        try:
            started = cluster.call(
                node, None, "start_execution", stateMachineArn=sm, name=f"e{i}", input=body
            )
            arns[i] = started["executionArn"]
        except cluster.clients[0].exceptions.ExecutionAlreadyExists:  # started before a node died
            arns[i] = f"{sm.replace(':stateMachine:', ':execution:')}:e{i}"
        started_on[i] = node

    sent: set[int] = set()

    def send_callbacks(pool: ThreadPoolExecutor) -> int:
        ready = []
        for path in tokens.iterdir():
            i = int(path.name)
            token = path.read_text()
            if i not in sent and i in started_on and token:
                sent.add(i)
                ready.append((i, token))

        def send(item: tuple[int, str]) -> None:
            i, token = item
            other = (started_on[i] + 1) % 3  # a node other than the one that started it
            cluster.call(other, started_on[i], "send_task_success", taskToken=token, output='{"ok":true}')

        list(pool.map(send, ready))
        return len(ready)

    t0 = time.monotonic()
    with ThreadPoolExecutor(12) as pool:
        starter = threading.Thread(target=lambda: list(ThreadPoolExecutor(12).map(start, range(N))))
        starter.start()
        killed = False
        while len(sent) < N:
            assert time.monotonic() - t0 < 120, f"only {len(sent)} callbacks after 120 s"
            if send_callbacks(pool) == 0:
                time.sleep(0.05)
            if not killed and len(sent) >= N // 3:
                cluster.kill(2)  # SIGKILL: its claims, leases and in-flight requests die with it
                killed = True
        starter.join()
    assert killed

    deadline = time.monotonic() + 60
    with psycopg.connect(pg_dsn) as conn:
        while conn.execute("SELECT count(*) FROM executions WHERE status = 'RUNNING'").fetchone() != (0,):
            assert time.monotonic() < deadline, "executions still running"
            time.sleep(0.2)
            send_callbacks(ThreadPoolExecutor(4))  # a re-dispatched function may hand a token again
        statuses = dict(conn.execute("SELECT status, count(*) FROM executions GROUP BY status").fetchall())
        assert statuses == {"SUCCEEDED": N}
        histories: dict[str, list[tuple[int, str]]] = {}
        for arn, event_id, body in conn.execute(
            "SELECT execution_arn, id, body FROM history_events ORDER BY execution_arn, id"
        ):
            histories.setdefault(arn, []).append((event_id, json.loads(body)["type"]))
    assert set(histories) == set(arns.values())
    reference = [t for _, t in histories[arns[0]]]
    assert reference.count("ExecutionSucceeded") == 1 and reference.count("TaskSucceeded") == 1
    for arn, events in histories.items():
        assert [e for e, _ in events] == list(range(1, len(events) + 1)), f"{arn}: gaps or repeats"
        assert [t for _, t in events] == reference, f"{arn}: a different history"
    print(f"\n{N} executions on 3 nodes (one killed) in {time.monotonic() - t0:.1f} s")

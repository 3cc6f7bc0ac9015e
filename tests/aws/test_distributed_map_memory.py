"""A Map Run over many items in S3 keeps the server's memory flat per item.

Three runs through one real server: a warm-up, then SMALL items, then LARGE items. The peak resident
memory of the server (sampled from /proc) during the large run may exceed the small run's by a few
bytes per item at most: the parent keeps counts, the reader one page, the writer one chunk.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from stepstone.integrations.maprun_results import CHUNK_BYTES
from tests.aws.distributed import BUCKET, PASS, ROLE, map_state, s3, sfn_server, wait
from tests.aws.motoserver import MotoServer
from tests.server.conftest import ServerProcess

__all__ = ["sfn_server"]

#: The warm-up fills what is bounded but grows with the database at first (SQLite's page cache:
#: 2 MiB for each of its 5 connections), so that the small and the large run compare like for like.
WARM_UP, SMALL, LARGE = 10_000, 2_000, 20_000
#: Allowed RSS growth of the large run over the small one: a result chunk (buffered, then joined
#: into one body) and a few bytes per item.
PER_ITEM = 200


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class Sampler:
    """The peak RSS of a process while a block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            self._stop.wait(0.1)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _run(sfn: Any, machine: str, key: str, timeout: float) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"key": key}))["executionArn"]
    return wait(sfn, arn, timeout), time.monotonic() - started


@pytest.mark.timeout(400)
def test_memory_is_flat_per_item(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    for count in (WARM_UP, SMALL, LARGE):
        body = "".join(json.dumps({"n": i, "pad": "x" * 20}) + "\n" for i in range(count))
        client.put_object(Bucket=BUCKET, Key=f"{count}.jsonl", Body=body.encode())
    definition = map_state(
        PASS,
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSONL"},
            "Parameters": {"Bucket": BUCKET, "Key.$": "$.key"},
        },
        MaxConcurrency=500,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": BUCKET, "Prefix": "out"},
        },
    )
    sfn = sfn_server.client()
    machine = sfn.create_state_machine(name="many", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    assert sfn_server.proc is not None
    pid = sfn_server.proc.pid
    assert _run(sfn, machine, f"{WARM_UP}.jsonl", 300)[0]["status"] == "SUCCEEDED"
    with Sampler(pid) as small:
        done, _ = _run(sfn, machine, f"{SMALL}.jsonl", 200)
    assert done["status"] == "SUCCEEDED", done
    with Sampler(pid) as large:
        done, seconds = _run(sfn, machine, f"{LARGE}.jsonl", 600)
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    described = sfn.describe_map_run(mapRunArn=output["MapRunArn"])
    assert described["itemCounts"]["succeeded"] == LARGE
    manifest = client.get_object(Bucket=BUCKET, Key=output["ResultWriterDetails"]["Key"])["Body"].read()
    files = json.loads(manifest)["ResultFiles"]["SUCCEEDED"]
    assert (
        sum(len(json.loads(client.get_object(Bucket=BUCKET, Key=f["Key"])["Body"].read())) for f in files)
        == LARGE
    )
    growth = large.peak - small.peak
    mib = 2**20
    print(f"{LARGE} items: {seconds:.1f} s, peak RSS {small.peak / mib:.1f} -> {large.peak / mib:.1f} MiB")
    assert len(files) > 1  # written in chunks
    assert growth < 2 * CHUNK_BYTES + PER_ITEM * (LARGE - SMALL), (
        f"RSS grew {growth / mib:.1f} MiB over {LARGE - SMALL} more items"
    )

"""A Map Run's results: its child executions, read from the store a page at a time.

With a ResultWriter (Resource + Parameters) they go to S3 as AWS lays them out,

    <Prefix>/<map run id>/manifest.json        {DestinationBucket, MapRunArn, ResultFiles: {FAILED,
                                                PENDING, SUCCEEDED: [{Key, Size}]}}
    <Prefix>/<map run id>/SUCCEEDED_<n>.json   the succeeded children, described (Transformation NONE)
    <Prefix>/<map run id>/FAILED_<n>.json      the failed, timed out and aborted ones

written in chunks of at most `CHUNK_BYTES`, so memory holds one page of children and one chunk. The
Map's output is then {MapRunArn, ResultWriterDetails: {Bucket, Key}}. Without one, the outputs are
the Map's output, in item order (AWS caps a state's output, so such a run is small).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from stepstone.asl.json import JSON, JSONObject
from stepstone.integrations.s3_objects import S3Objects
from stepstone.store.base import ExecutionRow, Store

__all__ = ["CHUNK_BYTES", "children", "collect", "write"]

#: Nodes sharing a store may disagree on the time this much: a child is never older than its run by more.
CLOCK_SKEW = timedelta(minutes=5)
CHUNK_BYTES = 1024 * 1024  # AWS splits at 5 GB; smaller files keep the server small
PAGE = 500
_FAILED = ("FAILED", "TIMED_OUT", "ABORTED")


async def children(
    store: Store, machine_arn: str, prefix: str, since: datetime, status: str | None = None
) -> AsyncIterator[ExecutionRow]:
    """The run's child executions (their names start with `prefix`), a store page at a time.

    The Map state's runs share its children's state machine; the store lists newest first, so the
    walk stops at the run's start instead of reading the children of every earlier run.
    """
    after: str | None = None
    while True:
        page = await store.list_executions(machine_arn, status, PAGE, after)
        for row in page.rows:
            if row.start_date < since - CLOCK_SKEW:
                return
            if row.name.startswith(prefix):
                yield row
        if page.next_after is None:
            return
        after = page.next_after


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def described(row: ExecutionRow) -> JSONObject:
    """One child as a result file shows it (Transformation NONE)."""
    entry: JSONObject = {
        "ExecutionArn": row.arn,
        "Input": row.input,
        "InputDetails": {"Included": True},
        "Name": row.name,
        "RedriveCount": row.redrive_count,
        "StartDate": _time(row.start_date),
        "StateMachineArn": row.state_machine_arn,
        "Status": row.status,
        "StopDate": _time(row.stop_date),
    }
    if row.status == "SUCCEEDED":
        entry["Output"] = row.output
        entry["OutputDetails"] = {"Included": True}
        entry["RedriveStatus"] = "NOT_REDRIVABLE"
        entry["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    else:
        entry["Error"] = row.error
        entry["Cause"] = row.cause
        entry["RedriveStatus"] = "REDRIVABLE"
    return entry


def _output(row: ExecutionRow) -> JSON:
    if row.status == "SUCCEEDED":
        value: JSON = json.loads(row.output) if row.output is not None else None
        return value
    return {"Error": row.error, "Cause": row.cause}


def _transformed(row: ExecutionRow, config: JSONObject | None) -> list[JSON]:
    """What one child contributes under WriterConfig.Transformation (a failure is always described)."""
    transformation = str((config or {}).get("Transformation") or "NONE")
    if row.status != "SUCCEEDED" or transformation == "NONE":
        return [described(row)]
    value = _output(row)
    if transformation == "FLATTEN" and isinstance(value, list):
        return list(value)
    return [value]


async def collect(
    store: Store, machine_arn: str, prefix: str, since: datetime, config: JSONObject | None
) -> list[JSON]:
    """Every child's output in item order (names sort by item index), for a run without S3 results."""
    rows = [row async for row in children(store, machine_arn, prefix, since) if row.status != "RUNNING"]
    rows.sort(key=lambda r: r.name)
    results: list[JSON] = []
    for row in rows:
        if config is None:
            results.append(_output(row))
        else:
            results.extend(_transformed(row, config))
    return results


class _Files:
    """Result files of one status, each flushed to S3 once it reaches CHUNK_BYTES."""

    def __init__(self, s3: S3Objects, bucket: str, base: str, status: str, jsonl: bool) -> None:
        self.s3, self.bucket, self.base, self.status, self.jsonl = s3, bucket, base, status, jsonl
        self.buffer: list[bytes] = []
        self.size = 0
        self.written: list[JSONObject] = []

    async def add(self, value: JSON) -> None:
        data = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        self.buffer.append(data)
        self.size += len(data) + 1
        if self.size >= CHUNK_BYTES:
            await self.flush()

    async def flush(self) -> None:
        if not self.buffer:
            return
        body = b"\n".join(self.buffer) + b"\n" if self.jsonl else b"[" + b",".join(self.buffer) + b"]"
        key = f"{self.base}{self.status}_{len(self.written)}.json"
        await self.s3.put(self.bucket, key, body)
        self.written.append({"Key": key, "Size": len(body)})
        self.buffer, self.size = [], 0


async def write(
    store: Store,
    s3: S3Objects,
    machine_arn: str,
    prefix: str,
    since: datetime,
    map_run_arn: str,
    writer: JSONObject,
) -> JSONObject:
    """Write the run's results to S3; the Map's output (raises S3Failure when S3 refuses)."""
    params: dict[str, Any] = dict(writer.get("parameters") or {})
    config = writer.get("config") if isinstance(writer.get("config"), dict) else None
    bucket = str(params.get("Bucket") or "")
    key_prefix = str(params.get("Prefix") or "")
    if key_prefix and not key_prefix.endswith("/"):
        key_prefix += "/"
    base = f"{key_prefix}{map_run_arn.rsplit(':', 1)[-1]}/"
    jsonl = str((config or {}).get("OutputType") or "JSON") == "JSONL"
    files = {
        "SUCCEEDED": _Files(s3, bucket, base, "SUCCEEDED", jsonl),
        "FAILED": _Files(s3, bucket, base, "FAILED", jsonl),
    }
    async for row in children(store, machine_arn, prefix, since):
        if row.status == "RUNNING":
            continue
        target = files["SUCCEEDED" if row.status == "SUCCEEDED" else "FAILED"]
        for value in _transformed(row, config):
            await target.add(value)
    for group in files.values():
        await group.flush()
    manifest = {
        "DestinationBucket": bucket,
        "MapRunArn": map_run_arn,
        "ResultFiles": {
            "FAILED": files["FAILED"].written,
            "PENDING": [],
            "SUCCEEDED": files["SUCCEEDED"].written,
        },
    }
    manifest_key = f"{base}manifest.json"
    await s3.put(bucket, manifest_key, json.dumps(manifest, separators=(",", ":")).encode())
    return {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}

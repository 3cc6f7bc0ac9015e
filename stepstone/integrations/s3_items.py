"""Item readers for a Distributed Map: one page of items at a time from S3, resumable from a cursor.

    ItemReaderError    the items cannot be read (States.ItemReaderFailed, with AWS's cause)

| Resource / InputType                      | items                                                 |
|-------------------------------------------|-------------------------------------------------------|
| `s3:getObject` JSON                       | the elements of the top-level JSON array              |
| `s3:getObject` JSONL                      | one JSON value per line                               |
| `s3:getObject` CSV                        | one object per row: header -> text (FIRST_ROW/GIVEN)  |
| `s3:getObject` MANIFEST                   | the rows of an S3 inventory's CSV files (fileSchema)  |
| `s3:listObjectsV2`                        | {Etag, Key, LastModified (epoch s), Size, StorageClass}|

The cursor is small JSON (a byte offset, headers, a continuation token): the parent execution keeps
it between pages, so a reader holds one window of the object in memory, never the object. A CSV
record may span lines inside quotes; a record ends at a newline outside quotes.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any

from stepstone.asl.json import JSON, JSONObject
from stepstone.integrations.s3_json import json_array
from stepstone.integrations.s3_objects import S3Failure, S3Objects
from stepstone.integrations.s3_reading import WINDOW, ItemReaderError, Page

__all__ = ["ItemReaderError", "Page", "read_page"]

DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


def _text(value: JSON, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ItemReaderError(f"The ItemReader's {name} must be a non-empty string.")
    return value


async def read_page(s3: S3Objects, reader: JSONObject, cursor: JSONObject | None, limit: int) -> Page:
    """The next page (at most `limit` items) of the reader's source."""
    params = reader.get("parameters") or {}
    config = reader.get("config") or {}
    resource = str(reader.get("resource") or "")
    state = dict(cursor or {})
    try:
        if resource.endswith(":s3:listObjectsV2"):
            return await _list_objects(s3, params, state, limit)
        if not resource.endswith(":s3:getObject"):
            raise ItemReaderError(f"The ItemReader resource '{resource}' is not supported.")
        bucket, key = _text(params.get("Bucket"), "Bucket"), _text(params.get("Key"), "Key")
        kind = str(config.get("InputType") or "JSON").upper()
        if kind == "MANIFEST":
            return await _manifest(s3, bucket, key, state, limit)
        if "Size" not in state:
            state["Size"] = await s3.size(bucket, key)
        if kind == "JSON":
            return await json_array(s3, bucket, key, state, limit)
        if kind in ("CSV", "JSONL"):
            return await _lines(s3, bucket, key, state, limit, config, kind)
        raise ItemReaderError(f"The InputType '{kind}' is not supported.")
    except S3Failure as failure:
        raise ItemReaderError(failure.cause) from failure


# -- line-based sources (CSV, JSONL) ------------------------------------------------------------------


def _records(data: bytes, at_end: bool, quoted: bool) -> tuple[list[bytes], int]:
    """Complete records in `data` and the bytes they take; a record ends at a newline outside quotes."""
    records: list[bytes] = []
    start = quotes = 0
    position = 0
    while True:
        newline = data.find(b"\n", position)
        if newline < 0:
            break
        if quoted:
            quotes += data.count(b'"', position, newline)
        position = newline + 1
        if quotes % 2 == 0:
            records.append(data[start:position])
            start, quotes = position, 0
    if at_end and start < len(data):
        if quoted and (quotes + data.count(b'"', position)) % 2:
            raise ItemReaderError("The CSV file could not be parsed: a quoted field is not closed.")
        records.append(data[start:])
        start = len(data)
    return records, start


def _csv_headers(config: JSONObject) -> list[str] | None:
    location = str(config.get("CSVHeaderLocation") or "FIRST_ROW")
    if location != "GIVEN":
        return None
    headers = config.get("CSVHeaders")
    if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
        raise ItemReaderError("CSVHeaders must be a list of strings when CSVHeaderLocation is GIVEN.")
    return list(headers)


def _check_headers(headers: list[str]) -> list[str]:
    if len(set(headers)) != len(headers):
        raise ItemReaderError("CSV headers cannot contain duplicates.")
    return headers


def _csv_row(text: str, delimiter: str, line: int) -> list[str]:
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ItemReaderError(f"The CSV file could not be parsed at record {line}: {exc}.") from exc
    return rows[0] if rows else []


async def _lines(
    s3: S3Objects, bucket: str, key: str, state: dict[str, Any], limit: int, config: JSONObject, kind: str
) -> Page:
    size = int(state["Size"])
    offset = int(state.get("Offset") or 0)
    record_no = int(state.get("Record") or 0)
    quoted = kind == "CSV"
    delimiter = DELIMITERS.get(str(config.get("CSVDelimiter") or "COMMA"), ",")
    headers: list[str] | None = state.get("Headers")
    if quoted and headers is None:
        given = _csv_headers(config)
        headers = None if given is None else _check_headers(given)
    items: list[JSON] = []
    window = WINDOW
    while len(items) < limit and offset < size:
        end = min(size, offset + window) - 1
        data = await s3.read(bucket, key, offset, end)
        records, _ = _records(data, end >= size - 1, quoted)
        if not records:
            window *= 2  # one record longer than the window
            continue
        for record in records[: limit - len(items) + (1 if quoted and headers is None else 0)]:
            offset += len(record)
            record_no += 1
            text = _decode(record, record_no).rstrip("\r\n")
            if kind == "JSONL":
                if text.strip():
                    items.append(_json_line(text, record_no))
                continue
            if not text and not record.strip():
                continue
            row = _csv_row(text, delimiter, record_no)
            if headers is None:
                headers = _check_headers(row)
                continue
            items.append({h: row[i] if i < len(row) else "" for i, h in enumerate(headers)})
    state.update(Offset=offset, Record=record_no, Headers=headers)
    return Page(items, state, offset >= size)


def _decode(record: bytes, line: int) -> str:
    try:
        return record.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise ItemReaderError(f"The file is not valid UTF-8 at record {line}.") from exc


def _json_line(text: str, line: int) -> JSON:
    try:
        value: JSON = json.loads(text)
    except ValueError as exc:
        raise ItemReaderError(f"The JSONL file has invalid JSON at line {line}: {exc}.") from exc
    return value


# -- S3 inventory manifest ----------------------------------------------------------------------------


async def _manifest(s3: S3Objects, bucket: str, key: str, state: dict[str, Any], limit: int) -> Page:
    manifest = state.get("Manifest")
    if manifest is None:
        try:
            raw = json.loads(await s3.read(bucket, key))
            files = [str(f["key"]) for f in raw["files"]]
            schema = [name.strip() for name in str(raw["fileSchema"]).split(",")]
        except (ValueError, KeyError, TypeError) as exc:
            raise ItemReaderError(f"The manifest is not an S3 inventory manifest: {exc}.") from exc
        if str(raw.get("fileFormat", "CSV")).upper() != "CSV":
            raise ItemReaderError("Only CSV S3 inventory manifests are supported.")
        destination = str(raw.get("destinationBucket") or bucket).rsplit(":", 1)[-1]
        manifest = state["Manifest"] = {"Bucket": destination, "Files": files, "Schema": schema}
    files, schema = manifest["Files"], manifest["Schema"]
    index, skip = int(state.get("File") or 0), int(state.get("Row") or 0)
    items: list[JSON] = []
    while len(items) < limit and index < len(files):
        # an inventory file is gzip: read whole, one at a time (they are split at a few MB by S3)
        data = await s3.read(manifest["Bucket"], files[index])
        try:
            text = gzip.decompress(data).decode() if files[index].endswith(".gz") else data.decode()
            rows = list(csv.reader(io.StringIO(text), strict=True))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise ItemReaderError(f"The inventory file {files[index]} could not be read: {exc}.") from exc
        for row in rows[skip : skip + limit - len(items)]:
            items.append({name: row[i] if i < len(row) else "" for i, name in enumerate(schema)})
            skip += 1
        if skip >= len(rows):
            index, skip = index + 1, 0
    state.update(File=index, Row=skip)
    return Page(items, state, index >= len(files))


# -- listObjectsV2 ------------------------------------------------------------------------------------


async def _list_objects(s3: S3Objects, params: JSONObject, state: dict[str, Any], limit: int) -> Page:
    request: dict[str, Any] = {k: v for k, v in params.items() if k != "MaxKeys"}
    request["Bucket"] = _text(params.get("Bucket"), "Bucket")
    request["MaxKeys"] = max(1, min(limit, 1000))
    if state.get("Token"):
        request["ContinuationToken"] = state["Token"]
    answer = await s3.list(request)
    items: list[JSON] = [
        {
            "Etag": obj.get("ETag"),
            "Key": obj.get("Key"),
            "LastModified": int(obj["LastModified"].timestamp()) if "LastModified" in obj else None,
            "Size": obj.get("Size"),
            "StorageClass": obj.get("StorageClass", "STANDARD"),
        }
        for obj in answer.get("Contents") or ()
    ]
    state["Token"] = answer.get("NextContinuationToken")
    return Page(items, state, not answer.get("IsTruncated"))

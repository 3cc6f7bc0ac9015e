"""The S3 item readers page by page against moto: windows that cut records, characters and numbers."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import pytest

from stepstone.integrations import s3_items, s3_json
from stepstone.integrations.aws.clients import AwsClients, ClientSettings
from stepstone.integrations.s3_items import ItemReaderError, read_page
from stepstone.integrations.s3_objects import S3Objects
from tests.aws.motoserver import MotoServer

BUCKET = "reader"


def read_all(moto: MotoServer, body: bytes, config: dict[str, Any], limit: int) -> tuple[list[Any], int]:
    """Every item, `limit` per page; and how many pages it took."""
    client = moto.client("s3")
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="k", Body=body)
    reader = {
        "resource": "arn:aws:states:::s3:getObject",
        "parameters": {"Bucket": BUCKET, "Key": "k"},
        "config": config,
    }

    async def go() -> tuple[list[Any], int]:
        clients = AwsClients(ClientSettings.from_env("us-east-1"))
        try:
            s3 = S3Objects(clients)
            items: list[Any] = []
            cursor = None
            for pages in range(1, 10_000):
                page = await read_page(s3, reader, cursor, limit)
                assert len(page.items) <= limit
                items += page.items
                cursor = json.loads(json.dumps(page.cursor))  # the cursor survives a round trip as JSON
                if page.done:
                    return items, pages
            raise AssertionError("never done")
        finally:
            clients.close()

    return asyncio.run(go())


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(s3_items, "WINDOW", 64)
    monkeypatch.setattr(s3_json, "WINDOW", 64)
    return 64


def test_json_array_across_small_windows(moto: MotoServer, small_window: int) -> None:
    items = [{"n": 12345678901234 + i, "s": "ünïcødé €" * (i % 4), "l": [1.5, None, True]} for i in range(40)]
    items += [123456789, "x" * 200, [], {}]  # a number and a string longer than the window
    found, pages = read_all(
        moto, json.dumps(items, ensure_ascii=False, indent=1).encode(), {"InputType": "JSON"}, 7
    )
    assert found == items and pages >= len(items) // 7


def test_csv_quoted_newlines_across_small_windows(moto: MotoServer, small_window: int) -> None:
    rows = [{"id": str(i), "text": f'line one\nline "two" ✓ {i}', "n": str(i * 7)} for i in range(30)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "text", "n"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    found, _ = read_all(
        moto, out.getvalue().encode(), {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}, 4
    )
    assert found == rows


def test_csv_given_headers_and_a_delimiter(moto: MotoServer) -> None:
    config = {
        "InputType": "CSV",
        "CSVHeaderLocation": "GIVEN",
        "CSVHeaders": ["a", "b"],
        "CSVDelimiter": "PIPE",
    }
    found, _ = read_all(moto, b"1|2\n3|4|5\n6\n", config, 10)
    assert found == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}, {"a": "6", "b": ""}]


def test_jsonl_without_a_final_newline(moto: MotoServer, small_window: int) -> None:
    lines = [{"i": i, "pad": "p" * i} for i in range(20)]
    body = "\n".join(json.dumps(x) for x in lines).encode()
    found, _ = read_all(moto, body, {"InputType": "JSONL"}, 3)
    assert found == lines


@pytest.mark.parametrize(
    ("body", "config", "cause"),
    [
        (b'{"a": 1}', {"InputType": "JSON"}, "Attempting to map over non-iterable node."),
        (b"[1, 2", {"InputType": "JSON"}, "The JSON file"),
        (b'a,b\n"1,2\n', {"InputType": "CSV"}, "a quoted field is not closed"),
        (b'a,b\n1,"2"x\n', {"InputType": "CSV"}, "could not be parsed at record 2"),
        (b'{"a": 1}\n{oops}\n', {"InputType": "JSONL"}, "invalid JSON at line 2"),
        (b"a,a\n1,2\n", {"InputType": "CSV"}, "CSV headers cannot contain duplicates."),
    ],
)
def test_what_does_not_parse(moto: MotoServer, body: bytes, config: dict[str, Any], cause: str) -> None:
    with pytest.raises(ItemReaderError) as failure:
        read_all(moto, body, config, 10)
    assert cause in failure.value.cause

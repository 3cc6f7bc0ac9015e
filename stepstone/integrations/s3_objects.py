"""The few S3 calls a Map Run makes, through the shared AWS clients, never blocking the event loop.

    S3Failure    an S3 call failed; `cause` reads the way Step Functions reports it

A body is read in the clients' thread pool (botocore's stream blocks), and only as ranges: a reader
asks for the next window of bytes, never the whole object.
"""

from __future__ import annotations

from typing import Any

from stepstone.integrations.aws.clients import AwsClients
from stepstone.integrations.aws.errors import sdk_failure

__all__ = ["S3Failure", "S3Objects"]


class S3Failure(Exception):
    """An S3 call failed."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class S3Objects:
    """Ranges, sizes, listings and writes of S3 objects."""

    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients

    async def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self.clients.call("s3", operation, params)
        except Exception as exc:  # botocore's errors, named the Step Functions way
            raise S3Failure(sdk_failure(exc, "S3").cause) from exc

    async def size(self, bucket: str, key: str) -> int:
        answer = await self._call("head_object", {"Bucket": bucket, "Key": key})
        return int(answer.get("ContentLength") or 0)

    async def read(self, bucket: str, key: str, start: int | None = None, end: int | None = None) -> bytes:
        """Bytes [start, end] of the object (inclusive, as HTTP ranges are), or all of it."""
        params: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if start is not None:
            params["Range"] = f"bytes={start}-{'' if end is None else end}"
        answer = await self._call("get_object", params)
        return bytes(answer["Body"])  # the clients read the stream in their thread pool

    async def list(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._call("list_objects_v2", params)

    async def put(self, bucket: str, key: str, body: bytes) -> None:
        await self._call(
            "put_object", {"Bucket": bucket, "Key": key, "Body": body, "ContentType": "application/json"}
        )

"""The `SdkHttpMetadata` / `SdkResponseMetadata` members that optimized integrations add to a result.

AWS's optimized integrations return the AWS SDK for Java v1 result object, which carries the HTTP
response's headers and status and the request id beside the service's own members. botocore keeps
the same facts in `ResponseMetadata`, with header names in lower case; they are given back their
usual spelling (`Content-Type`, `x-amzn-RequestId`).
"""

from __future__ import annotations

from typing import Any

from stepstone.asl.json import JSON

__all__ = ["header_name", "sdk_metadata", "without_metadata"]

#: Headers whose usual spelling is not the capitalised words of their name.
_SPELLING = {
    "x-amzn-requestid": "x-amzn-RequestId",
    "x-amz-crc32": "x-amz-crc32",
    "x-amz-id-2": "x-amz-id-2",
    "x-amz-request-id": "x-amz-request-id",
    "connection": "Connection",
}
#: Headers AWS's recordings hold as one string in AllHttpHeaders (every other one is a list).
_SINGLE = frozenset({"Date", "x-amzn-RequestId", "x-amz-crc32"})


def header_name(lower: str) -> str:
    """`content-type` -> `Content-Type`; the x-amz headers keep their own spelling."""
    if lower in _SPELLING:
        return _SPELLING[lower]
    if lower.startswith("x-amz"):
        return lower
    return "-".join(part[:1].upper() + part[1:] for part in lower.split("-"))


def sdk_metadata(response: dict[str, Any]) -> dict[str, JSON]:
    """`SdkHttpMetadata` and `SdkResponseMetadata` for a botocore response."""
    meta = response.get("ResponseMetadata") or {}
    headers = {header_name(str(k)): str(v) for k, v in (meta.get("HTTPHeaders") or {}).items()}
    all_headers: dict[str, JSON] = {k: (v if k in _SINGLE else [v]) for k, v in headers.items()}
    http: dict[str, JSON] = {
        "AllHttpHeaders": all_headers,
        "HttpHeaders": dict(headers),
        "HttpStatusCode": int(meta.get("HTTPStatusCode") or 200),
    }
    return {"SdkHttpMetadata": http, "SdkResponseMetadata": {"RequestId": str(meta.get("RequestId") or "")}}


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    """The service's own members of a botocore response."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}

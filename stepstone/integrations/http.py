"""HTTP Tasks: `arn:aws:states:::http:invoke` calls an HTTP(S) API and returns its response.

Parameters (as AWS names them):

    ApiEndpoint       the URL (required)
    Method            GET | POST | PUT | DELETE | PATCH | OPTIONS | HEAD (required)
    Headers           {name: value}
    QueryParameters   {name: value}; a list value follows Transform.RequestEncodingOptions.ArrayFormat
    RequestBody       a JSON value (sent as JSON) or a string (sent as is)
    Transform         {"RequestBodyEncoding": "NONE" | "URL_ENCODED", "RequestEncodingOptions":
                          {"ArrayFormat": "BRACKETS" | "COMMAS" | "REPEAT" | "INDICES"}}
    Authentication    {"ConnectionArn": ...}: accepted and ignored. AWS keeps the credentials in an
                      EventBridge connection; stepstone has none, so put what the API needs in Headers
                      (from a secret the execution input carries, not from the definition).

Output: `{"ResponseBody", "StatusCode", "StatusText", "Headers"}`; the body is parsed when it is JSON,
headers map lower-case names to lists of values. A status outside 2xx fails the task with
`States.Http.StatusCode.<code>` and the same document (as JSON text) as the cause; a connection
failure is `States.Http.Socket` (AWS's name for it). The call runs in a worker thread with the
standard library, so a slow API never blocks the event loop; the Task's TimeoutSeconds bounds it
(60 s when unset, AWS's limit for an HTTP Task).
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from http.client import responses
from typing import Any

from stepstone.asl.json import JSON
from stepstone.integrations.base import Registry, TaskRequest, TaskResult

__all__ = ["HTTP_INVOKE", "HttpIntegration", "encode_form"]

HTTP_INVOKE = "arn:aws:states:::http:invoke"
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"})
ARRAY_FORMATS = frozenset({"BRACKETS", "COMMAS", "REPEAT", "INDICES"})
DEFAULT_TIMEOUT = 60.0
INVALID = "States.Runtime"


class _BadRequest(ValueError):
    """The Parameters do not describe an HTTP call."""


def _scalar(value: JSON) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def encode_form(fields: dict[str, JSON], array_format: str = "BRACKETS") -> str:
    """URL-encode an object the way HTTP Tasks do: nested objects as `a[b]`, lists per ArrayFormat."""
    pairs: list[tuple[str, str]] = []

    def add(key: str, value: JSON) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                add(f"{key}[{name}]", inner)
        elif isinstance(value, list):
            if array_format == "COMMAS":
                pairs.append((key, ",".join(_scalar(v) for v in value)))
            for index, item in enumerate(value):
                if array_format == "BRACKETS":
                    add(f"{key}[]", item)
                elif array_format == "INDICES":
                    add(f"{key}[{index}]", item)
                elif array_format == "REPEAT":
                    add(key, item)
        else:
            pairs.append((key, _scalar(value)))

    for name, value in fields.items():
        add(name, value)
    return urllib.parse.urlencode(pairs)


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


def _build(params: JSON) -> _Call:
    if not isinstance(params, dict):
        raise _BadRequest("The http:invoke Parameters must be an object.")
    endpoint, method = params.get("ApiEndpoint"), params.get("Method")
    if not isinstance(endpoint, str) or urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise _BadRequest("ApiEndpoint must be an http or https URL.")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _BadRequest(f"Method must be one of {', '.join(sorted(METHODS))}.")
    transform = params.get("Transform") if isinstance(params.get("Transform"), dict) else {}
    assert isinstance(transform, dict)
    options = transform.get("RequestEncodingOptions")
    array_format = options.get("ArrayFormat", "BRACKETS") if isinstance(options, dict) else "BRACKETS"
    if array_format not in ARRAY_FORMATS:
        raise _BadRequest(f"ArrayFormat must be one of {', '.join(sorted(ARRAY_FORMATS))}.")
    headers_in = params.get("Headers") or {}
    if not isinstance(headers_in, dict):
        raise _BadRequest("Headers must be an object.")
    headers = {str(k): _scalar(v) for k, v in headers_in.items()}
    url = endpoint
    query = params.get("QueryParameters")
    if isinstance(query, dict) and query:
        url += ("&" if urllib.parse.urlsplit(endpoint).query else "?") + encode_form(query, str(array_format))
    body: bytes | None = None
    if "RequestBody" in params:
        value = params["RequestBody"]
        if transform.get("RequestBodyEncoding") == "URL_ENCODED":
            if not isinstance(value, dict):
                raise _BadRequest("A URL_ENCODED RequestBody must be an object.")
            body = encode_form(value, str(array_format)).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(value, str):
            body = value.encode()
        else:
            body = json.dumps(value, separators=(",", ":")).encode()
            headers.setdefault("Content-Type", "application/json")
    return _Call(method.upper(), url, headers, body)


def _response(status: int, reason: str, headers: Message, raw: bytes) -> dict[str, JSON]:
    text = raw.decode("utf-8", errors="replace")
    body: JSON = text
    if text.strip():
        try:
            body = json.loads(text)
        except ValueError:
            body = text
    grouped: dict[str, list[JSON]] = {}
    for name, value in headers.items():
        grouped.setdefault(name.lower(), []).append(value)
    return {
        "Headers": dict(grouped),
        "ResponseBody": body,
        "StatusCode": str(status),
        "StatusText": reason or responses.get(status, ""),
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is the API's answer, reported as is


def _perform(call: _Call, timeout: float) -> TaskResult:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(call.url, data=call.body, headers=call.headers, method=call.method)
    try:
        with opener.open(request, timeout=timeout) as answer:
            document = _response(answer.status, answer.reason, answer.headers, answer.read())
    except urllib.error.HTTPError as failed:
        document = _response(failed.code, failed.reason, failed.headers, failed.read())
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return TaskResult.fail("States.Http.Socket", f"{call.method} {call.url} failed: {reason}")
    status = int(str(document["StatusCode"]))
    if 200 <= status < 300:
        return TaskResult.ok(document)
    return TaskResult.fail(f"States.Http.StatusCode.{status}", json.dumps(document, separators=(",", ":")))


@dataclass(frozen=True, slots=True)
class HttpIntegration:
    """The http:invoke integration (request-response and .waitForTaskToken)."""

    default_timeout: float = DEFAULT_TIMEOUT

    @staticmethod
    def handles(resource: str) -> bool:
        return resource == HTTP_INVOKE

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        try:
            call = _build(request.payload)
        except _BadRequest as exc:
            return TaskResult.fail(INVALID, str(exc))
        timeout = min(request.timeout_seconds or self.default_timeout, self.default_timeout)
        return await asyncio.to_thread(_perform, call, timeout)

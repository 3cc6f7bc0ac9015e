"""The AWS JSON 1.0 edge as a plain ASGI application.

`POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>` is read (size-limited), authenticated,
parsed, validated against the generated model and handed to the service method of the same name in
snake_case. Anything else (other paths, other methods, websockets) goes to the mounted apps, then the
fallback, then a plain 404.

The service call runs as its own task, raced against the client's `http.disconnect`, so a long poll
(GetActivityTask waits up to 60 s) neither blocks other requests nor outlives its client; `aclose()`
(also run on lifespan shutdown) cancels calls still in flight and answers them 503.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from stepstone.api.auth import ApiRequest, Authenticator, allow_all, set_principal
from stepstone.api.errors import (
    InternalFailure,
    RequestEntityTooLarge,
    SerializationException,
    ServiceUnavailable,
)
from stepstone.api.routing import Route, build_routes
from stepstone.errors import ServiceError, UnknownOperationException
from stepstone.metrics import API_REQUESTS, API_SECONDS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Default request body limit. The largest modelled member is a 1 MiB definition, which JSON escaping
#: can at most double; anything larger is rejected before it is parsed.
DEFAULT_MAX_BODY = 4 * 1024 * 1024

_CONTENT_TYPE = b"application/x-amz-json-1.0"
_TARGET = b"x-amz-target"
_LENGTH = b"content-length"
_OPERATION = "stepstone.operation"

log = logging.getLogger("stepstone.api")


class _Disconnected(Exception):
    """The client went away; there is nobody to answer."""


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        # botocore parses epoch seconds; a naive datetime is taken to be UTC, never local time.
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode(document: object) -> bytes:
    """A response body: compact JSON, datetimes as epoch seconds."""
    return json.dumps(document, default=_json_default, separators=(",", ":"), ensure_ascii=False).encode()


def error_body(error: ServiceError) -> bytes:
    """The AWS JSON 1.0 error envelope botocore turns into its own exception classes."""
    return encode({"__type": error.code, "message": error.message})


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"Not Found"})


class ApiApp:
    """The Step Functions API edge. Build it with `make_app`; it is an ASGI callable."""

    def __init__(
        self,
        service: object,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        authenticator: Authenticator = allow_all,
        fallback: ASGIApp = _not_found,
    ) -> None:
        self.max_body = max_body
        self.authenticator = authenticator
        self.fallback = fallback
        self._routes = build_routes(service)
        self._mounts: list[tuple[str, ASGIApp]] = []
        self._inflight: set[asyncio.Future[Any]] = set()
        self._closing = False

    @property
    def operations(self) -> list[str]:
        """Modelled operations the service implements."""
        return sorted(route.operation for route in self._routes.values() if route.method is not None)

    def mount(self, prefix: str, app: ASGIApp) -> None:
        """Send requests whose path is `prefix` or lies under `prefix/` to `app` (e.g. "/console")."""
        self._mounts.append((prefix.rstrip("/"), app))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http" and scope["path"] == "/" and scope["method"] == "POST":
            await self._serve(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:
            path: str = scope.get("path", "")
            for prefix, app in self._mounts:
                if path == prefix or path.startswith(prefix + "/"):
                    await app(scope, receive, send)
                    return
            await self.fallback(scope, receive, send)

    async def aclose(self) -> None:
        """Stop taking calls, cancel those in flight (answered 503) and wait until they have unwound."""
        self._closing = True
        pending = list(self._inflight)
        for call in pending:
            call.cancel()
        if pending:
            await asyncio.wait(pending)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = str(uuid.uuid4())
        started, code = time.perf_counter(), "OK"
        try:
            status, body = 200, await self._handle(scope, receive)
        except _Disconnected:
            _count(scope, "ClientDisconnected", started)
            return
        except ServiceError as error:
            status, body, code = error.status, error_body(error), error.code
        except Exception:
            log.exception("internal failure (request %s)", request_id)
            failure = InternalFailure()
            status, body, code = failure.status, error_body(failure), failure.code
        _count(scope, code, started)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", _CONTENT_TYPE),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-amzn-requestid", request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive) -> bytes:
        target = b""
        declared = 0
        headers = scope["headers"]
        for name, value in headers:
            if name == _TARGET:
                target = value
            elif name == _LENGTH:
                declared = int(value) if value.isdigit() else 0
        if declared > self.max_body:
            raise RequestEntityTooLarge()
        raw = await self._read_body(receive)
        route = self._routes.get(target.decode("latin-1"))
        if route is not None:
            scope[_OPERATION] = route.operation  # the metrics' label: a modelled name, never free text
        principal = await self.authenticator(
            ApiRequest(
                scope["method"],
                scope["path"],
                scope.get("query_string", b""),
                tuple(headers),
                raw,
                route.operation if route is not None else None,
                scope["client"][0] if scope.get("client") else None,
            )
        )
        if route is None:
            raise UnknownOperationException(f"Unknown operation {target.decode('latin-1')!r}")
        if route.method is None:
            raise UnknownOperationException(f"stepstone does not implement {route.operation} yet.")
        request = _parse(raw)
        route.validate(request)
        set_principal(principal)
        result = await self._call(route, request, receive)
        return encode(result if result is not None else {})

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise RequestEntityTooLarge()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _call(self, route: Route, request: dict[str, Any], receive: Receive) -> Any:
        if self._closing:
            raise ServiceUnavailable()
        assert route.method is not None
        call = asyncio.ensure_future(route.method(request))
        watch = asyncio.ensure_future(_disconnected(receive))
        self._inflight.add(call)
        try:
            await asyncio.wait((call, watch), return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Also runs when this handler is itself cancelled (e.g. a forced server shutdown).
            self._inflight.discard(call)
            watch.cancel()
            if not call.done():
                call.cancel()
                await asyncio.wait((call,))
        if watch.done() and not watch.cancelled() and call.cancelled():
            raise _Disconnected()
        if call.cancelled():
            raise ServiceUnavailable()
        return call.result()


def _count(scope: Scope, code: str, started: float) -> None:
    operation = scope.get(_OPERATION, "unknown")
    API_REQUESTS.inc((operation, code))
    API_SECONDS.labels(operation).observe(time.perf_counter() - started)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _parse(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise SerializationException("The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise SerializationException("Start of list found where not expected.")
    return document


def make_app(
    service: object,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    authenticator: Authenticator = allow_all,
    fallback: ASGIApp = _not_found,
) -> ApiApp:
    """The Step Functions API over `service`: one async method per operation, in snake_case.

    `service.start_execution(request) -> response` takes the validated request (AWS member names) and
    returns the response (AWS member names, datetimes for timestamps) or raises a ServiceError.
    """
    return ApiApp(service, max_body=max_body, authenticator=authenticator, fallback=fallback)

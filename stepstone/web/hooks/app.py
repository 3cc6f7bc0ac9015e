"""The ASGI app behind `/hooks/<source>`."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from stepstone.errors import ServiceError, ValidationException
from stepstone.service import Service
from stepstone.service.hooks import MAX_BODY

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_STATUS = {"AccessDeniedException": 401, "ResourceNotFound": 404}


class HooksApp:
    """Receives webhook deliveries and hands them to the service."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        source = path.removeprefix("/hooks").strip("/")
        if scope["type"] != "http" or scope["method"] != "POST" or not source or "/" in source:
            await _answer(
                send, 405 if source else 404, {"__type": "NotFound", "message": "POST /hooks/<source>"}
            )
            return
        body = await _body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = scope.get("client")
        try:
            if body is None:
                raise ValidationException("The delivery exceeds 262144 bytes")
            answer = await self.service.receive_hook(source, headers, body, client[0] if client else None)
        except ServiceError as error:
            await _answer(
                send, _STATUS.get(error.code, error.status), {"__type": error.code, "message": error.message}
            )
            return
        await _answer(send, 200, answer)


async def _body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _answer(send: Send, status: int, document: dict[str, Any]) -> None:
    body = json.dumps(document).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

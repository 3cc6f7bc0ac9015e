"""In-flight calls on shutdown, disconnect and cancellation, driven through the ASGI interface."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from stepstone.api import make_app


class Parked:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = 0

    async def get_activity_task(self, request: dict[str, Any]) -> dict[str, Any]:
        self.started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return {}


def scope() -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": [(b"x-amz-target", b"AWSStepFunctions.GetActivityTask")],
    }


class Client:
    """One request: the body, then silence until `hang_up()`; records what the app sends."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self._gone = asyncio.Event()
        self._body_sent = False

    def hang_up(self) -> None:
        self._gone.set()

    async def receive(self) -> dict[str, Any]:
        if not self._body_sent:
            self._body_sent = True
            return {"type": "http.request", "body": b'{"activityArn": "arn:a"}', "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.sent if m["type"] == "http.response.start"), None)


def test_client_disconnect_cancels_the_call_and_sends_nothing() -> None:
    asyncio.run(_client_disconnect_cancels_the_call_and_sends_nothing())


async def _client_disconnect_cancels_the_call_and_sends_nothing() -> None:
    service, client = Parked(), Client()
    app = make_app(service)
    request = asyncio.create_task(app(scope(), client.receive, client.send))
    await service.started.wait()
    client.hang_up()
    await asyncio.wait_for(request, 5)
    assert service.cancelled == 1
    assert client.sent == []


def test_aclose_cancels_in_flight_calls_and_answers_503() -> None:
    asyncio.run(_aclose_cancels_in_flight_calls_and_answers_503())


async def _aclose_cancels_in_flight_calls_and_answers_503() -> None:
    service, client = Parked(), Client()
    app = make_app(service)
    request = asyncio.create_task(app(scope(), client.receive, client.send))
    await service.started.wait()
    await asyncio.wait_for(app.aclose(), 5)
    await asyncio.wait_for(request, 5)
    assert service.cancelled == 1
    assert client.status == 503
    assert json.loads(client.sent[-1]["body"])["__type"] == "ServiceUnavailable"
    late = Client()
    await app(scope(), late.receive, late.send)
    assert late.status == 503


def test_lifespan_shutdown_closes_the_app() -> None:
    asyncio.run(_lifespan_shutdown_closes_the_app())


async def _lifespan_shutdown_closes_the_app() -> None:
    service, client = Parked(), Client()
    app = make_app(service)
    messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    replies: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        replies.append(message["type"])

    lifespan = asyncio.create_task(app({"type": "lifespan"}, messages.get, send))
    await messages.put({"type": "lifespan.startup"})
    request = asyncio.create_task(app(scope(), client.receive, client.send))
    await service.started.wait()
    await messages.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(lifespan, 5)
    await asyncio.wait_for(request, 5)
    assert replies == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert (service.cancelled, client.status) == (1, 503)


def test_cancelling_the_request_task_cancels_the_call() -> None:
    asyncio.run(_cancelling_the_request_task_cancels_the_call())


async def _cancelling_the_request_task_cancels_the_call() -> None:
    service, client = Parked(), Client()
    request = asyncio.create_task(make_app(service)(scope(), client.receive, client.send))
    await service.started.wait()
    request.cancel()
    await asyncio.wait([request], timeout=5)
    assert request.cancelled()
    assert service.cancelled == 1

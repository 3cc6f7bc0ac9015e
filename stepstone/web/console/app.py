"""The console as an ASGI app mounted under /console: routing, access, CSRF, and the service calls.

    GET  /console                                  state machines with counts by status
    GET  /console/state-machines/<arn>             diagram, start form, executions (?status=, ?after=)
    POST /console/state-machines/<arn>/start       start an execution, then 303 to it
    GET  /console/executions/<arn>                 status, failure, what it waits on, diagram, history
    POST /console/executions/<arn>/stop            stop it, then 303 back
    GET  /console/tasks                            every open task
    GET  /console/static/<file>                    the stylesheet and the small script

Everything is read through the service layer. POSTs must come from this origin and carry the form
token bound to the browser's CSRF cookie. Access is decided by `security.console_allowed`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol

from stepstone.asl.load import load_definition
from stepstone.errors import ServiceError
from stepstone.web.console import pages
from stepstone.web.console.components import PREFIX, STATUSES, execution_url, machine_url, message_page
from stepstone.web.console.diagram import render_svg
from stepstone.web.console.http import FormTooLarge, Receive, Request, Response, Scope, Send, read_form
from stepstone.web.console.security import CSRF_COOKIE, ConsoleSettings, Csrf, console_allowed, same_origin
from stepstone.web.console.timeline import history_lines, pretty_json, state_outcomes

log = logging.getLogger("stepstone.console")

#: Counting executions pages through them; past this many per machine the counts cover the newest only.
COUNT_CAP = 5000
HISTORY_CAP = 10000
PAGE_SIZE = 25
_STATIC = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}


class ConsoleService(Protocol):
    """The service operations the console reads and acts through."""

    async def list_state_machines(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def describe_state_machine(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def describe_state_machine_for_execution(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def list_executions(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def describe_execution(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def get_execution_history(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def start_execution(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def stop_execution(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def open_tasks(self, execution_arn: str | None = None) -> list[dict[str, Any]]: ...


class ConsoleApp:
    """The web console. Mount it at /console: `api.mount("/console", ConsoleApp(service))`."""

    def __init__(
        self,
        service: ConsoleService,
        *,
        settings: ConsoleSettings | None = None,
        csrf_secret: bytes | None = None,
    ) -> None:
        self.service = service
        self.settings = settings or ConsoleSettings()
        self.csrf = Csrf(csrf_secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request.from_scope(scope)
        try:
            response = await self._respond(request, receive)
        except ServiceError as error:
            status = 404 if error.code.endswith("DoesNotExist") or error.code == "InvalidArn" else 400
            response = Response(
                status, message_page("Not found" if status == 404 else "Error", error.message)
            )
        except FormTooLarge:
            response = Response(
                413, message_page("Too large", "The form is larger than the console accepts.")
            )
        except Exception:
            log.exception("console failure on %s %s", request.method, request.path)
            response = Response(500, message_page("Something broke", "The console could not show this page."))
        await response.send(send)

    async def _respond(self, request: Request, receive: Receive) -> Response:
        path = request.path[len(PREFIX) :].rstrip("/")
        if path.startswith("/static/") and request.method == "GET":
            return self._static(path.removeprefix("/static/"))
        if not await console_allowed(request, self.settings):
            body = message_page(
                "Sign-in required", "The API requires credentials, so the console does too.",
                detail="Sign in as a user allowed the console.", link=self.settings.sign_in_url,
            )  # fmt: skip
            return Response(401, body)
        if request.method == "POST":
            return await self._post(request, path, receive)
        if request.method != "GET":
            return Response(405, message_page("Not allowed", "The console answers GET and POST only."))
        cookie = self.csrf.cookie_of(request)
        fresh = cookie is None
        cookie = cookie or self.csrf.new_cookie()
        response = await self._get(request, path, self.csrf.token(cookie))
        if fresh:
            response.set_cookie(CSRF_COOKIE, cookie, path=PREFIX)
        return response

    async def _get(self, request: Request, path: str, csrf: str) -> Response:
        if path == "":
            return Response(200, await self._index())
        if path == "/tasks":
            tasks = await self.service.open_tasks(None)
            return Response(200, pages.tasks_page(tasks, _now()))
        if path.startswith("/state-machines/"):
            status = request.query.get("status")
            status = status if status in STATUSES else None
            arn = path.removeprefix("/state-machines/")
            return Response(
                200, await self._machine(arn, csrf, status=status, after=request.query.get("after"))
            )
        if path.startswith("/executions/"):
            return Response(200, await self._execution(path.removeprefix("/executions/"), csrf))
        return Response(404, message_page("Not found", "There is no console page here."))

    async def _post(self, request: Request, path: str, receive: Receive) -> Response:
        if not same_origin(request):
            return Response(403, message_page("Refused", "The form was not sent from this console."))
        request.form = await read_form(receive)
        if not self.csrf.check(request):
            return Response(
                403, message_page("Refused", "The form has expired or was not sent from this console.",
                                  detail="Reload the page and try again.")
            )  # fmt: skip
        if path.startswith("/state-machines/") and path.endswith("/start"):
            arn = path.removeprefix("/state-machines/").removesuffix("/start")
            return await self._start(request, arn)
        if path.startswith("/executions/") and path.endswith("/stop"):
            arn = path.removeprefix("/executions/").removesuffix("/stop")
            await self.service.stop_execution(
                {"executionArn": arn, "error": "Console.Stopped", "cause": "Stopped from the console"}
            )
            return Response.redirect(execution_url(arn))
        return Response(404, message_page("Not found", "There is no console action here."))

    async def _start(self, request: Request, arn: str) -> Response:
        text, name = request.form.get("input", "").strip() or "{}", request.form.get("name", "").strip()
        start: dict[str, Any] = {"stateMachineArn": arn, "input": text, **({"name": name} if name else {})}
        try:
            started = await self.service.start_execution(start)
        except ServiceError as error:
            if error.code.endswith("DoesNotExist"):
                raise
            cookie = self.csrf.cookie_of(request) or ""
            body = await self._machine(arn, self.csrf.token(cookie), status=None, after=None,
                                       form=(text, name, error.message))  # fmt: skip
            return Response(400, body)
        return Response.redirect(execution_url(started["executionArn"]))

    async def _index(self) -> bytes:
        machines: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            listed = await self.service.list_state_machines(
                {"maxResults": 1000, **({"nextToken": token} if token else {})}
            )
            machines.extend(listed["stateMachines"])
            token = listed.get("nextToken")
            if not token:
                break
        summaries = [await self._summary(m) for m in sorted(machines, key=lambda m: str(m["name"]).lower())]
        return pages.index_page(summaries, len(await self.service.open_tasks(None)))

    async def _summary(self, machine: dict[str, Any]) -> pages.MachineSummary:
        counts: dict[str, int] = {}
        seen, token = 0, None
        while seen < COUNT_CAP:
            request = {"stateMachineArn": machine["stateMachineArn"], "maxResults": 1000}
            listed = await self.service.list_executions(
                {**request, **({"nextToken": token} if token else {})}
            )
            for item in listed["executions"]:
                counts[item["status"]] = counts.get(item["status"], 0) + 1
            seen += len(listed["executions"])
            token = listed.get("nextToken")
            if not token:
                break
        return pages.MachineSummary(machine, counts, capped=token is not None)

    async def _machine(
        self, arn: str, csrf: str, *, status: str | None, after: str | None,
        form: tuple[str, str, str] | None = None,
    ) -> bytes:  # fmt: skip
        machine = await self.service.describe_state_machine({"stateMachineArn": arn})
        request: dict[str, Any] = {"stateMachineArn": arn, "maxResults": PAGE_SIZE}
        if status:
            request["statusFilter"] = status
        if after:
            request["nextToken"] = after
        listed = await self.service.list_executions(request)
        definition = str(machine["definition"])
        text, name, error = form or ("{}", "", None)
        return pages.machine_page(
            machine, pretty_json(definition) or "", render_svg(load_definition(definition)[0]),
            listed["executions"],
            status=status, next_token=listed.get("nextToken"), csrf=csrf, now=_now(),
            form_input=text, form_name=name, form_error=error,
        )  # fmt: skip

    async def _execution(self, arn: str, csrf: str) -> bytes:
        execution = await self.service.describe_execution({"executionArn": arn})
        machine = await self.service.describe_state_machine_for_execution({"executionArn": arn})
        events: list[dict[str, Any]] = []
        token: str | None = None
        while len(events) < HISTORY_CAP:
            request = {"executionArn": arn, "maxResults": 1000, **({"nextToken": token} if token else {})}
            chunk = await self.service.get_execution_history(request)
            events.extend(chunk["events"])
            token = chunk.get("nextToken")
            if not token:
                break
        lines = history_lines(events)
        outcomes = state_outcomes(lines, execution["status"])
        diagram = render_svg(load_definition(str(machine["definition"]))[0], outcomes)
        tasks = await self.service.open_tasks(arn) if execution["status"] == "RUNNING" else []
        return pages.execution_page(
            execution, str(machine["name"]), lines, token is not None, diagram, tasks, csrf=csrf, now=_now()
        )

    def _static(self, name: str) -> Response:
        if name not in _STATIC:
            return Response(404, b"Not Found", "text/plain")
        body = resources.files("stepstone.web.console").joinpath("static", name).read_bytes()
        return Response(200, body, _STATIC[name], cache="public, max-age=300")


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = ["ConsoleApp", "ConsoleService", "machine_url"]

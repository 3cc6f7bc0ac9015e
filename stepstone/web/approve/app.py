"""The approval pages as an ASGI app mounted under /approve.

    GET  /approve/                 the requests waiting for the signed-in viewer, or the sign-in form
    GET  /approve/r/<id>           one request: existence only until signed in as one of its approvers
    POST /approve/r/<id>           decide (decision=approve|reject, comment, csrf), then 303 back
    GET  /approve/sign-in          the sign-in form (?next=/approve/...)
    POST /approve/sign-in          user, password, csrf, next: a fresh session, then 303 to next
    POST /approve/sign-out         csrf: end the session

Errors are pages with the status of the service error (401 sign in, 403 CSRF or not an approver,
404 unknown request, 409 already decided or closed, 429 throttled). A failed post changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from stepstone.errors import ServiceError
from stepstone.service import Service
from stepstone.service.users import InvalidCredentials, SignInRequired, TooManySignInAttempts
from stepstone.web.approve import pages
from stepstone.web.approve.pages import PREFIX
from stepstone.web.auth import LEGACY_COOKIE_PATH, CsrfRejected, Identity, WebAuth, WebAuthSettings

__all__ = ["ApprovalApp"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

log = logging.getLogger("stepstone.web.approve")

MAX_FORM = 64 * 1024
_SECURITY_HEADERS = (
    (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
     b"frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)  # fmt: skip


class _FormTooLarge(Exception):
    pass


class _Response:
    def __init__(self, status: int, body: str = "", *, location: str | None = None) -> None:
        self.status, self.body, self.location = status, body, location
        self.cookies: list[str] = []

    async def send(self, send: Send) -> None:
        data = self.body.encode()
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(data)).encode()),
        ]
        headers += list(_SECURITY_HEADERS)
        if self.location is not None:
            headers.append((b"location", self.location.encode()))
        headers += [(b"set-cookie", cookie.encode()) for cookie in self.cookies]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": data})


#: Where signing in may return to: the approval pages and the console (both read the session cookie).
NEXT_PREFIXES = (PREFIX, "/console")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a path of this site under /approve or /console (no open
    redirect: no scheme, no host, no protocol-relative `//`, no backslash or control character)."""
    if not value or "\\" in value or value.startswith("//") or any(ord(c) < 32 for c in value):
        return f"{PREFIX}/"
    parts = urlsplit(value)
    if any(segment in (".", "..") for segment in unquote(parts.path).split("/")):
        return f"{PREFIX}/"  # a dot segment could climb out of the allowed prefix
    if (
        parts.scheme
        or parts.netloc
        or not any(parts.path == prefix or parts.path.startswith(prefix + "/") for prefix in NEXT_PREFIXES)
    ):
        return f"{PREFIX}/"
    return value


async def _read_form(receive: Receive) -> dict[str, str]:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_FORM:
            raise _FormTooLarge()
        if not message.get("more_body", False):
            break
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return {key: values[0] for key, values in fields.items()}


class ApprovalApp:
    """ASGI app for the approval pages over one `Service`."""

    def __init__(self, service: Service, settings: WebAuthSettings | None = None) -> None:
        self.service = service
        self.auth = WebAuth(service, settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = str(scope["path"]).removeprefix(PREFIX) or "/"
        method = scope["method"]
        try:
            form = await _read_form(receive) if method == "POST" else {}
            response = await self._route(scope, method, path, form)
        except _FormTooLarge:
            response = _Response(
                413, pages.layout("Too large", pages.message("Too large", "The form is too large."))
            )
        except Exception:
            log.exception("approval page failed: %s %s", method, path)
            response = _Response(500, pages.layout("Error", pages.message("Error", "Something went wrong.")))
        await response.send(send)

    async def _route(self, scope: Scope, method: str, path: str, form: dict[str, str]) -> _Response:
        if path.startswith("/r/") and path.count("/") == 2 and len(path) > 3:
            approval_id = path[3:]
            if method == "GET":
                return await self._show(scope, approval_id)
            if method == "POST":
                return await self._decide(scope, approval_id, form)
        elif path in ("/", "") and method == "GET":
            return await self._index(scope)
        elif path == "/sign-in":
            if method == "GET":
                query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
                return await self._sign_in_page(scope, safe_next(query.get("next", [""])[0]))
            if method == "POST":
                return await self._sign_in(scope, form)
        elif path == "/sign-out" and method == "POST":
            return await self._sign_out(scope, form)
        else:
            return _Response(
                404, pages.layout("Not found", pages.message("Not found", "There is no such page."))
            )
        return _Response(
            405, pages.layout("Not allowed", pages.message("Not allowed", "Method not allowed."))
        )

    # pages ------------------------------------------------------------------------------------------

    def _page(self, status: int, title: str, body: str, who: Identity) -> _Response:
        csrf = None if who.session is None else who.session.csrf
        response = _Response(
            status, pages.layout(title, body, user=None if who.viewer is None else who.viewer.name, csrf=csrf)
        )
        if who.new_cookie:
            response.cookies.append(who.new_cookie)
        return response

    def _sign_in_response(
        self, status: int, who: Identity, next_url: str, error: str | None = None
    ) -> _Response:
        assert who.session is not None
        intro = pages.exists_notice() if next_url.startswith(f"{PREFIX}/r/") else ""
        body = pages.sign_in_form(who.session.csrf, next_url, error=error, intro=intro)
        return self._page(status, "Sign in", body, who)

    async def _index(self, scope: Scope) -> _Response:
        who = await self.auth.identify(scope, ensure_session=True)
        if who.viewer is None:
            return self._sign_in_response(200, who, f"{PREFIX}/")
        rows = await self.service.approvals_for(who.viewer)
        return self._page(200, "Approvals", pages.request_list(rows), who)

    async def _show(self, scope: Scope, approval_id: str, error: ServiceError | None = None) -> _Response:
        who = await self.auth.identify(scope, ensure_session=True)
        try:
            view = await self.service.approval(approval_id, who.viewer)
        except ServiceError as exc:
            return self._page(exc.status, "Approval", pages.message("Approval", exc.message), who)
        if view.request is None:
            return self._sign_in_response(200, who, f"{PREFIX}/r/{quote(approval_id)}")
        assert who.session is not None
        body = pages.request_page(
            view.request,
            view.details,
            view.open,
            who.session.csrf,
            error=None if error is None else error.message,
        )
        return self._page(200 if error is None else error.status, view.request.subject, body, who)

    # actions ----------------------------------------------------------------------------------------

    async def _checked(self, scope: Scope, form: dict[str, str]) -> Identity:
        """The identity behind a form post, after the origin and CSRF checks (CsrfRejected otherwise)."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != headers.get("host", ""):
            raise CsrfRejected()
        who = await self.auth.identify(scope)
        self.auth.check_csrf(who, form.get("csrf"))
        return who

    async def _decide(self, scope: Scope, approval_id: str, form: dict[str, str]) -> _Response:
        try:
            who = await self._checked(scope, form)
        except CsrfRejected as exc:
            return _Response(exc.status, pages.layout("Rejected", pages.message("Rejected", exc.message)))
        if who.viewer is None:
            return self._sign_in_response(SignInRequired.status, who, f"{PREFIX}/r/{quote(approval_id)}",
                                          SignInRequired().message)  # fmt: skip
        decision = form.get("decision")
        if decision not in ("approve", "reject"):
            return self._page(400, "Approval", pages.message("Approval", "Choose approve or reject."), who)
        try:
            await self.service.decide_approval(
                approval_id,
                who.viewer,
                approve=decision == "approve",
                comment=form.get("comment", "").strip(),
                address=self.auth.client_address(scope),
            )
        except ServiceError as exc:
            return await self._show(scope, approval_id, exc)
        return _Response(303, location=f"{PREFIX}/r/{quote(approval_id)}")

    async def _sign_in_page(self, scope: Scope, next_url: str) -> _Response:
        who = await self.auth.identify(scope, ensure_session=True)
        if who.viewer is not None:
            return _Response(303, location=next_url)
        return self._sign_in_response(200, who, next_url)

    async def _sign_in(self, scope: Scope, form: dict[str, str]) -> _Response:
        next_url = safe_next(form.get("next"))
        try:
            who = await self._checked(scope, form)
        except CsrfRejected as exc:
            fresh = await self.auth.identify(scope, ensure_session=True)
            return self._sign_in_response(exc.status, fresh, next_url, exc.message)
        try:
            session_id, _ = await self.service.sign_in(
                form.get("user", "").strip(), form.get("password", ""),
                address=self.auth.client_address(scope), replaces=who.session_id,
            )  # fmt: skip
        except (InvalidCredentials, TooManySignInAttempts) as exc:
            return self._sign_in_response(exc.status, who, next_url, exc.message)
        response = _Response(303, location=next_url)
        response.cookies.append(self.auth.cookie(session_id))
        response.cookies.append(self.auth.cookie("", clear=True, path=LEGACY_COOKIE_PATH))
        return response

    async def _sign_out(self, scope: Scope, form: dict[str, str]) -> _Response:
        try:
            who = await self._checked(scope, form)
        except CsrfRejected as exc:
            return _Response(exc.status, pages.layout("Rejected", pages.message("Rejected", exc.message)))
        if who.session_id is not None:
            await self.service.end_session(who.session_id)
        response = _Response(303, location=f"{PREFIX}/sign-in")
        response.cookies.append(self.auth.cookie("", clear=True))
        response.cookies.append(self.auth.cookie("", clear=True, path=LEGACY_COOKIE_PATH))
        return response

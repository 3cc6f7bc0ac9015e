"""The little HTTP the console needs on top of ASGI: a parsed request and a response to send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Forms carry an input document of at most 256 KiB; leave room for URL encoding and the other fields.
MAX_FORM_BYTES = 1024 * 1024

#: Sent with every console response. Styles and scripts come from the console's own files only;
#: nothing may frame the console (clickjacking on the stop button).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class FormTooLarge(Exception):
    """The request body exceeds MAX_FORM_BYTES."""


@dataclass(slots=True)
class Request:
    """One console request: method, path below the mount point, query, headers, cookies, form."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    scheme: str
    form: dict[str, str] = field(default_factory=dict)
    scope: Scope = field(default_factory=dict, repr=False)  # for hooks that read the connection

    @classmethod
    def from_scope(cls, scope: Scope) -> Request:
        headers: dict[str, str] = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()}
        cookies: dict[str, str] = {}
        try:
            jar = SimpleCookie(headers.get("cookie", ""))
            cookies = {name: morsel.value for name, morsel in jar.items()}
        except CookieError:
            pass  # a malformed cookie header is treated as no cookies
        return cls(
            scope["method"], scope["path"], query, headers, cookies, scope.get("scheme", "http"), scope=scope
        )

    def origin(self) -> str:
        """This server's own origin as the browser sees it (scheme://host[:port])."""
        return f"{self.scheme}://{self.headers.get('host', '')}"


async def read_form(receive: Receive) -> dict[str, str]:
    """The url-encoded body of a POST; the first value of each field."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise FormTooLarge()
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


@dataclass(slots=True)
class Response:
    """A complete response; the security headers are always added."""

    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    cache: str = "no-store"  # pages show live state; static files override this

    @classmethod
    def redirect(cls, location: str) -> Response:
        """303 See Other: after a POST, the browser GETs the result page."""
        return cls(303, b"", "text/plain", [(b"location", location.encode())])

    def set_cookie(self, name: str, value: str, *, path: str) -> None:
        cookie = f"{name}={value}; Path={path}; HttpOnly; SameSite=Strict"
        self.headers.append((b"set-cookie", cookie.encode()))

    async def send(self, send: Send) -> None:
        headers = [
            (b"content-type", self.content_type.encode()),
            (b"content-length", str(len(self.body)).encode()),
            (b"cache-control", self.cache.encode()),
            *SECURITY_HEADERS,
            *self.headers,
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})

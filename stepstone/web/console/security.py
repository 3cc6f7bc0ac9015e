"""Who may use the console, and proof that a form was posted by the console itself.

    console_allowed(request)   THE hook: may this request see the console and act through it?
    Csrf                       a per-browser random cookie and a form token derived from it (HMAC)
    same_origin(request)       the Origin (or Referer) of a POST names this very host

`console_allowed` is the one place access is decided. With no API authentication configured the
console is as open as the API (both listen on localhost by default). As soon as the API requires
credentials (`require_sign_in`, asked per request because creating the first access key locks the
API), the console requires a signed-in browser: the `signed_in` check of the web sign-in is asked,
and without one every console page answers 401. Executions' inputs and outputs are user data that
may hold secrets, so reading is gated as well as acting.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from stepstone.web.console.http import Request, Scope

CSRF_COOKIE = "stepstone_console_csrf"
CSRF_FIELD = "csrf"

#: Given a request's ASGI scope, is a signed-in user allowed the console behind it? From the web sign-in.
SignedIn = Callable[[Scope], Awaitable[bool]]
#: Does the API require credentials right now? (A bool when it is fixed for the process.)
Required = bool | Callable[[], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """How the console is guarded. `require_sign_in` is set when the API requires credentials."""

    require_sign_in: Required = False
    signed_in: SignedIn | None = None
    sign_in_url: str | None = None  # linked from the "sign-in required" page


async def console_allowed(request: Request, settings: ConsoleSettings) -> bool:
    """May `request` use the console (read pages and post actions)?

    Open when the API is open; when the API requires credentials, only a browser the web sign-in
    recognises. Without a sign-in check configured, a locked console admits nobody: never an open door.
    """
    required = settings.require_sign_in
    if not (required if isinstance(required, bool) else await required()):
        return True
    return settings.signed_in is not None and await settings.signed_in(request.scope)


class Csrf:
    """Double-submit protection keyed by a server secret: the form token is HMAC(secret, cookie)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(24)

    def cookie_of(self, request: Request) -> str | None:
        value = request.cookies.get(CSRF_COOKIE)
        return value if value and 16 <= len(value) <= 64 and value.isascii() else None

    def token(self, cookie: str) -> str:
        """The form token that goes with a browser's cookie."""
        return hmac.new(self._secret, cookie.encode(), hashlib.sha256).hexdigest()

    def check(self, request: Request) -> bool:
        cookie = self.cookie_of(request)
        sent = request.form.get(CSRF_FIELD, "")
        return cookie is not None and hmac.compare_digest(sent.encode(), self.token(cookie).encode())


def same_origin(request: Request) -> bool:
    """The browser says the POST comes from a page of this host (scheme aside: proxies end TLS)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return False
    host = request.headers.get("host", "")
    return bool(host) and urlsplit(claimed).netloc.lower() == host.lower()

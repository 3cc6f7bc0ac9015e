"""Who is behind a browser request: the session cookie, the CSRF check, and the trusted proxy header.

    CsrfRejected   403  a form post without the session's CSRF token (or from another origin)

Every browser gets a server-side session (cookie `stepstone_session`, HttpOnly, SameSite=Lax, Secure
when configured, path / so that the console under /console sees the same sign-in); the cookie holds a
random id the store keeps only as a hash, and each session carries its own CSRF token that every form
must echo. A session id the server did not issue is never adopted, and signing in replaces the session
(see `UserOperations.sign_in`).

Behind an identity proxy, the proxy's user header (default `X-Forwarded-User`, optional
`X-Forwarded-Email`) names the viewer, but only when the request comes straight from one of the
configured proxy addresses (IPs or CIDR networks); from anywhere else the header is ignored.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from stepstone.errors import ServiceError
from stepstone.service import Service
from stepstone.service.users import SessionRow, Viewer

__all__ = ["LEGACY_COOKIE_PATH", "CsrfRejected", "Identity", "WebAuth", "WebAuthSettings"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class CsrfRejected(ServiceError):
    """The form has expired or did not come from this site. Reload the page and try again."""

    code, status = "CsrfRejected", 403


@dataclass(frozen=True, slots=True)
class WebAuthSettings:
    """How browsers are recognised. `trusted_proxies`: addresses or networks allowed to name the user."""

    trusted_proxies: tuple[str, ...] = ()
    user_header: str = "x-forwarded-user"
    email_header: str = "x-forwarded-email"
    secure_cookies: bool = False
    cookie_name: str = "stepstone_session"
    cookie_path: str = "/"  # the approval pages and the console share one sign-in


#: Where the session cookie lived before the console shared it; sign-in and sign-out expire it there.
LEGACY_COOKIE_PATH = "/approve"


@dataclass(frozen=True, slots=True)
class Identity:
    """The request's session (always one after `ensure_session`) and the viewer, if anyone signed in."""

    session_id: str | None
    session: SessionRow | None
    viewer: Viewer | None
    via_proxy: bool = False
    new_cookie: str | None = None  # a Set-Cookie value to send with the response


def _networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _headers(scope: Mapping[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(headers: dict[str, str], name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = jar.get(name)
    return None if morsel is None else morsel.value


class WebAuth:
    """Recognises browsers for the approval pages, over the service's users and sessions."""

    def __init__(self, service: Service, settings: WebAuthSettings | None = None) -> None:
        self.service = service
        self.settings = settings or WebAuthSettings()
        self._proxies = _networks(self.settings.trusted_proxies)

    def client_address(self, scope: Mapping[str, Any]) -> str:
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    def from_trusted_proxy(self, scope: Mapping[str, Any]) -> bool:
        try:
            address = ipaddress.ip_address(self.client_address(scope))
        except ValueError:
            return False
        return any(address in network for network in self._proxies)

    def cookie(self, session_id: str, *, clear: bool = False, path: str | None = None) -> str:
        """The Set-Cookie value carrying `session_id` (or expiring the cookie, at `path` if given)."""
        s = self.settings
        value = "" if clear else session_id
        parts = [f"{s.cookie_name}={value}", f"Path={path or s.cookie_path}", "HttpOnly", "SameSite=Lax"]
        if clear:
            parts.append("Max-Age=0")
        if s.secure_cookies:
            parts.append("Secure")
        return "; ".join(parts)

    async def identify(self, scope: Mapping[str, Any], *, ensure_session: bool = False) -> Identity:
        """The session behind the cookie (a new one when asked and there is none) and the viewer."""
        headers = _headers(scope)
        session_id = _cookie(headers, self.settings.cookie_name)
        session = await self.service.session(session_id)
        new_cookie = None
        if session is None:
            session_id = None
            if ensure_session:
                session_id, session = await self.service.start_session()
                new_cookie = self.cookie(session_id)
        proxied = headers.get(self.settings.user_header, "").strip()
        if proxied and self.from_trusted_proxy(scope):
            email = headers.get(self.settings.email_header, "").strip() or None
            viewer = await self.service.viewer(proxied, email)
            return Identity(session_id, session, viewer, True, new_cookie)
        if session is None or session.user is None:
            return Identity(session_id, session, None, False, new_cookie)
        return Identity(session_id, session, await self.service.viewer(session.user), False, new_cookie)

    @staticmethod
    def check_csrf(identity: Identity, submitted: str | None) -> None:
        """Raise CsrfRejected unless the form echoes the session's CSRF token."""
        expected = None if identity.session is None else identity.session.csrf
        if not expected or not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
            raise CsrfRejected()

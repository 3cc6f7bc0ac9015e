"""The authenticator slot: who is calling, decided before the request is parsed.

An authenticator is an async callable given the raw request (method, path, query, headers, body and
the operation name) that returns a `Principal` or raises a `ServiceError` (for example
`UnrecognizedClientException`, `InvalidSignatureException`). It sees the body exactly as received,
since a SigV4 signature covers the raw bytes. The default, `allow_all`, lets everyone in.

The principal of the request being served is available to the service as `current_principal()`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request; `name` is an access key id, a user name, or "anonymous"."""

    name: str


ANONYMOUS = Principal("anonymous")


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """A request as received, for authenticators. Header names are lower-case bytes, as in ASGI."""

    method: str
    path: str
    query_string: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    operation: str | None  # None when the target names no known operation
    client: str | None = None  # the client's address (after a trusted proxy's X-Forwarded-For)

    def header(self, name: bytes) -> bytes | None:
        """The first value of header `name` (lower-case), or None."""
        return next((value for key, value in self.headers if key == name), None)


Authenticator = Callable[[ApiRequest], Awaitable[Principal]]

_principal: ContextVar[Principal] = ContextVar("stepstone_api_principal", default=ANONYMOUS)


async def allow_all(request: ApiRequest) -> Principal:
    """The default authenticator: every request is served, as the anonymous principal."""
    return ANONYMOUS


def current_principal() -> Principal:
    """The principal of the API request being served (ANONYMOUS outside one)."""
    return _principal.get()


def set_principal(principal: Principal) -> None:
    _principal.set(principal)

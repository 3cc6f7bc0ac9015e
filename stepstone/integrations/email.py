"""E-mail over SMTP, behind a one-method `Mailer`, retried with backoff.

    EmailError           a message could not be sent; `transient` says whether trying again may help

`SmtpMailer` speaks SMTP with the standard library (plain, STARTTLS or implicit TLS, optional login),
each attempt in a worker thread so a slow server never blocks the event loop. `send_with_retry`
retries transient failures (connection refused, timeouts, 4xx replies) with exponential backoff and
gives up at once on permanent ones (5xx replies, a refused login). `RecordingMailer` keeps messages in
memory for tests.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal, Protocol

__all__ = [
    "EmailError",
    "Mailer",
    "RecordingMailer",
    "SmtpMailer",
    "SmtpSettings",
    "send_with_retry",
]

Security = Literal["none", "starttls", "tls"]


class EmailError(Exception):
    """The message could not be sent."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send mail. `security`: "none", "starttls" (then upgrade) or "tls" (implicit)."""

    host: str = "localhost"
    port: int = 25
    security: Security = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "stepstone@localhost"
    timeout: float = 10.0
    attempts: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    verify_tls: bool = True


class Mailer(Protocol):
    """Sends one message; raises EmailError when it cannot."""

    async def send(self, message: EmailMessage) -> None: ...


@dataclass(slots=True)
class SmtpMailer:
    """A `Mailer` over SMTP."""

    settings: SmtpSettings

    async def send(self, message: EmailMessage) -> None:
        if message["From"] is None:
            message["From"] = self.settings.sender
        await asyncio.to_thread(self._send_now, message)

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.settings.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _send_now(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            client: smtplib.SMTP
            if s.security == "tls":
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.security == "starttls":
                    client.starttls(context=self._tls_context())
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise EmailError(f"SMTP login refused ({exc.smtp_code})", transient=False) from exc
        except smtplib.SMTPResponseException as exc:
            raise EmailError(f"SMTP server answered {exc.smtp_code}", transient=exc.smtp_code < 500) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise EmailError(f"SMTP server refused the recipients {codes}", transient=False) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise EmailError(f"SMTP delivery failed: {type(exc).__name__}: {exc}", transient=True) from exc


@dataclass(slots=True)
class RecordingMailer:
    """A `Mailer` for tests: keeps every message; `fail_next` scripted failures come first."""

    sent: list[EmailMessage] = field(default_factory=list)
    fail_next: int = 0

    async def send(self, message: EmailMessage) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise EmailError("scripted failure", transient=True)
        self.sent.append(message)


Sleep = Callable[[float], Awaitable[None]]


async def send_with_retry(
    mailer: Mailer,
    message: EmailMessage,
    *,
    attempts: int = 4,
    backoff: float = 1.0,
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Send, retrying transient failures with exponential backoff; the attempts used. Raises EmailError."""
    delay = backoff
    for attempt in range(1, max(1, attempts) + 1):
        try:
            await mailer.send(message)
            return attempt
        except EmailError as exc:
            if not exc.transient or attempt >= attempts:
                raise EmailError(f"{exc} (after {attempt} attempt(s))", transient=exc.transient) from exc
        await sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")

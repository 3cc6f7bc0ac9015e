"""The page frame and small pieces shared by the console's pages."""

from __future__ import annotations

from datetime import UTC, datetime

from stepstone.web.console.markup import Markup, fmt, join, path_segment
from stepstone.web.console.timeline import format_time

PREFIX = "/console"
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def machine_url(arn: str) -> str:
    return f"{PREFIX}/state-machines/{path_segment(arn)}"


def execution_url(arn: str) -> str:
    return f"{PREFIX}/executions/{path_segment(arn)}"


def status_badge(status: str, count: int | None = None) -> Markup:
    label = status.replace("_", " ").lower()
    if count is not None:
        return fmt('<span class="badge s-{s}">{label} <b>{n}</b></span>', s=status, label=label, n=count)
    return fmt('<span class="badge s-{s}">{label}</span>', s=status, label=label)


def when(value: datetime | None) -> Markup:
    """A timestamp as a <time> element (the script shows it in local time; UTC without it)."""
    if value is None:
        return Markup('<span class="muted">—</span>')
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return fmt('<time datetime="{iso}">{text}</time>', iso=aware.isoformat(), text=format_time(aware))


def age(since: datetime, now: datetime) -> str:
    """How long ago, coarse: 42s, 7m, 3h, 2d."""
    seconds = max((now - since).total_seconds(), 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def duration(start: datetime, stop: datetime | None, now: datetime) -> str:
    seconds = ((stop or now) - start).total_seconds()
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {sec:02d}s" if hours else f"{minutes}m {sec:02d}s"


def json_block(text: str | None, empty: str = "none") -> Markup:
    if text is None:
        return fmt('<p class="muted">{empty}</p>', empty=empty)
    return fmt('<pre class="json">{text}</pre>', text=text)


def page(title: str, body: Markup, *, crumbs: list[tuple[str, str | None]] | None = None) -> bytes:
    """A whole HTML document around `body`."""
    trail = join(
        (fmt('<a href="{href}">{label}</a>', href=href, label=label) if href else fmt("<span>{label}</span>",
         label=label) for label, href in crumbs or []),
        ' <span class="sep">/</span> ',
    )  # fmt: skip
    document = fmt(
        """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · stepstone</title>
<link rel="stylesheet" href="{prefix}/static/console.css">
<script src="{prefix}/static/console.js" defer></script>
</head><body>
<header class="top"><a class="brand" href="{prefix}">stepstone</a>
<nav><a href="{prefix}">State machines</a><a href="{prefix}/tasks">Open tasks</a></nav></header>
<main>
<nav class="crumbs">{trail}</nav>
{body}
</main>
<footer>stepstone console · times in UTC</footer>
</body></html>
""",
        title=title, prefix=PREFIX, trail=trail, body=body,
    )  # fmt: skip
    return document.encode()


def message_page(
    status_title: str, message: str, *, detail: str | None = None, link: str | None = None
) -> bytes:
    body = fmt(
        '<section class="card notice"><h1>{title}</h1><p>{message}</p>{detail}{link}</section>',
        title=status_title, message=message,
        detail=fmt('<p class="muted">{d}</p>', d=detail) if detail else Markup(""),
        link=fmt('<p><a href="{h}">Sign in</a></p>', h=link) if link else Markup(""),
    )  # fmt: skip
    return page(status_title, body, crumbs=[("Console", PREFIX)])

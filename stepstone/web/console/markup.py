"""Safe HTML text: everything is escaped unless it is already `Markup`.

Pages are built from literal templates in this package and values that are escaped on the way in,
so user data (state names, inputs, causes) can never become markup. There is one way to mark text
as HTML, `Markup(...)`, and it is only applied to literals and to the output of these helpers.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from urllib.parse import quote


class Markup(str):
    """Text that is already HTML and must not be escaped again."""

    __slots__ = ()

    def __add__(self, other: str) -> Markup:
        return Markup(str.__add__(self, escape(other)))

    def __radd__(self, other: str) -> Markup:
        return Markup(str.__add__(escape(other), self))


def escape(value: object) -> Markup:
    """`value` as HTML text: `Markup` passes through, anything else is converted and escaped."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def fmt(template: str, /, **values: object) -> Markup:
    """Fill a literal `template` ("<b>{name}</b>") with escaped values; numbers keep their format specs."""
    return Markup(template.format_map({key: _safe(value) for key, value in values.items()}))


def _safe(value: object) -> object:
    return value if isinstance(value, int | float) else escape(value)


def join(parts: Iterable[object], separator: str = "") -> Markup:
    """Escaped parts joined by a literal separator."""
    return Markup(separator.join(escape(part) for part in parts))


def path_segment(value: str) -> str:
    """An ARN or name as one URL path segment (colons stay readable, everything odd is encoded)."""
    return quote(value, safe=":@")

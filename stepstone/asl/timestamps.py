"""Timestamps as AWS reads them: Java's `DateTimeFormatter.ISO_OFFSET_DATE_TIME`.

One parser for every place a timestamp is read at run time: a Wait state's `Timestamp` and
`TimestampPath`, and the Choice rules' `Timestamp*` operators and `IsTimestamp`. The form is the
ISO 8601 extended one with an offset: `2016-12-05T21:29:29Z`, `2016-12-05T21:29Z` (seconds
optional), `2016-12-05T21:29:29.123456789+05:30` (one to nine fraction digits, an offset to the
second, or just `+05`). Not the basic form (`20161205T212929Z`), week or ordinal dates, a space for
the `T`, or a missing offset. The States Language specification asks for an uppercase `T` and `Z`;
Java's parser, and so AWS, takes lowercase too, and stepstone is never stricter than AWS.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from stepstone.asl.json import JSON

__all__ = ["ISO_OFFSET_DATE_TIME", "parse_timestamp"]

# Java parses the `T` and `Z` case-insensitively and the offset leniently (`+HH`, `+HH:MM`,
# `+HH:MM:SS`; the colons stay required).
ISO_OFFSET_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(?:([Zz])|([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?)\Z"
)
#: Java's ZoneOffset range.
_MAX_OFFSET = timedelta(hours=18)


def parse_timestamp(value: JSON) -> tuple[datetime, int] | None:
    """(the instant in UTC, to the second; the nanoseconds past it), or None if `value` is not one.

    The pair orders instants; a caller that counts to the second (Wait) uses the first part alone.
    A field out of range (month 13, hour 24, an offset past 18 hours) is not a timestamp.
    """
    if not isinstance(value, str):
        return None
    match = ISO_OFFSET_DATE_TIME.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m, off_s = match.groups()
    offset = timedelta()
    if not zulu:
        minutes, seconds = int(off_m or 0), int(off_s or 0)
        offset = timedelta(hours=int(off_h), minutes=minutes, seconds=seconds)
        if offset > _MAX_OFFSET or minutes > 59 or seconds > 59:
            return None
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            tzinfo=timezone(-offset if sign == "-" else offset),
        )  # fmt: skip
    except ValueError:
        return None
    return moment.astimezone(UTC), int((fraction or "").ljust(9, "0"))

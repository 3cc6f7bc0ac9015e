"""The JSON-array item reader: the elements of a top-level array, a window of the object at a time.

The cursor is the byte offset after the last element handed out; an element cut by the window is
read again with a wider one. A value is taken only once what follows it is seen, so a number cut
in two by the window is never taken for a shorter one.
"""

from __future__ import annotations

import json
from typing import Any

from stepstone.asl.json import JSON
from stepstone.integrations.s3_objects import S3Objects
from stepstone.integrations.s3_reading import NON_ITERABLE, WINDOW, ItemReaderError, Page

__all__ = ["json_array"]

_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


def _utf8_prefix(data: bytes, at_end: bool) -> str:
    """The longest decodable prefix (a window may end inside a multi-byte character)."""
    for cut in range(0, 4):
        try:
            return data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError:
            if at_end:
                break
    raise ItemReaderError("The JSON file is not valid UTF-8.")


async def json_array(s3: S3Objects, bucket: str, key: str, state: dict[str, Any], limit: int) -> Page:
    """The next `limit` elements; `state` holds Size, Offset and Started between pages."""
    size = int(state["Size"])
    offset = int(state.get("Offset") or 0)
    started = bool(state.get("Started"))
    items: list[JSON] = []
    window = WINDOW
    done = False
    while len(items) < limit and not done:
        if offset >= size:
            raise ItemReaderError(NON_ITERABLE if not started else "The JSON file ends inside its array.")
        end = min(size, offset + window) - 1
        at_end = end >= size - 1
        text = _utf8_prefix(await s3.read(bucket, key, offset, end), at_end)
        position, progressed = 0, False
        while len(items) < limit:
            while position < len(text) and text[position] in _SPACE:
                position += 1
            if position >= len(text):
                break
            char = text[position]
            if not started:
                if char != "[":
                    raise ItemReaderError(NON_ITERABLE)
                started, position, progressed = True, position + 1, True
                continue
            if char == "]":
                position, done, progressed = position + 1, True, True
                break
            if char == ",":
                position, progressed = position + 1, True
                continue
            try:
                value, after = _DECODER.raw_decode(text, position)
            except ValueError as exc:
                if at_end:
                    raise ItemReaderError(f"The JSON file could not be parsed: {exc}.") from exc
                break
            # a number cut by the window would still decode: accept a value only when its end is seen
            follow = after
            while follow < len(text) and text[follow] in _SPACE:
                follow += 1
            if follow >= len(text) and not at_end:
                break
            items.append(value)
            position, progressed = after, True
        offset += len(text[:position].encode())
        if not progressed:
            if at_end:
                raise ItemReaderError("The JSON file could not be parsed.")
            window *= 2
    state.update(Offset=offset, Started=started)
    return Page(items, state, done)

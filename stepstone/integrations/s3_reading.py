"""What every S3 item reader shares: the page it answers, its error, the window it reads in.

ItemReaderError    the items cannot be read (States.ItemReaderFailed, with AWS's cause)
"""

from __future__ import annotations

from dataclasses import dataclass

from stepstone.asl.json import JSON, JSONObject

__all__ = ["NON_ITERABLE", "WINDOW", "ItemReaderError", "Page"]

#: Bytes per ranged read; doubled while one record does not fit.
WINDOW = 256 * 1024
NON_ITERABLE = "Attempting to map over non-iterable node."


class ItemReaderError(Exception):
    """The items cannot be read."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


@dataclass(frozen=True, slots=True)
class Page:
    """Items read, where to go on from, and whether the source is exhausted."""

    items: list[JSON]
    cursor: JSONObject
    done: bool

"""Structured logs: every record of `stepstone.worker` carries an `event` and its fields, never a token.

A task is named in logs by `task_ref(token)`, the first 12 hex digits of the token's SHA-256: enough
to follow one task through the log, useless for completing it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("stepstone.worker")

#: LogRecord attributes that are not fields of ours.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def task_ref(token: str) -> str:
    """A short, one-way name for a task in logs (the token itself is a bearer secret)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def emit(level: int, event: str, message: str, **fields: Any) -> None:
    """Log `message` with `event` and `fields` as structured extras."""
    log.log(level, message, extra={"event": event, **fields})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, event, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)

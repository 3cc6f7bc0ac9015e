"""`serve --log-format json`: one JSON object per line, for log collectors (Loki, CloudWatch, ELK).

Each line has `time` (UTC, ISO 8601), `level`, `logger`, `message`, and `execution_arn` and
`state_name` where the code logging it knows them (passed as `extra=`), and `exception` with the
traceback when there is one. No code logs a task token; as a second line of defence anything shaped
like one (a signed stepstone token) is replaced by `[task token]` before the line is written.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

#: stepstone's signed token: base64url(key id, execution, task) "." base64url(HMAC-SHA256, 43 chars).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
#: `extra=` fields copied onto the line when a record carries them.
FIELDS = ("execution_arn", "state_name", "state_machine", "request_id", "operation")


def redact(text: str) -> str:
    """`text` with every token-shaped word replaced."""
    return TOKEN_SHAPE.sub("[task token]", text)


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = redact(str(value))
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure(fmt: str, level: int) -> None:
    """Log to stderr at `level`, as plain text (`text`) or JSON lines (`json`)."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)

"""State machine JSON to botocore parameters and botocore results back to JSON, guided by the API model.

AWS's rules (the AWS SDK integrations doc): parameters are written in PascalCase even where the
service's API is camelCase, and results come back in PascalCase. So a parameter name is matched to
the model's member name ignoring the case of its first letter, and every result member's first
letter is raised. Map keys (DynamoDB attribute names, tags, S3 metadata) are data, never renamed.

Values the model types: a blob member is sent as the JSON text of its value, strings included
(AWS stores the Body `"text data"` as 11 bytes, quotes and all, and `false` as the 5 bytes
`false`); a streaming blob result (S3's `Body`) is read and given back as text; other blobs are
base64; timestamps are ISO-8601 in UTC, as the Java SDK prints them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from stepstone.asl.json import JSON
from stepstone.integrations.aws.clients import StreamedBytes

__all__ = ["pascal", "to_botocore", "to_json"]


def pascal(name: str) -> str:
    """`listObjects` -> `ListObjects` (the rest is kept)."""
    return name[:1].upper() + name[1:]


def _member(shape: StructureShape, key: str) -> str | None:
    members = shape.members
    if key in members:
        return key
    folded = {name.lower(): name for name in members}
    return folded.get(key.lower())


def to_botocore(value: Any, shape: Shape | None) -> Any:
    """A parameters document as botocore expects it for `shape` (unknown keys are kept for botocore
    to refuse with its own validation message)."""
    if shape is None:
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            name = _member(shape, key)
            out[name or key] = to_botocore(inner, shape.members[name] if name else None)
        return out
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_botocore(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: to_botocore(inner, shape.value) for key, inner in value.items()}
    if shape.type_name == "blob" and not isinstance(value, bytes):
        return json.dumps(value, separators=(",", ":"))
    return value


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    text = value.replace(tzinfo=None).isoformat(timespec="milliseconds")
    return (text[:-4] if text.endswith(".000") else text) + "Z"


def to_json(value: Any, shape: Shape | None, *, rename: bool = True) -> JSON:
    """A botocore result as JSON, member names in PascalCase (unless `rename` is off)."""
    if isinstance(value, dict):
        structure = shape if isinstance(shape, StructureShape) else None
        mapping = shape if isinstance(shape, MapShape) else None
        out: dict[str, JSON] = {}
        for key, inner in value.items():
            if structure is not None:
                member = structure.members.get(key)
                out[pascal(key) if rename else key] = to_json(inner, member, rename=rename)
            else:
                out[str(key)] = to_json(inner, mapping.value if mapping else None, rename=rename)
        return out
    if isinstance(value, (list, tuple)):
        member = shape.member if isinstance(shape, ListShape) else None
        return [to_json(item, member, rename=rename) for item in value]
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, StreamedBytes):  # S3's Body and the like: the payload as text
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # Decimal and friends: their text, never a crash

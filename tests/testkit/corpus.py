"""The shared corpus of real-world definitions and Step Functions Local mock files, found beside the
repository (`<parent>/shared/corpus`) or at $STEPSTONE_CORPUS_DIR; deploy-time placeholders filled in the
way the corpus README says a deploy tool would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.asl.corpus import CORPUS

_WHOLE = re.compile(r"^\$\{([^}]+)\}$")
_INSIDE = re.compile(r"\$\{([^}]+)\}")
_PSEUDO = {
    "AWS::Partition": "aws", "AWSPartition": "aws", "Partition": "aws",
    "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
}  # fmt: skip
_NUMBERS = {
    "TimeoutSeconds": 300, "HeartbeatSeconds": 60, "Seconds": 5, "MaxConcurrency": 1, "MaxAttempts": 3,
    "IntervalSeconds": 1, "BackoffRate": 2,
}  # fmt: skip


def corpus_dir() -> Path | None:
    """The corpus folder (tests/asl/corpus.py finds it), or None when this machine has none."""
    return CORPUS if (CORPUS / "mocks").is_dir() else None


def _function_arn(name: str) -> str:
    name = re.sub(r"(\.?Arn)$", "", name)
    name = re.sub(r"[^A-Za-z0-9]", "", name)
    return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def _fill(value: Any, key: str | None) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("Fn::Sub", "Fn::GetAtt", "Ref"):
            ((kind, inner),) = value.items()
            text = (
                inner
                if isinstance(inner, str)
                else ".".join(str(p) for p in inner)
                if kind == "Fn::GetAtt"
                else str(inner[0])
                if isinstance(inner, list) and inner
                else str(inner)
            )
            return _fill(text if kind == "Fn::Sub" else f"${{{text}}}", key)
        return {k: _fill(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, key) for v in value]
    if not isinstance(value, str):
        return value
    whole = _WHOLE.match(value)
    if whole:
        name = whole.group(1)
        if name in _PSEUDO:
            return _PSEUDO[name]
        if key == "Resource":
            return _function_arn(name)
        if key in _NUMBERS:
            return _NUMBERS[key]
        if key is not None and key.startswith("Numeric"):
            return 1
    return _INSIDE.sub(lambda m: _PSEUDO.get(m.group(1), m.group(1)), value)


def deployable(path: Path) -> str:
    """The definition as AWS would see it after a deploy tool filled in its placeholders."""
    return json.dumps(_fill(json.loads(path.read_text()), None))

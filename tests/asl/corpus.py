"""The real-world corpus as a deploy tool would hand it to AWS: `${...}` placeholders filled in.

SAM, CloudFormation and Terraform replace `${Name}` (and resolve `Fn::Sub`, `Fn::GetAtt`, `Ref`)
before Step Functions sees a definition, so a test of what AWS accepts must do the same first.
The rules are the corpus README's:

- a whole-string `${Name}` in a `Resource` becomes a Lambda function ARN named after it
  (non-alphanumerics dropped, a trailing `Arn` / `.Arn` removed);
- a whole-string `${Name}` in a numeric field becomes a plausible number for that field;
- the pseudo parameters become `aws`, `us-east-1` and `123456789012`; any other `${Name}` in a string
  (or an object key) becomes `Name`;
- a CloudFormation intrinsic left as an object becomes the string it names, filled in the same way.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _corpus_dir() -> Path:
    """STEPSTONE_CORPUS_DIR, else `shared/corpus` beside the checkout (or beside its worktree folder)."""
    if os.environ.get("STEPSTONE_CORPUS_DIR"):
        return Path(os.environ["STEPSTONE_CORPUS_DIR"])
    candidates = [folder / "shared" / "corpus" for folder in REPO.parents[:2]]
    return next((path for path in candidates if path.is_dir()), candidates[0])


CORPUS = _corpus_dir()

REGION, ACCOUNT = "us-east-1", "123456789012"
#: Pseudo parameters by their name lower-cased without punctuation: `${AWS::Partition}`,
#: `${AWSPartition}`, `${AwsPartition}` and `${partition}` are all the partition.
PSEUDO = {
    "awspartition": "aws",
    "partition": "aws",
    "awsregion": REGION,
    "awsaccountid": ACCOUNT,
    "awsurlsuffix": "amazonaws.com",
}
#: What a numeric field's whole-string placeholder becomes (values that agree with each other:
#: a heartbeat below the timeout, a back-off rate of at least 1).
NUMBERS = {
    "TimeoutSeconds": 300,
    "HeartbeatSeconds": 60,
    "Seconds": 5,
    "MaxConcurrency": 1,
    "MaxAttempts": 3,
    "IntervalSeconds": 1,
    "BackoffRate": 2,
    "MaxDelaySeconds": 60,
    "ToleratedFailurePercentage": 1,
    "ToleratedFailureCount": 1,
    "MaxItemsPerBatch": 1,
    "MaxInputBytesPerBatch": 1024,
    "MaxItems": 1,
}
_WHOLE = re.compile(r"^\$\{([^}]+)\}$")
_ANY = re.compile(r"\$\{([^}]+)\}")


def lambda_arn(name: str) -> str:
    """The function ARN a deploy tool would put where `${name}` names a function."""
    name = re.sub(r"\.?Arn$", "", name)
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{re.sub(r'[^A-Za-z0-9]', '', name)}"


def fill(value: Any, field: str | None = None) -> Any:
    """`value` with every placeholder filled in; `field` is the name of the member it is the value of."""
    if isinstance(value, dict):
        intrinsic = _intrinsic(value)
        if intrinsic is not None:
            return fill(intrinsic, field)
        return {_text(key): fill(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, field) for item in value]
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole and _pseudo(whole.group(1)) is None and field is not None:
            if field == "Resource":
                return lambda_arn(whole.group(1))
            if field in NUMBERS:
                return NUMBERS[field]
            if field.startswith("Numeric"):
                return 1
        return _text(value)
    return value


def _pseudo(name: str) -> str | None:
    return PSEUDO.get(re.sub(r"[^a-z]", "", name.lower()))


def _text(text: str) -> str:
    return _ANY.sub(lambda m: _pseudo(m.group(1)) or m.group(1), text)


def _intrinsic(obj: dict[str, Any]) -> str | None:
    """The `${...}` string a CloudFormation intrinsic object stands for, or None for a plain object."""
    if len(obj) != 1:
        return None
    ((name, arg),) = obj.items()
    if name == "Ref" and isinstance(arg, str):
        return "${" + arg + "}"
    if name == "Fn::GetAtt":
        parts = arg.split(".") if isinstance(arg, str) else [str(part) for part in arg]
        return "${" + ".".join(parts) + "}"
    if name == "Fn::Sub":
        template = arg[0] if isinstance(arg, list) else arg
        return template if isinstance(template, str) else None
    if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        separator, items = arg
        return str(separator).join(
            str(_intrinsic(item) if isinstance(item, dict) else item) for item in items
        )
    return None


@dataclass(frozen=True, slots=True)
class Definition:
    """One corpus file: its name (the file name) and its text with the placeholders filled in."""

    name: str
    text: str


def definitions() -> Iterator[Definition]:
    """Every definition of the corpus, in file-name order, filled in; none when the corpus is absent."""
    folder = CORPUS / "defs"
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        raw = path.read_text(encoding="utf-8")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            yield Definition(path.name, _text(raw))  # not JSON (YAML, commented JSON): text rules only
            continue
        yield Definition(path.name, json.dumps(fill(value), indent=2, ensure_ascii=False))

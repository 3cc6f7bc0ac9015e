"""Every definition of the recorded AWS conformance cases ran on AWS, so none may have an ERROR here."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from stepstone.asl.load import load_definition
from stepstone.asl.validate import validate

REPO = Path(__file__).resolve().parents[2]
CASES = (
    Path(os.environ.get("STEPSTONE_CONFORMANCE_DIR") or REPO.parent / "shared" / "conformance")
    / "public.jsonl"
)
LAMBDA = re.compile(r"\$\{lambda:([^}]+)\}")

_PLACEHOLDER = (
    "the recorder replaced the timestamp operand with the placeholder word 'date'; AWS saw a real one"
)
#: case id -> why validate() rejects a definition that AWS accepted.
KNOWN_GAPS: dict[str, str] = {
    "c3194be3fae6-test_timestamp_greater_than_0": _PLACEHOLDER,
    "3df75be83c5d-test_timestamp_greater_than_2": _PLACEHOLDER,
    "8c3b68cc5422-test_timestamp_equals_2": _PLACEHOLDER,
    "a3505a785102-test_timestamp_equals_4": _PLACEHOLDER,
    "a0de374a29be-test_timestamp_greater_than_equals_1": _PLACEHOLDER,
}


def _cases() -> list[Any]:
    if not CASES.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no conformance cases at {CASES.name}"))]
    params = []
    for line in CASES.read_text().splitlines():
        if line.strip():
            case = json.loads(line)
            gap = KNOWN_GAPS.get(case["id"])
            marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
            params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


@pytest.mark.parametrize("case", _cases())
def test_aws_accepted_definitions_have_no_errors(case: dict[str, Any]) -> None:
    # `${lambda:NAME}` stands for a function ARN, as the cases' README says.
    text = LAMBDA.sub(r"arn:aws:lambda:us-east-1:123456789012:function:\1", case["definition"])
    definition, diagnostics = load_definition(text)
    diagnostics += validate(definition)
    assert [str(d) for d in diagnostics if d.is_error] == []


def test_every_known_gap_is_a_real_case() -> None:
    if not CASES.exists():
        pytest.skip("no conformance cases")
    ids = {json.loads(line)["id"] for line in CASES.read_text().splitlines() if line.strip()}
    assert set(KNOWN_GAPS) <= ids

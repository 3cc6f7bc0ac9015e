"""`stepstone validate FILE [--json]`: the diagnostics, a summary line, and the exit code."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stepstone.cli.main import main
from tests.asl.definitions import APPROVAL_WITH_COMMENT, ORDER_PIPELINE

BROKEN = {"StartAt": "GetApproval", "States": {"GetApproval": {"Type": "Pass", "Next": "Gone"}}}


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_valid_definition_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "order.json", json.dumps(ORDER_PIPELINE))
    assert main(["validate", path]) == 0
    assert capsys.readouterr().out == f"{path}: valid (0 errors, 0 warnings)\n"


def test_warnings_alone_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "approval.json", APPROVAL_WITH_COMMENT)
    assert main(["validate", path]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("WARNING  /  COMMENT_IGNORED  Line 11, column 43")
    assert lines[-1] == f"{path}: valid (0 errors, 1 warning)"


def test_errors_are_listed_with_pointer_and_code_and_exit_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "broken.json", json.dumps(BROKEN))
    assert main(["validate", path]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "ERROR  /States/GetApproval/Next  MISSING_TRANSITION_TARGET  Missing 'Next' target: Gone",
        "ERROR  /States                   MISSING_END_STATE          Workflow has no terminal state",
        f"{path}: invalid (2 errors, 0 warnings)",
    ]


def test_json_output_is_the_aws_response_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "broken.json", json.dumps(BROKEN))
    assert main(["validate", path, "--json"]) == 1
    response = json.loads(capsys.readouterr().out)
    assert response["result"] == "FAIL"
    assert response["truncated"] is False
    assert response["diagnostics"][0] == {
        "severity": "ERROR",
        "code": "MISSING_TRANSITION_TARGET",
        "message": "Missing 'Next' target: Gone",
        "location": "/States/GetApproval/Next",
    }


def test_unreadable_text_is_an_invalid_description(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "bad.json", '{"StartAt": ')
    assert main(["validate", path, "--json"]) == 1
    response = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in response["diagnostics"]] == ["INVALID_JSON_DESCRIPTION"]


def test_yaml_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("StartAt: A\nStates:\n  A:\n    Type: Succeed\n"))
    assert main(["validate", "-"]) == 0
    assert capsys.readouterr().out == "-: valid (0 errors, 0 warnings)\n"


def test_a_missing_file_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err

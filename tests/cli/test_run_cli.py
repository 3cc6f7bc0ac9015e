from __future__ import annotations

import json
from pathlib import Path

import pytest

from stepstone.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "approval"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object] | None, str]:
    code = main(["run", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_a_succeeding_definition_prints_its_result_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.asl.json"
    state = {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": True}
    path.write_text(json.dumps({"StartAt": "P", "States": {"P": state}}))
    code, out, _ = run(capsys, str(path), "--input", '{"a": 2}')
    assert code == 0
    assert out == {"status": "SUCCEEDED", "output": {"a": 2, "r": {"x": 1}}, "error": None, "cause": None}


def test_yaml_and_input_files_and_failures_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("StartAt: F\nStates:\n  F:\n    Type: Fail\n    Error: Nope\n    Cause: because\n")
    (tmp_path / "in.json").write_text('{"k": 1}')
    code, out, _ = run(capsys, str(path), "--input-file", str(tmp_path / "in.json"))
    assert code == 1 and out is not None
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "Nope", "because")


def test_functions_files_serve_lambda_arns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "fns.py").write_text("def double(event, context):\n    return {'n': event['n'] * 2}\n")
    path = tmp_path / "m.json"
    arn = "arn:aws:lambda:us-east-1:123456789012:function:double"
    path.write_text(
        json.dumps({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": arn, "End": True}}})
    )
    code, out, _ = run(capsys, str(path), "--functions", str(tmp_path / "fns.py"), "--input", '{"n": 21}')
    assert code == 0 and out is not None and out["output"] == {"n": 42}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"StartAt": "Nowhere", "States": {"P": {"Type": "Pass", "End": true}}}', "Nowhere"),
        ("{not json", "INVALID_JSON_DESCRIPTION"),
    ],
)
def test_a_bad_definition_exits_2_with_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    code, out, err = run(capsys, str(path))
    assert code == 2 and out is None and message in err


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}')
    code, out, err = run(capsys, str(path), "--input", "{oops")
    assert code == 2 and out is None and "not JSON" in err


def test_the_approval_example_waits_for_its_callback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROVAL_OUTBOX", str(tmp_path))
    args = [str(EXAMPLES / "approval.asl.json"), "--functions", str(EXAMPLES / "functions.py")]
    code, out, err = run(capsys, *args, "--input", '{"requestId": "r1"}')
    assert code == 1 and out == {"status": "RUNNING", "output": None, "error": None, "cause": None}
    assert "waiting for a callback (GetApproval)" in err
    assert "comment ignored" in err  # the article's // comment is kept in the file and reported
    record = json.loads((tmp_path / "r1.json").read_text())
    assert record["requestId"] == "r1" and record["taskToken"]
    assert record["taskToken"] not in err  # the notification never carries the token
    assert (tmp_path / "r1.json").stat().st_mode & 0o077 == 0


def test_the_timeout_example_ends_at_approval_timed_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROVAL_OUTBOX", str(tmp_path))
    args = [str(EXAMPLES / "approval-timeout.asl.json"), "--functions", str(EXAMPLES / "functions.py")]
    code, out, _ = run(capsys, *args, "--input", '{"requestId": "r2"}')
    assert code == 1 and out is not None
    assert (out["status"], out["error"]) == ("FAILED", "ApprovalTimedOut")

"""Loading a mock configuration file: what it means, and a clear error for each kind of mistake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stepstone.integrations.mock_config import ENV_VAR, MockConfig, MockConfigError

GOOD: dict[str, Any] = {
    "StateMachines": {"Orders": {"TestCases": {"Happy": {"Charge": "Charged", "Ship": "Shipped"}}}},
    "MockedResponses": {
        "Charged": {"0": {"Throw": {"Error": "Card.Declined", "Cause": "insufficient"}},
                    "1-2": {"Throw": {"Error": "Lambda.TooManyRequestsException"}},
                    "3": {"Return": {"charged": True}}},
        "Shipped": {"0": {"Return": {"tracking": "T1"}}},
    },
}  # fmt: skip


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(document))
    return path


def test_invocation_numbers_and_ranges_pick_the_answer(tmp_path: Path) -> None:
    config = MockConfig.load(write(tmp_path, GOOD))
    case = config.test_case("Orders", "Happy")
    assert case is not None and set(case.states) == {"Charge", "Ship"}
    charge = case.states["Charge"]
    assert [charge.answer(n).error for n in range(4)] == [
        "Card.Declined", "Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException", None,
    ]  # fmt: skip
    assert charge.answer(1).cause == ""
    assert charge.answer(3).output == {"charged": True}
    assert charge.answer(9).output == {"charged": True}  # past the last: the last again
    assert config.test_case("Orders", "Sad") is None and config.test_case("Other", "Happy") is None


def test_the_environment_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert MockConfig.from_env() is None
    monkeypatch.setenv(ENV_VAR, str(write(tmp_path, GOOD)))
    loaded = MockConfig.from_env()
    assert loaded is not None and "Orders" in loaded.machines


def mutated(change: str) -> Any:
    document = json.loads(json.dumps(GOOD))
    exec(change, {"d": document})
    return document


@pytest.mark.parametrize(
    ("change", "pointer", "problem"),
    [
        ("d['StateMachines']['Orders']['TestCases']['Happy']['Ship'] = 'Nope'",
         "/StateMachines/Orders/TestCases/Happy/Ship", "names the response 'Nope'"),
        ("d['StateMachines']['Orders']['TestCases']['Happy']['Ship'] = 3",
         "/StateMachines/Orders/TestCases/Happy/Ship", "must name a response"),
        ("d['StateMachines']['Orders'] = {'Cases': {}}", "/StateMachines/Orders", "needs TestCases"),
        ("d['StateMachines'] = []", "/StateMachines", "must be an object, not an array"),
        ("d['MockedResponses']['Shipped'] = {'first': {'Return': 1}}",
         "/MockedResponses/Shipped/first", "an invocation number ('0') or range ('1-2') is expected"),
        ("d['MockedResponses']['Shipped'] = {'3-1': {'Return': 1}}",
         "/MockedResponses/Shipped/3-1", "the range ends (1) before it starts (3)"),
        ("d['MockedResponses']['Shipped'] = {'0-2': {'Return': 1}, '2': {'Return': 2}}",
         "/MockedResponses/Shipped", "invocation 2 is answered twice"),
        ("d['MockedResponses']['Shipped'] = {}", "/MockedResponses/Shipped", "at least one invocation"),
        ("d['MockedResponses']['Shipped']['0'] = {'Return': 1, 'Throw': {'Error': 'E'}}",
         "/MockedResponses/Shipped/0", "exactly one of Return or Throw"),
        ("d['MockedResponses']['Shipped']['0'] = {'Returns': 1}",
         "/MockedResponses/Shipped/0", "exactly one of Return or Throw"),
        ("d['MockedResponses']['Shipped']['0'] = {'Throw': {'Cause': 'c'}}",
         "/MockedResponses/Shipped/0/Throw", "Throw needs an Error"),
        ("d['MockedResponses']['Shipped']['0'] = {'Throw': {'Error': 5}}",
         "/MockedResponses/Shipped/0/Throw/Error", "must be a string"),
        ("d['MockedResponses']['Shipped']['0'] = {'Throw': {'Error': 'E', 'Reason': 'r'}}",
         "/MockedResponses/Shipped/0/Throw/Reason", "unknown field"),
        ("d['MockedResponses']['a/b'] = {'x': {'Return': 1}}", "/MockedResponses/a~1b/x", "invocation"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_file_the_place_and_the_problem(
    tmp_path: Path, change: str, pointer: str, problem: str
) -> None:
    path = write(tmp_path, mutated(change))
    with pytest.raises(MockConfigError) as raised:
        MockConfig.load(path)
    assert raised.value.source == str(path)
    assert raised.value.pointer == pointer
    assert problem in raised.value.problem
    assert str(raised.value).startswith(f"{path}: {pointer}: ")


def test_a_file_that_is_missing_or_not_json_is_named(tmp_path: Path) -> None:
    with pytest.raises(MockConfigError, match="cannot read the file"):
        MockConfig.load(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"StateMachines": ')
    with pytest.raises(MockConfigError, match=r"broken.json: /: not JSON"):
        MockConfig.load(broken)
    with pytest.raises(MockConfigError, match=r": /: must be an object, not an array"):
        MockConfig.load(write(tmp_path, []))


def test_fields_of_its_own_at_the_top_are_left_alone(tmp_path: Path) -> None:
    """Some files keep their expected results beside the mocks (a top-level `Assert`)."""
    config = MockConfig.load(write(tmp_path, {**GOOD, "Assert": {"Orders": []}}))
    assert "Orders" in config.machines

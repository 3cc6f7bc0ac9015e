"""JSONPath against Jayway's grammar and results, kept as data in jayway_cases.json.

Each case is parsed (it must parse, or be refused as Jayway refuses it), printed canonically and
read back, then evaluated against its document: a definite path gives its value or Jayway's reason
for a miss, an indefinite one the list of what it selects. Known gaps are listed in KNOWN_GAPS, as
strict xfails. The run-time error texts are checked through the interpreter, and every accepted
form through the validator, since definitions carry these paths.
"""

from __future__ import annotations

import json
from pathlib import Path as FilePath
from typing import Any

import pytest

from stepstone.asl.env import Env
from stepstone.asl.paths import PathNotFound, PathSyntaxError, parse_path, parse_reference_path
from stepstone.asl.validate import validate
from tests.engine.harness import start

DATA = json.loads((FilePath(__file__).parent / "jayway_cases.json").read_text(encoding="utf-8"))
DOCUMENTS: dict[str, Any] = DATA["documents"]
CASES: list[dict[str, Any]] = DATA["cases"]
CONTEXT = {"Execution": {"Name": "run-1"}}

#: path -> why we differ from Jayway there (each runs as a strict xfail).
KNOWN_GAPS: dict[str, str] = {
    "$.items[?(@.tags[*])].id": "an indefinite path in an exists check holds only when it selects something",
}


def _param(case: dict[str, Any], gaps: dict[str, str] | None = None) -> Any:
    reason = (gaps or {}).get(case["path"])
    marks = [] if reason is None else [pytest.mark.xfail(reason=reason, strict=True)]
    return pytest.param(case, id=repr(case["path"]), marks=marks)


ACCEPTED = [_param(c) for c in CASES if not c.get("syntax_error")]
EVALUATED = [_param(c, KNOWN_GAPS) for c in CASES if not c.get("syntax_error")]
REFUSED = [_param(c) for c in CASES if c.get("syntax_error")]


def _env(case: dict[str, Any]) -> Env:
    return Env(context=DOCUMENTS[case["doc"]] if case.get("root") == "context" else CONTEXT, variables={})


@pytest.mark.parametrize("case", ACCEPTED)
def test_parses_canonically_and_round_trips(case: dict[str, Any]) -> None:
    path = parse_path(case["path"])
    if "canonical" in case:
        assert str(path) == case["canonical"]
    assert parse_path(str(path)) == path
    if "definite" in case:
        assert path.definite is case["definite"]


@pytest.mark.parametrize("case", EVALUATED)
def test_evaluates_as_jayway(case: dict[str, Any]) -> None:
    path = parse_path(case["path"])
    document = DOCUMENTS[case["doc"]]
    if "not_found" in case:
        assert path.definite
        with pytest.raises(PathNotFound) as info:
            path.evaluate(document, _env(case))
        assert (info.value.path, info.value.reason) == (case["path"], case["not_found"])
        return
    result = path.evaluate({} if case.get("root") == "context" else document, _env(case))
    assert result == case["result"]
    assert isinstance(result, list) or path.definite


@pytest.mark.parametrize("case", REFUSED)
def test_refused_as_jayway_refuses_it(case: dict[str, Any]) -> None:
    with pytest.raises(PathSyntaxError) as info:
        parse_path(case["path"])
    assert 0 <= info.value.offset <= len(case["path"])
    assert str(info.value).splitlines()[-1] == "  " + " " * info.value.offset + "^"


@pytest.mark.parametrize("text", sorted({c["path"] for c in CASES if not c.get("syntax_error")}))
def test_definitions_with_these_paths_validate(text: str) -> None:
    state = {"Type": "Pass", "InputPath": text, "Parameters": {"v.$": text}, "End": True}
    assert [d for d in validate({"StartAt": "S", "States": {"S": state}}) if d.severity == "ERROR"] == []


def test_reference_paths_stay_single_node() -> None:
    assert parse_reference_path("$.[0].a").path.steps == (0, "a")
    for text in ("$['a','b']", "$[(@.length-1)]", "$.a[?(@.b)]", "$..a"):
        with pytest.raises(PathSyntaxError):
            parse_reference_path(text)


# ---------------------------------------------------------------------------------------------------
# Run-time error texts, through the interpreter (AWS's wording around Jayway's reason)


def _machine(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": {**state, "End": True}}}


def _cause(detail: str) -> str:
    return f"An error occurred while executing the state 'S' (entered at the event id #2). {detail}"


@pytest.mark.parametrize(
    ("field", "path", "data", "reason"),
    [
        ("InputPath", "$.a.b", {}, "Missing property in path $['a']"),
        ("OutputPath", "$.list.length()", {"list": [1]}, "Property ['length()'] not found in path $['list']"),
        ("InputPath", "$.a[3]", {"a": [1]}, "Index out of bounds when evaluating path $['a'][3]"),
        ("OutputPath", "$.n[0]", {"n": None}, "The path $['n'] is null"),
        ("InputPath", "$.a ", {"b": 1}, "No results for path: $['a']"),
    ],
)
def test_a_definite_miss_is_states_runtime_with_jayways_reason(
    field: str, path: str, data: Any, reason: str
) -> None:
    run = start(_machine({"Type": "Pass", field: path}), data)
    assert run.state is not None and (run.state.status, run.state.error) == ("FAILED", "States.Runtime")
    assert run.state.cause == _cause(f"Invalid path '{path}' : {reason}")


def test_a_parameters_miss_names_the_field_and_the_input() -> None:
    run = start(_machine({"Type": "Pass", "Parameters": {"v.$": "$.Snapshots.[5].State"}}), {"Snapshots": []})
    assert run.state is not None and run.state.error == "States.Runtime"
    assert run.state.cause == _cause(
        "The JSONPath '$.Snapshots.[5].State' specified for the field 'v.$' could not be found "
        "in the input '{\"Snapshots\":[]}'"
    )


def test_indefinite_paths_never_fail_and_new_forms_run_end_to_end() -> None:
    parameters = {
        "none.$": "$.item.items[*]",
        "failed.$": "$..QualityResults[?(@.constraint_status==Failure)].id",
        "picked.$": "$.[?(@.n > 1 && @.n < 4)].n",
        "pairs.$": "$.[*].['n', 'id']",
        "name.$": "$$.Execution.Name ",
        "quoted.$": "$.[0]['Test\\\"Name']",
    }
    failure = {"constraint_status": "Failure", "id": 7}
    data = [{"n": 1, "id": "a", 'Test"Name': "q", "QualityResults": [failure]}, {"n": 3}]
    run = start(_machine({"Type": "Pass", "InputPath": "$", "Parameters": parameters}), data)
    assert run.state is not None and run.state.status == "SUCCEEDED", run.state and run.state.cause
    assert run.state.output == {
        "none": [],
        "failed": [7],
        "picked": [3],
        "pairs": [{"n": 1, "id": "a"}, {"n": 3}],
        "name": "run-1",
        "quoted": "q",
    }

"""The pytest plugin, tested the way pytest's guide says: run test files with `pytester`."""

from __future__ import annotations

import json
import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "approval"

USER_TESTS = """
import json
import pytest

DEFINITION = {
    "StartAt": "Charge",
    "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "charge"}, "Next": "Cool"},
        "Cool": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture
def stepstone_mock_config(tmp_path):
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps({
        "StateMachines": {"shop": {"TestCases": {"Paid": {"Charge": "Ok"}}}},
        "MockedResponses": {"Ok": {"0": {"Return": {"Payload": {"paid": True}}}}},
    }))
    return path


def test_paid_then_a_day_later_done(stepstone, sfn):
    arn = stepstone.create("shop", DEFINITION)
    run = stepstone.start(arn, {}, test_case="Paid")
    assert sfn.describe_execution(executionArn=run)["status"] == "RUNNING"
    stepstone.advance("1d")
    stepstone.assert_path(run, ["Charge", "Cool", "Done"])
    assert stepstone.output(run) == {"Payload": {"paid": True}}


def test_a_wrong_path_is_reported(stepstone):
    arn = stepstone.create("shop", DEFINITION)
    run = stepstone.start(arn, {}, test_case="Paid")
    stepstone.assert_path(run, ["Charge", "Done"])
"""


def test_installing_stepstone_registers_the_plugin() -> None:
    found = [e for e in entry_points(group="pytest11") if e.name == "stepstone"]
    assert [e.value for e in found] == ["stepstone.testkit.plugin"]


def test_a_users_tests_get_the_fixtures_the_mock_file_and_the_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_shop=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert "path taken ['Charge', 'Cool'], expected ['Charge', 'Done']" in result.stdout.str()


def test_without_the_plugin_the_fixtures_are_missing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_shop=USER_TESTS)
    result = pytester.runpytest("-p", "no:stepstone", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*fixture 'stepstone' not found*"])


def test_the_approval_example_approves_rejects_and_times_out(pytester: pytest.Pytester) -> None:
    for name in ("test_approval.py", "functions.py", "approval-timeout.asl.json"):
        (pytester.path / name).write_text((EXAMPLE / name).read_text())
    result = pytester.runpytest("-p", "no:cacheprovider", "--durations=0", "-vv")
    result.assert_outcomes(passed=3)
    calls = [line for line in result.stdout.lines if " call " in line and "test_approval.py::" in line]
    assert len(calls) == 3
    for line in calls:  # each scenario's own call runs in milliseconds
        assert float(line.split("s", 1)[0]) < 0.5, line


def test_a_bad_database_choice_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture\ndef stepstone_database():\n    return 'oracle'\n"
    )
    pytester.makepyfile(test_one="def test_it(stepstone):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*stepstone_database is 'memory' or 'sqlite'*"])


def test_the_sqlite_database_is_a_fresh_file_per_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture\ndef stepstone_database():\n    return 'sqlite'\n"
    )
    pytester.makepyfile(
        test_two="""
def test_first(stepstone, stepstone_server):
    assert stepstone_server.config.db.exists()
    stepstone.create("m", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

def test_second(sfn):
    assert sfn.list_state_machines()["stateMachines"] == []
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert json.dumps(result.outlines)  # the run printed something parseable (no crash in teardown)


def test_the_readme_example_runs_on_a_real_mock_file(pytester: pytest.Pytester) -> None:
    """The README's plugin example, as written, against the corpus's LambdaSQSIntegration sample."""
    from tests.testkit.corpus import corpus_dir, deployable

    corpus = corpus_dir()
    if corpus is None and not os.environ.get("CI"):
        pytest.skip("the shared corpus is not on this machine")
    assert corpus is not None, "CI needs the shared corpus ($STEPSTONE_CORPUS_DIR)"
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Testing a workflow", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_readme="import pytest\nfrom pathlib import Path\n\n" + code)
    sample = "serverless-test-samples__python-test-samples__step-functions-local-mock__statemachine__"
    (pytester.path / "MockConfigFile.json").write_text(
        (corpus / "mocks" / f"{sample}test__MockConfigFile.json").read_text()
    )
    (pytester.path / "statemachine.asl.json").write_text(
        deployable(corpus / "defs" / f"{sample}local_testing.asl.json")
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)

"""Every real-world definition AWS deploys passes `stepstone validate`; those broken where they live do not.

The corpus (568 definitions from public repositories) is filled in the way a deploy tool fills it
(`tests/asl/corpus.py`), then checked exactly as `stepstone validate FILE` checks a file. The session
ends with a line saying how many were accepted.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from stepstone.cli.validate import diagnose
from tests.asl.corpus import CORPUS, Definition, definitions, fill, lambda_arn

#: Definitions that are invalid in their own repositories (read from each file): AWS refuses them too.
BROKEN: dict[str, str] = {
    "AWS_SERVERLESS_DPUs_GLUE_ETL__step_function.json": "13-digit placeholder account in the ARNs",
    "Lambda-code-Postgres-Long-running-report__stepfunction.json": (
        "StartAt names a state that is not defined"
    ),
    "StepFunctions_Local_Demo__statemachine.json": "Lambda ARNs with no region or account",
    "alexa-salus-it500__src__aws__step_function.json": "placeholder account 'xyz'",
    "aws-step-functions-craps-workshop__statemachine.json": "'<INSERT DICE LAMBDA ARN HERE>' placeholder",
    "aws-stepfunctions-samples__statemachine.json": "empty Resource strings",
    "chargeflow__step_function.json": "Next names states that are not defined; a Catch without Next",
    "dynamic_step_function__state_machine.json": "placeholder account 'AWS_ACCOUNT' in the ARNs",
    "general-annotation__state-machine.asl.json": (
        "a field (PayloadResponseOnly) Step Functions does not have"
    ),
    "job-scraper__state_machine.asl.json": "placeholder 'REGION:ACCOUNT_ID' in the ARNs",
    "second-look-doc-repo__statemachine__malware-detector.asl.json": (
        "StartAt names a state that is not defined"
    ),
    "serverless-patterns__sfn-tasktoken-lambda__main.tf__jsonencode_3827.json": (
        "Terraform data reference in an ARN"
    ),
    "serverless_batch_etl__state_machine.json": "placeholder account 'XXXXXXXXXXXX'",
    "step-functions-agent__step-functions__agent-with-tools-flow-template.json": (
        "Choices name undefined states"
    ),
    "step-functions-agent__step-functions__dynamic-agent-template.json": "template placeholders in Items",
    "step-functions-agent__step-functions__dynamic-sql-agent-template.json": "template placeholders in Items",
    "step-functions-agent__step-functions__supervisor-agent-flow-template.json": "Choice rules without Next",
    "step-functions-agent__step-functions__supervisor-with-agentcore.json": "Arguments in a JSONPath state",
    "step-functions-agent__step-functions__web-search-agent.json": "calls an intrinsic AWS does not have",
    "step-functions-database-restore__main.tf__jsonencode_960.json": "Terraform expressions left as strings",
    "step-functions-database-restore__modules__restore-aurora__step_functions.tf__jsonencode_1130.json": (
        "Terraform expressions left as strings"
    ),
    "step-functions-runtask-retry__state-machine.json": "placeholder account '1234'",
    "step-functions-workflows-collection__sfn-datazone-update-metadata-cdk__typescript__statemachine__"
    "statemachine.asl.json": "a Lambda ARN with no region or account (CDK fills it in)",
    "step-functions-workflows-collection__shared-fallback-state-jsonata__statemachine__"
    "statemachine.asl.json": "QueryLanguage written inside States",
}

#: Verdicts of this session, for the summary line (see tests/asl/conftest.py).
OUTCOMES: Counter[str] = Counter()
CORPUS_DEFINITIONS = list(definitions())


def _params() -> list[object]:
    if not CORPUS_DEFINITIONS:
        reason = f"no corpus at {CORPUS.name}/ (set STEPSTONE_CORPUS_DIR)"
        marks = [] if os.environ.get("CI") == "true" else [pytest.mark.skip(reason=reason)]
        return [pytest.param(None, id="no-corpus", marks=marks)]
    return [pytest.param(definition, id=definition.name) for definition in CORPUS_DEFINITIONS]


def _errors(definition: Definition) -> list[str]:
    return [str(d) for d in diagnose(definition.text) if d.is_error]


@pytest.mark.parametrize("definition", _params())
def test_valid_where_it_lives_means_valid_here(definition: Definition | None) -> None:
    assert definition is not None, "the corpus is required under CI=true"
    found = _errors(definition)
    if definition.name in BROKEN:
        OUTCOMES["broken, refused" if found else "broken, accepted"] += 1
        assert found, f"broken where it lives ({BROKEN[definition.name]}), yet accepted"
    else:
        OUTCOMES["refused" if found else "accepted"] += 1
        assert found == []


def test_every_listed_file_is_in_the_corpus() -> None:
    if not CORPUS_DEFINITIONS:
        pytest.skip("no corpus")
    names = {definition.name for definition in CORPUS_DEFINITIONS}
    assert set(BROKEN) - names == set()


# The filling rules themselves --------------------------------------------------------------------


def test_a_whole_string_resource_becomes_a_function_arn() -> None:
    state = {"Type": "Task", "Resource": "${Process_Order.Arn}", "End": True}
    assert fill(state)["Resource"] == "arn:aws:lambda:us-east-1:123456789012:function:ProcessOrder"
    assert (
        lambda_arn("CheckStatusFunctionArn")
        == "arn:aws:lambda:us-east-1:123456789012:function:CheckStatusFunction"
    )


def test_numeric_placeholders_become_numbers_that_agree() -> None:
    filled = fill({"TimeoutSeconds": "${T}", "HeartbeatSeconds": "${H}", "Retry": [{"BackoffRate": "${B}"}]})
    assert filled == {"TimeoutSeconds": 300, "HeartbeatSeconds": 60, "Retry": [{"BackoffRate": 2}]}
    assert fill({"NumericGreaterThan": "${Limit}"}) == {"NumericGreaterThan": 1}


def test_pseudo_parameters_and_other_names_inside_strings() -> None:
    text = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:activity:${Name}"
    assert fill({"Resource": text}) == {"Resource": "arn:aws:states:us-east-1:123456789012:activity:Name"}
    assert fill({"Resource": "arn:${AwsPartition}:states:::sns:publish"}) == {
        "Resource": "arn:aws:states:::sns:publish"
    }
    assert fill({"TopicArn": "${Topic}", "${Key}": "x"}) == {"TopicArn": "Topic", "Key": "x"}


def test_cloudformation_intrinsics_become_the_strings_they_name() -> None:
    assert fill({"Resource": {"Fn::GetAtt": ["Worker", "Arn"]}}) == {"Resource": lambda_arn("Worker")}
    assert fill({"Resource": {"Ref": "Worker"}}) == {"Resource": lambda_arn("Worker")}
    assert fill({"TableName": {"Fn::Sub": "${AWS::Region}-orders"}}) == {"TableName": "us-east-1-orders"}
    joined = {"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "states"]]}
    assert fill({"X": joined}) == {"X": "arn:aws:states"}

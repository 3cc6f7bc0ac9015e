"""The real Step Functions Local mock files of the corpus, with their state machines from the same
repositories: every test case runs here to the outcome its repository's tests (or makefile queries)
expect. Retry intervals are skipped with the virtual clock instead of slept through.

The cases that leave a DynamoDB or SQS state unmocked (Step-Functions-Local-Testing's HappyPath and three
HybridPath cases) run against moto in server mode, with the table or queue their repository's setup
creates (AWS_CASES). Not run, and why (in NOT_RUN with its reason, and checked to load):
- step-functions-direct-integrations: its state machine is CDK code, not a definition in the corpus.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from stepstone.integrations.mock_config import MockConfig
from stepstone.testkit import Stepstone, TestServer
from tests.aws.motoserver import MotoServer
from tests.testkit.corpus import corpus_dir, deployable

CORPUS = corpus_dir()
# under CI the corpus must be there: nothing skips
pytestmark = pytest.mark.skipif(
    CORPUS is None and not os.environ.get("CI"), reason="the shared corpus is not on this machine"
)

History = list[dict[str, Any]]
Check = Callable[[str, History], None]

#: The input the LocalTesting samples start with (their events/sfn_valid_input.json has this shape).
CUSTOMER = {
    "data": {
        "firstname": "Jane", "lastname": "Doe",
        "identity": {"email": "jdoe@example.com", "ssn": "123-45-6789"},
        "address": {"street": "123 Main St", "city": "Columbus", "state": "OH", "zip": "43219"},
        "comments": "I am glad to sign-up for this program. Looking forward to different options.",
    }
}  # fmt: skip


def succeeded(status: str, history: History) -> None:
    assert status == "SUCCEEDED", [e["type"] for e in history][-3:]


def exited(state: str) -> Check:
    def check(status: str, history: History) -> None:
        succeeded(status, history)
        names = [e["stateExitedEventDetails"]["name"] for e in history if e["type"] == "TaskStateExited"]
        assert names.count(state) == 1, names

    return check


def entered_with(state: str, text: str) -> Check:
    def check(status: str, history: History) -> None:
        entered = [e for e in history if e.get("stateEnteredEventDetails", {}).get("name") == state]
        assert len(entered) == 1 and text in entered[0]["stateEnteredEventDetails"]["input"]

    return check


def retried(error: str, times: int, then_resource: str) -> Check:
    """`times` TaskFailed with `error`, then the TaskSucceeded of `then_resource` (the retry tests)."""

    def check(status: str, history: History) -> None:
        succeeded(status, history)
        seen = [
            e for e in history
            if (e["type"] == "TaskFailed" and e["taskFailedEventDetails"]["error"] == error)
            or (e["type"] == "TaskSucceeded" and e["taskSucceededEventDetails"]["resource"] == then_resource)
        ]  # fmt: skip
        assert [e["type"] for e in seen] == ["TaskFailed"] * times + ["TaskSucceeded"]

    return check


def lambda_retries(status: str, history: History) -> None:
    """RetryPath of the LambdaSQSIntegration samples: 1 ResourceNotReady, 2 Timeout, then both states exit."""
    both_exited(status, history)
    errors = [e["taskFailedEventDetails"]["error"] for e in history if e["type"] == "TaskFailed"]
    assert errors == [
        "Lambda.ResourceNotReadyException",
        "Lambda.TimeoutException",
        "Lambda.TimeoutException",
    ]


def both_exited(status: str, history: History) -> None:
    succeeded(status, history)
    names = [e["stateExitedEventDetails"]["name"] for e in history if e["type"] == "TaskStateExited"]
    assert names == ["LambdaState", "SQSState"]
    assert sum(e["type"] == "TaskSucceeded" for e in history) == 2


def failed_with(error: str) -> Check:
    def check(status: str, history: History) -> None:
        assert status == "FAILED"
        assert history[-1]["executionFailedEventDetails"]["error"] == error

    return check


LOCAL_TESTING: dict[str, Check] = {
    "HappyPathTest": exited("CustomerAddedToFollowup"),
    "NegativeSentimentTest": exited("NegativeSentimentDetected"),
    "CustomValidationFailedCatchTest": entered_with(
        "CustomValidationFailed", "Check Identity Validation Failed"
    ),
    "ValidationExceptionCatchTest": entered_with("ValidationException", "Address Validation Exception"),
    "RetryOnServiceExceptionTest": retried("InternalServerException", 3, "comprehend:detectSentiment"),
}
LAMBDA_SQS: dict[str, Check] = {
    "HappyPath": both_exited,
    "RetryPath": lambda_retries,
    "HybridPath": both_exited,
}
STOCKS = {
    case: exited("Record Transaction")
    for case in ("HappyPathSellStockTest", "HappyPathBuyStockTest", "CheckStockRetryOnServiceExceptionTest",
                 "SellStockRetryOnServiceExceptionTest")
}  # fmt: skip

_MOCK = "__statemachine__test__MockConfigFile.json"
#: mock file -> {state machine name: (definition file, input, {test case: expected outcome})}
CASES: dict[str, dict[str, tuple[str, Any, dict[str, Check]]]] = {
    "aws-stepfunctions-examples__sam__app-local-testing-mock-config" + _MOCK: {
        "LocalTesting": (
            "aws-stepfunctions-examples__sam__app-local-testing-mock-config__statemachine__local_testing.asl.json",
            CUSTOMER, LOCAL_TESTING,
        )
    },
    "aws-stepfunctions-examples__sam__demo-local-testing-using-java" + _MOCK: {
        "LocalTesting": (
            "aws-stepfunctions-examples__sam__demo-local-testing-using-java__statemachine__local_testing.asl.json",
            CUSTOMER, LOCAL_TESTING,
        )
    },
    "serverless-test-samples__python-test-samples__step-functions-local" + _MOCK: {
        "LocalTesting": (
            "serverless-test-samples__python-test-samples__step-functions-local__statemachine__local_testing.asl.json",
            CUSTOMER, LOCAL_TESTING,
        )
    },
    "serverless-test-samples__typescript-test-samples__step-functions-local" + _MOCK: {
        "LocalTesting": (
            "serverless-test-samples__typescript-test-samples__step-functions-local__statemachine__local_testing.asl.json",
            CUSTOMER, LOCAL_TESTING,
        )
    },
    "serverless-test-samples__python-test-samples__step-functions-local-mock" + _MOCK: {
        "LambdaSQSIntegration": (
            "serverless-test-samples__python-test-samples__step-functions-local-mock__statemachine__local_testing.asl.json",
            {"message": "hello"}, LAMBDA_SQS,
        )
    },
    "aws-sam-app-sample-projects__MockConfigFile.json": {
        "LambdaSQSIntegration": (
            "aws-sam-app-sample-projects__sqs-state-machine.json", {"message": "hello"},
            {"HappyPath": both_exited, "RetryPath": lambda_retries},
        )
    },
    "test-step-function-locally__MockConfigFile.json": {
        machine: (f"test-step-function-locally__{machine}.asl.json", {}, {
            "HappyPath": both_exited, "RetryPath": lambda_retries,
        })
        for machine in ("StateMachine", "StateMachine2")
    },
    "sam-stepfunctions-sdk-integration__state-machine__test__MockConfigFile.json": {
        "LocalTesting": (
            "sam-stepfunctions-sdk-integration__state-machine__state-machine.asl.json", {},
            {"HappyPathTest": succeeded, "FileNotFoundTest": failed_with("S3.NoSuchBucketException")},
        )
    },
    "aws-sam-app-sample-projects__step-functions-demo" + _MOCK: {
        "StockTradingLocalTesting": (
            "aws-sam-app-sample-projects__step-functions-demo__statemachine__stock_trader.asl.json",
            {}, STOCKS,
        )
    },
}  # fmt: skip

#: (mock file, state machine, test case) -> why it cannot run here.
NOT_RUN = {
    ("step-functions-direct-integrations__direct-integration__infra__test__MockConfigFile.json",
     "DirectIntegrationTest", "HappyPath"): "the state machine is CDK code, not a definition in the corpus",
}  # fmt: skip

#: The LambdaSQSIntegration samples' HybridPath: the mocked Lambda's result is what SQSState sends.
LAMBDA_RESULT = {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}
#: (mock file, state machine, test case) -> (definition, input, what the repository's setup creates in AWS:
#: ("table", name) or ("queue", name)); the repository's own test setup names each resource:
#: Step-Functions-Local-Testing runs in an account holding the `Orders` table (key `OrderId`) its machine
#: names, and starts with input.json (`{"OrderId": "1"}`); aws-sam-app-sample-projects' README creates
#: `sqsQueue`; test-step-function-locally creates nothing, so the queue its definitions name (`myQueue`)
#: is made here.
AWS_CASES: dict[tuple[str, str, str], tuple[str, Any, tuple[str, str]]] = {
    ("Step-Functions-Local-Testing__MockConfigFile.json", "MyStateMachine", "HappyPath"):
        ("Step-Functions-Local-Testing__state-machine.asl.json", {"OrderId": "1"}, ("table", "Orders")),
    ("aws-sam-app-sample-projects__MockConfigFile.json", "LambdaSQSIntegration", "HybridPath"):
        ("aws-sam-app-sample-projects__sqs-state-machine.json", {"message": "hello"}, ("queue", "sqsQueue")),
    **{
        ("test-step-function-locally__MockConfigFile.json", machine, "HybridPath"):
            (f"test-step-function-locally__{machine}.asl.json", {}, ("queue", "myQueue"))
        for machine in ("StateMachine", "StateMachine2")
    },
}  # fmt: skip

RUNS = [
    pytest.param(mock, machine, case, id=f"{mock.split('__')[0]}:{machine}#{case}")
    for mock, machines in CASES.items()
    for machine, (_definition, _input, cases) in machines.items()
    for case in cases
]


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Stepstone, dict[str, str]]]]:
    """One server per mock file, started when first needed, with the file's state machines created."""
    started: dict[str, tuple[Stepstone, dict[str, str]]] = {}
    running: list[TestServer] = []

    def get(mock: str) -> tuple[Stepstone, dict[str, str]]:
        if mock not in started:
            assert CORPUS is not None
            folder = tmp_path_factory.mktemp("corpus")
            server = TestServer(folder / "stepstone.db", mock_config=CORPUS / "mocks" / mock).start()
            running.append(server)
            kit = Stepstone(server)
            arns = {
                machine: kit.create(machine, deployable(CORPUS / "defs" / definition))
                for machine, (definition, _input, _cases) in CASES[mock].items()
            }
            started[mock] = (kit, arns)
        return started[mock]

    yield _Lazy(get)  # type: ignore[misc]
    for server in running:
        server.stop()


class _Lazy(dict):  # type: ignore[type-arg]
    def __init__(self, get: Callable[[str], tuple[Stepstone, dict[str, str]]]) -> None:
        super().__init__()
        self._get = get

    def __missing__(self, key: str) -> tuple[Stepstone, dict[str, str]]:
        return self._get(key)


@pytest.mark.parametrize(("mock", "machine", "case"), RUNS)
def test_test_case_runs_to_the_outcome_its_repository_expects(
    servers: dict[str, tuple[Stepstone, dict[str, str]]], mock: str, machine: str, case: str
) -> None:
    kit, arns = servers[mock]
    _definition, execution_input, cases = CASES[mock][machine]
    run = kit.start(arns[machine], execution_input, test_case=case)
    kit.advance("1h")  # the retry intervals and Waits Step Functions Local sleeps through
    cases[case](kit.status(run), kit.history(run))


@pytest.mark.parametrize(
    ("mock", "machine", "case"),
    [pytest.param(*key, id=f"{key[0].split('__')[0]}:{key[1]}#{key[2]}") for key in AWS_CASES],
)
def test_unmocked_dynamodb_and_sqs_states_reach_moto(
    moto: MotoServer, tmp_path: Any, mock: str, machine: str, case: str
) -> None:
    assert CORPUS is not None
    definition, execution_input, (kind, name) = AWS_CASES[mock, machine, case]
    dynamodb: Any = moto.client("dynamodb")
    sqs: Any = moto.client("sqs")
    if kind == "table":
        dynamodb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "OrderId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "OrderId", "AttributeType": "S"}],
        )  # fmt: skip
    else:
        queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    # started after `moto`: its AWS calls go to moto (AWS_ENDPOINT_URL)
    with TestServer(tmp_path / "stepstone.db", mock_config=CORPUS / "mocks" / mock) as server:
        kit = Stepstone(server)
        arn = kit.create(machine, deployable(CORPUS / "defs" / definition))
        run = kit.start(arn, execution_input, test_case=case)
        kit.advance("1h")
        kit.wait_until_done(run)
        status, history = kit.status(run), kit.history(run)
    if kind == "table":
        # the mocked GetItem finds no Item, so the Choice's Default puts the order: it is in the table now
        exited("DynamoDB PutItem")(status, history)
        item = dynamodb.get_item(TableName=name, Key={"OrderId": {"S": "1"}})
        assert item["Item"] == {"OrderId": {"S": "1"}}
    else:
        both_exited(status, history)
        [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
        assert json.loads(message["Body"]) == LAMBDA_RESULT
        sent = [e for e in history if e["type"] == "TaskSucceeded"][-1]["taskSucceededEventDetails"]
        assert (sent["resourceType"], sent["resource"]) == ("sqs", "sendMessage")
        assert json.loads(sent["output"])["MessageId"] == message["MessageId"]


def test_every_mock_file_loads_and_every_test_case_is_run_or_says_why_not() -> None:
    assert CORPUS is not None
    files = sorted(p.name for p in (CORPUS / "mocks").glob("*.json"))
    assert len(files) == 11
    every = set()
    for name in files:
        config = MockConfig.load(CORPUS / "mocks" / name)
        every |= {(name, m, c) for m, cases in config.machines.items() for c in cases}
    ran = {(mock, machine, case) for mock, machine, case in (p.values for p in RUNS)} | set(AWS_CASES)
    assert every == ran | set(NOT_RUN)
    assert not ran & set(NOT_RUN)
    assert len(ran) == 39 and len(NOT_RUN) == 1

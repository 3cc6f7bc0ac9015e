"""Versions and aliases through boto3 against a real server (SQLite and PostgreSQL), every answer
checked against botocore's output shapes, every refusal one of AWS's error codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stepstone.service.aliases import route
from stepstone.store.deployments import AliasRow
from tests.deploy.shapes import ShapeChecks
from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import wait_for

pytestmark = pytest.mark.slow
ROLE = "arn:aws:iam::123456789012:role/r"
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:g:*"


def says(result: str) -> str:
    return json.dumps({"StartAt": "S", "States": {"S": {"Type": "Pass", "Result": result, "End": True}}})


@pytest.fixture
def sfn(server: ServerProcess) -> Iterator[tuple[Any, ShapeChecks]]:
    checks = ShapeChecks()
    yield checks.attach(server.client()), checks
    assert checks.problems == []


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_publish_route_and_retire_versions(sfn: tuple[Any, ShapeChecks]) -> None:
    client, _ = sfn
    made = client.create_state_machine(
        name="shop", definition=says("one"), roleArn=ROLE, publish=True, versionDescription="first"
    )
    machine, v1 = made["stateMachineArn"], made["stateMachineVersionArn"]
    assert v1 == f"{machine}:1"
    described = client.describe_state_machine(stateMachineArn=v1)
    assert (described["stateMachineArn"], described["description"]) == (v1, "first")
    assert json.loads(described["definition"])["States"]["S"]["Result"] == "one"

    updated = client.update_state_machine(stateMachineArn=machine, definition=says("two"), publish=True)
    v2 = updated["stateMachineVersionArn"]
    assert v2 == f"{machine}:2"
    # the same definition again changes nothing: same revision, and publishing returns the same version
    again = client.update_state_machine(stateMachineArn=machine, definition=says("two"), publish=True)
    assert (again["revisionId"], again["stateMachineVersionArn"]) == (updated["revisionId"], v2)
    assert client.publish_state_machine_version(stateMachineArn=machine)["stateMachineVersionArn"] == v2
    with pytest.raises(ClientError) as stale:
        client.publish_state_machine_version(stateMachineArn=machine, revisionId="not-the-current-one")
    assert code(stale) == "ConflictException"
    listed = client.list_state_machine_versions(stateMachineArn=machine)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [v2, v1]  # newest first

    routing = [{"stateMachineVersionArn": v1, "weight": 30}, {"stateMachineVersionArn": v2, "weight": 70}]
    alias = client.create_state_machine_alias(name="PROD", routingConfiguration=routing, description="d")
    prod = alias["stateMachineAliasArn"]
    assert prod == f"{machine}:PROD"
    # idempotent when nothing differs; a conflict when something does
    same = client.create_state_machine_alias(name="PROD", routingConfiguration=routing, description="d")
    assert same["stateMachineAliasArn"] == prod
    with pytest.raises(ClientError) as differs:
        client.create_state_machine_alias(
            name="PROD", routingConfiguration=routing[:1] and [{"stateMachineVersionArn": v1, "weight": 100}]
        )
    assert code(differs) == "ConflictException"
    assert client.describe_state_machine_alias(stateMachineAliasArn=prod)["routingConfiguration"] == routing

    ran: dict[str, list[str]] = {v1: [], v2: []}
    row = AliasRow(
        prod, machine, "PROD", "d", json.dumps(routing), made["creationDate"], made["creationDate"]
    )
    for i in range(30):
        started = client.start_execution(stateMachineArn=prod, name=f"order-{i}")
        out = wait_for(client, started["executionArn"])
        assert out["stateMachineAliasArn"] == prod
        assert out["stateMachineVersionArn"] == route(row, f"order-{i}")  # the name decides, every time
        ran[out["stateMachineVersionArn"]].append(json.loads(out["output"]))
    assert set(ran[v1]) == {"one"} and set(ran[v2]) == {"two"}
    assert 3 <= len(ran[v1]) <= 18  # 30 % of 30, give or take what a hash gives
    on_v1 = client.list_executions(stateMachineArn=v1)["executions"]
    assert len(on_v1) == len(ran[v1]) and all(e["stateMachineVersionArn"] == v1 for e in on_v1)
    assert len(client.list_executions(stateMachineArn=prod)["executions"]) == 30
    everything = client.list_executions(stateMachineArn=machine)["executions"]
    assert len(everything) == 30 and all(e["stateMachineAliasArn"] == prod for e in everything)

    direct = client.start_execution(stateMachineArn=v1, name="direct")
    out = wait_for(client, direct["executionArn"])
    assert out["stateMachineVersionArn"] == v1 and "stateMachineAliasArn" not in out
    for_execution = client.describe_state_machine_for_execution(executionArn=direct["executionArn"])
    assert json.loads(for_execution["definition"])["States"]["S"]["Result"] == "one"
    assert for_execution["revisionId"] == described["revisionId"]

    with pytest.raises(ClientError) as referenced:
        client.delete_state_machine_version(stateMachineVersionArn=v1)
    assert code(referenced) == "ConflictException" and prod in str(referenced.value)
    client.update_state_machine_alias(
        stateMachineAliasArn=prod, routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}]
    )
    client.delete_state_machine_version(stateMachineVersionArn=v1)
    client.delete_state_machine_version(stateMachineVersionArn=v1)  # gone already: still fine
    with pytest.raises(ClientError) as gone:
        client.start_execution(stateMachineArn=v1)
    assert code(gone) == "StateMachineDoesNotExist"
    assert client.describe_execution(executionArn=direct["executionArn"])["status"] == "SUCCEEDED"
    aliases = client.list_state_machine_aliases(stateMachineArn=machine)["stateMachineAliases"]
    assert [a["stateMachineAliasArn"] for a in aliases] == [prod]
    assert client.list_state_machine_aliases(stateMachineArn=v2)["stateMachineAliases"] == aliases

    client.delete_state_machine(stateMachineArn=machine)  # takes its versions and aliases along
    with pytest.raises(ClientError) as no_alias:
        client.describe_state_machine_alias(stateMachineAliasArn=prod)
    assert code(no_alias) == "ResourceNotFound"


def test_every_alias_and_version_refusal_is_aws_shaped(sfn: tuple[Any, ShapeChecks]) -> None:
    client, _ = sfn
    machine = client.create_state_machine(name="m", definition=says("x"), roleArn=ROLE, publish=True)
    v1 = machine["stateMachineVersionArn"]
    other = client.create_state_machine(name="o", definition=says("y"), roleArn=ROLE, publish=True)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "A", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 60}]},
         "ValidationException"),  # weights must sum to 100
        ({"name": "A", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 50},
                                                {"stateMachineVersionArn": v1, "weight": 50}]},
         "ValidationException"),  # twice the same version
        ({"name": "A", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 50},
          {"stateMachineVersionArn": other["stateMachineVersionArn"], "weight": 50}]},
         "ValidationException"),  # versions of two machines
        ({"name": "A", "routingConfiguration": [{"stateMachineVersionArn": v1[:-1] + "9", "weight": 100}]},
         "ResourceNotFound"),  # no such version
        ({"name": "A", "routingConfiguration": [
            {"stateMachineVersionArn": machine["stateMachineArn"], "weight": 100}]},
         "ValidationException"),  # not a version
        ({"name": "123", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]},
         "ValidationException"),  # a number would read as a version
    ]  # fmt: skip
    for request, expected in cases:
        with pytest.raises(ClientError) as refused:
            client.create_state_machine_alias(**request)
        assert code(refused) == expected, request
    with pytest.raises(ClientError) as bad_arn:
        client.describe_state_machine_alias(stateMachineAliasArn="arn:aws:states:us-east-1:123456789012:nope")
    assert code(bad_arn) == "InvalidArn"
    with pytest.raises(ClientError) as no_desc:
        client.update_state_machine(
            stateMachineArn=machine["stateMachineArn"], definition=says("z"), versionDescription="x"
        )
    assert code(no_desc) == "ValidationException"
    with pytest.raises(ClientError) as nothing:
        client.update_state_machine(stateMachineArn=machine["stateMachineArn"])
    assert code(nothing) == "MissingRequiredParameter"
    with pytest.raises(ClientError) as qualified:
        client.delete_state_machine(stateMachineArn=v1)
    assert code(qualified) == "ValidationException"
    for i in range(100):
        client.create_state_machine_alias(
            name=f"a{i}", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
        )
    with pytest.raises(ClientError) as too_many:
        client.create_state_machine_alias(
            name="a100", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
        )
    assert code(too_many) == "ServiceQuotaExceededException"


def test_configuration_is_kept_and_returned(sfn: tuple[Any, ShapeChecks]) -> None:
    client, _ = sfn
    logging = {
        "level": "ERROR", "includeExecutionData": True,
        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}],
    }  # fmt: skip
    encryption = {
        "type": "CUSTOMER_MANAGED_KMS_KEY",
        "kmsKeyId": "alias/k",
        "kmsDataKeyReusePeriodSeconds": 120,
    }
    arn = client.create_state_machine(
        name="c", definition=says("x"), roleArn=ROLE, loggingConfiguration=logging,
        tracingConfiguration={"enabled": True}, encryptionConfiguration=encryption, publish=True,
    )["stateMachineArn"]  # fmt: skip
    out = client.describe_state_machine(stateMachineArn=arn)
    assert (out["loggingConfiguration"], out["tracingConfiguration"]) == (logging, {"enabled": True})
    assert out["encryptionConfiguration"] == encryption
    client.update_state_machine(stateMachineArn=arn, tracingConfiguration={"enabled": False})
    out = client.describe_state_machine(stateMachineArn=arn)
    assert out["tracingConfiguration"] == {"enabled": False} and out["loggingConfiguration"] == logging
    # the version keeps the settings it was published with
    assert client.describe_state_machine(stateMachineArn=f"{arn}:1")["tracingConfiguration"] == {
        "enabled": True
    }
    refusals = [
        ({"loggingConfiguration": {"level": "ALL"}}, "InvalidLoggingConfiguration"),
        ({"encryptionConfiguration": {"type": "CUSTOMER_MANAGED_KMS_KEY"}}, "InvalidEncryptionConfiguration"),
        (
            {"encryptionConfiguration": {"type": "AWS_OWNED_KEY", "kmsKeyId": "k"}},
            "InvalidEncryptionConfiguration",
        ),
    ]
    for extra, expected in refusals:
        with pytest.raises(ClientError) as refused:
            client.create_state_machine(name="bad", definition=says("x"), roleArn=ROLE, **extra)
        assert code(refused) == expected


def test_page_tokens_are_opaque_and_tamper_evident(sfn: tuple[Any, ShapeChecks]) -> None:
    client, _ = sfn
    for i in range(5):
        client.create_state_machine(name=f"p{i}", definition=says("x"), roleArn=ROLE)
    seen, token = [], None
    while True:
        page = client.list_state_machines(maxResults=2, **({"nextToken": token} if token else {}))
        seen += [m["name"] for m in page["stateMachines"]]
        token = page.get("nextToken")
        if token is None:
            break
        assert not token.isdigit()
    assert seen == [f"p{i}" for i in range(5)]
    first = client.list_state_machines(maxResults=2)["nextToken"]
    body, signature = first.split(".")
    forged = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + signature
    for bad in (forged, "2", first + "x", "not.a.token"):
        with pytest.raises(ClientError) as refused:
            client.list_state_machines(maxResults=2, nextToken=bad)
        assert code(refused) == "InvalidToken", bad
    with pytest.raises(ClientError) as elsewhere:  # a token of one listing does not page another
        client.list_activities(maxResults=2, nextToken=first)
    assert code(elsewhere) == "InvalidToken"

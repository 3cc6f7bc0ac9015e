"""StartSyncExecution as users call it: boto3 and the AWS CLI send it to a `sync-` prefixed host, and
the switches the README and the start-up message name are what make it work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from stepstone.api.express import SYNC_HELP
from tests.server.conftest import ServerProcess

pytestmark = pytest.mark.slow
AWS = Path(sys.executable).parent / "aws"
README = Path(__file__).resolve().parents[2] / "README.md"
DOUBLE = json.dumps({
    "StartAt": "D",
    "States": {"D": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, $.n)"}, "End": True}},
})  # fmt: skip


@pytest.fixture
def express(server: ServerProcess) -> str:
    made = server.client().create_state_machine(
        name="double", definition=DOUBLE, roleArn="arn:aws:iam::123456789012:role/r", type="EXPRESS"
    )
    return str(made["stateMachineArn"])


def sdk_env(server: ServerProcess, **extra: str) -> dict[str, str]:
    env = {
        **os.environ, "AWS_ENDPOINT_URL_SFN": f"http://127.0.0.1:{server.port}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, **extra,
    }  # fmt: skip
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop(
        "AWS_DISABLE_HOST_PREFIX_INJECTION", None
    ) if "AWS_DISABLE_HOST_PREFIX_INJECTION" not in extra else None
    return env


def client(server: ServerProcess, config: Config | None = None) -> Any:
    return boto3.client(
        "stepfunctions", endpoint_url=f"http://127.0.0.1:{server.port}", region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local", config=config,
    )  # fmt: skip


def test_boto3_reaches_a_sync_host_that_does_not_resolve_unless_told_not_to(
    server: ServerProcess, express: str
) -> None:
    plain = client(server, Config(retries={"max_attempts": 1}))
    with pytest.raises(EndpointConnectionError) as failed:
        plain.start_sync_execution(stateMachineArn=express, input='{"n": 1}')
    assert "sync-127.0.0.1" in str(failed.value)
    unprefixed = client(server, Config(inject_host_prefix=False))
    out = unprefixed.start_sync_execution(stateMachineArn=express, input='{"n": 21}')
    assert (out["status"], json.loads(out["output"])) == ("SUCCEEDED", {"n": 42})
    assert out["billingDetails"]["billedDurationInMilliseconds"] >= 100


def test_the_environment_switch_works_for_a_boto3_program(server: ServerProcess, express: str) -> None:
    program = (
        "import boto3, json; sfn = boto3.client('stepfunctions');"
        f"print(sfn.start_sync_execution(stateMachineArn={express!r}, input='{{\"n\": 4}}')['output'])"
    )
    env = sdk_env(server, AWS_DISABLE_HOST_PREFIX_INJECTION="true")
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"n": 8}


def test_the_aws_cli_with_the_switch_and_without(server: ServerProcess, express: str) -> None:
    cmd = [
        str(AWS),
        "stepfunctions",
        "start-sync-execution",
        "--state-machine-arn",
        express,
        "--input",
        '{"n": 5}',
    ]
    without = subprocess.run(cmd, env=sdk_env(server), capture_output=True, text=True, timeout=120)
    assert without.returncode != 0 and "sync-127.0.0.1" in without.stderr
    env = sdk_env(server, AWS_DISABLE_HOST_PREFIX_INJECTION="true")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["status"], json.loads(answer["output"])) == ("SUCCEEDED", {"n": 10})


def test_the_readme_and_the_start_up_message_tell_the_way(server: ServerProcess) -> None:
    readme = README.read_text()
    for switch in (
        "AWS_DISABLE_HOST_PREFIX_INJECTION=true",
        "inject_host_prefix=False",
        "disableHostPrefix: true",
    ):
        assert switch in readme and switch in SYNC_HELP
    assert SYNC_HELP in server.log.read_text()

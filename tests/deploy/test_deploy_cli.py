"""`stepstone deploy` as a user runs it, against a real server, with templates of both kinds; and the
same `--sub` for `validate` and `run`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import wait_for

pytestmark = pytest.mark.slow
TEMPLATES = Path(__file__).resolve().parent / "templates"
SAM = TEMPLATES / "sam-app" / "template.yaml"
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:"


def stepstone(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "stepstone.cli.main", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def deploy(server: ServerProcess, template: Path, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    done = stepstone("deploy", str(template), "--endpoint", f"http://127.0.0.1:{server.port}", *extra)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_a_sam_template_deploys_runs_and_redeploys(server: ServerProcess) -> None:
    code, _, err = deploy(server, SAM)
    assert code == 2 and "--sub AuditTopicName=" in err  # a parameter without a default: asked for
    code, lines, err = deploy(server, SAM, "--sub", "AuditTopicName=audit")
    assert code == 0, err
    by_id = {line["logicalId"]: line for line in lines}
    assert by_id["OrderFlow"] == {
        "logicalId": "OrderFlow", "stateMachineArn": f"{ARN}order-flow-dev", "action": "created",
        "stateMachineVersionArn": f"{ARN}order-flow-dev:1",
    }  # fmt: skip
    sfn = server.client()
    described = sfn.describe_state_machine(stateMachineArn=f"{ARN}order-flow-dev")
    definition = json.loads(described["definition"])
    assert definition["States"]["Echo"]["Resource"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert definition["States"]["Wait"]["Seconds"] == 0  # a number stays a number
    assert definition["States"]["Record"]["Parameters"]["topic"] == "arn:aws:sns:us-east-1:123456789012:audit"
    assert definition["Comment"].endswith("stored in us-east-1")
    assert described["loggingConfiguration"]["destinations"] == [
        {"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:Logs:*"}}
    ]
    assert described["tracingConfiguration"] == {"enabled": True}
    tags = sfn.list_tags_for_resource(resourceArn=f"{ARN}order-flow-dev")["tags"]
    assert tags == [{"key": "team", "value": "orders"}]
    inline = sfn.describe_state_machine(stateMachineArn=f"{ARN}Inline")
    assert inline["type"] == "EXPRESS"
    assert json.loads(inline["definition"])["States"]["Hello"]["Parameters"] == {
        "stage": "dev",
        "table": "orders-dev",
    }

    run = sfn.start_execution(
        stateMachineArn=by_id["OrderFlow"]["stateMachineVersionArn"], input='{"order": 7}'
    )
    out = wait_for(sfn, run["executionArn"])
    assert json.loads(out["output"]) == {
        "table": "orders-dev",
        "topic": "arn:aws:sns:us-east-1:123456789012:audit",
        "order": 7,
    }

    code, again, _ = deploy(server, SAM, "--sub", "AuditTopicName=audit")
    assert code == 0 and {line["action"] for line in again} == {"unchanged"}
    assert {line["stateMachineVersionArn"] for line in again} == {
        line["stateMachineVersionArn"] for line in lines
    }
    code, changed, _ = deploy(server, SAM, "--sub", "AuditTopicName=other", "--description", "v2")
    flow = next(line for line in changed if line["logicalId"] == "OrderFlow")
    assert code == 0 and (flow["action"], flow["stateMachineVersionArn"]) == (
        "updated",
        f"{ARN}order-flow-dev:2",
    )
    assert sfn.describe_state_machine(stateMachineArn=f"{ARN}order-flow-dev:2")["description"] == "v2"
    code, staged, _ = deploy(server, SAM, "--sub", "AuditTopicName=audit", "--sub", "Stage=prod")
    assert code == 0 and f"{ARN}order-flow-prod" in {line["stateMachineArn"] for line in staged}


def test_a_cloudformation_json_template(server: ServerProcess, tmp_path: Path) -> None:
    code, lines, err = deploy(server, TEMPLATES / "cfn.json", "--stack-name", "shop")
    assert code == 0, err
    assert [line["stateMachineArn"] for line in lines] == [f"{ARN}greeter-prod", f"{ARN}counted"]
    sfn = server.client()
    greeter = sfn.describe_state_machine(stateMachineArn=f"{ARN}greeter-prod")
    assert greeter["roleArn"] == "arn:aws:iam::123456789012:role/flow-role"
    assert json.loads(greeter["definition"])["States"]["Say"]["Result"] == "hello, shop, ${Literal}"
    counted = sfn.describe_state_machine(stateMachineArn=f"{ARN}counted")
    assert json.loads(counted["definition"])["States"]["N"]["Result"] == {"max": 3}
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [not, a, map]\n")
    code, _, err = deploy(server, broken)
    assert code == 2 and "no Resources" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n"
        "      StateMachineName: bad\n      RoleArn: r\n      Definition: {StartAt: X, States: {}}\n"
    )
    code, refused, _ = deploy(server, bad)
    assert code == 1 and refused[0]["error"] == "InvalidDefinition"


def test_validate_and_run_take_the_same_substitutions(tmp_path: Path) -> None:
    flow = TEMPLATES / "sam-app" / "statemachine" / "order_flow.asl.json"
    assert stepstone("validate", str(flow)).returncode == 1  # "${EchoArn}" is no Resource
    values = tmp_path / "values.yaml"
    values.write_text("EchoArn: arn:aws:lambda:us-east-1:123456789012:function:echo\nWaitSeconds: 0\n")
    done = stepstone("validate", str(flow), "--substitutions", str(values), "--sub", "TableName=t")
    assert done.returncode == 0, done.stdout
    functions = tmp_path / "functions.py"
    functions.write_text("def echo(event, context):\n    return event\n")
    started = time.monotonic()
    ran = stepstone(
        "run", str(flow), "--substitutions", str(values), "--sub", "TableName=t", "--sub", "TopicArn=x",
        "--functions", str(functions), "--input", '{"order": 1}',
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["output"] == {"table": "t", "topic": "x", "order": 1}
    assert time.monotonic() - started < 30
    assert stepstone("validate", str(flow), "--sub", "oops").returncode == 2

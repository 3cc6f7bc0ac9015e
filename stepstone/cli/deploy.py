"""`stepstone deploy TEMPLATE --endpoint URL`: the state machines of a SAM or CloudFormation template,
created or updated on a running server, each with a new version published.

    stepstone deploy template.yaml --endpoint http://127.0.0.1:8083 --sub OrdersTable=orders

Intrinsic functions are resolved as far as they can be without AWS (see stepstone.deploy); what
CloudFormation would need from you (a parameter without a default, an export of another stack) is
given with --sub NAME=VALUE or --substitutions FILE. One JSON line per state machine on stdout.
Exit status: 0 when every state machine deployed, 1 when the server refused one, 2 when the template
cannot be used (nothing is deployed then).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stepstone.deploy import TemplateError
from stepstone.deploy.intrinsics import Context
from stepstone.deploy.substitute import add_arguments, read_values
from stepstone.deploy.template import MachineSpec, read_machines

EXIT_DEPLOYED, EXIT_REFUSED, EXIT_UNUSABLE = 0, 1, 2
_UPDATABLE = (
    "definition",
    "roleArn",
    "loggingConfiguration",
    "tracingConfiguration",
    "encryptionConfiguration",
)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("template", metavar="TEMPLATE", help="SAM or CloudFormation template (YAML or JSON)")
    parser.add_argument("--endpoint", required=True, help="the server, e.g. http://127.0.0.1:8083")
    parser.add_argument("--region", default="us-east-1", help="AWS::Region, and the client's region")
    parser.add_argument("--account", default="123456789012", help="AWS::AccountId (the server's account)")
    parser.add_argument("--stack-name", default="stepstone-local", help="AWS::StackName")
    parser.add_argument("--description", default="", help="the description of the versions published")
    add_arguments(parser)
    parser.set_defaults(handler=run)


def client(endpoint: str, region: str) -> Any:
    """A botocore Step Functions client for the server (signed with the usual credentials, if any)."""
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    anonymous = {} if session.get_credentials() is not None else {
        "aws_access_key_id": "local", "aws_secret_access_key": "local",
    }  # fmt: skip
    config = Config(inject_host_prefix=False, retries={"mode": "standard", "max_attempts": 3})
    return session.create_client(
        "stepfunctions", endpoint_url=endpoint, region_name=region, config=config, **anonymous
    )


def deploy_one(sfn: Any, spec: MachineSpec, arn: str, description: str) -> dict[str, Any]:
    """Create or update one state machine and publish a version; what happened, as a JSON object."""
    from botocore.exceptions import ClientError

    request = spec.request
    publish = {"publish": True, **({"versionDescription": description} if description else {})}
    try:
        current = sfn.describe_state_machine(stateMachineArn=arn)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "StateMachineDoesNotExist":
            raise
        made = sfn.create_state_machine(**request, **publish)
        return {"action": "created", "stateMachineVersionArn": made["stateMachineVersionArn"]}
    if current["type"] != request["type"]:
        raise TemplateError(
            f"{spec.logical_id}: its type cannot change from {current['type']}; delete it first"
        )
    updated = sfn.update_state_machine(
        stateMachineArn=arn, **{k: request[k] for k in _UPDATABLE if k in request}, **publish
    )
    if request.get("tags"):
        sfn.tag_resource(resourceArn=arn, tags=request["tags"])
    changed = updated.get("revisionId") != current.get("revisionId")
    return {
        "action": "updated" if changed else "unchanged",
        "stateMachineVersionArn": updated["stateMachineVersionArn"],
    }


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        values = read_values(args.sub, args.substitutions)
        context = Context(region=args.region, account=args.account, stack=args.stack_name, values=values)
        specs = read_machines(Path(args.template), context)
    except TemplateError as exc:
        print(f"stepstone deploy: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if not specs:
        print(f"stepstone deploy: {args.template} has no state machine", file=sys.stderr)
        return EXIT_UNUSABLE
    missing = sorted({name for spec in specs for name in spec.missing})
    if missing:
        print(
            "stepstone deploy: the template needs values it does not give; pass them with "
            + " ".join(f"--sub {name}=..." for name in missing),
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    sfn = client(args.endpoint, args.region)
    status = EXIT_DEPLOYED
    for spec in specs:
        arn = f"arn:aws:states:{args.region}:{args.account}:stateMachine:{spec.name}"
        for name in sorted(spec.left):
            print(
                f"stepstone deploy: {spec.logical_id}: ${{{name}}} is left in the definition as text",
                file=sys.stderr,
            )
        line: dict[str, Any] = {"logicalId": spec.logical_id, "stateMachineArn": arn}
        try:
            line.update(deploy_one(sfn, spec, arn, args.description))
        except ClientError as exc:
            error = exc.response["Error"]
            line.update(action="refused", error=error.get("Code"), message=error.get("Message"))
            status = EXIT_REFUSED
        except TemplateError as exc:
            line.update(action="refused", error="TemplateError", message=str(exc))
            status = EXIT_REFUSED
        except BotoCoreError as exc:
            print(f"stepstone deploy: cannot reach {args.endpoint}: {exc}", file=sys.stderr)
            return EXIT_UNUSABLE
        print(json.dumps(line), flush=True)
    return status

"""CloudFormation's intrinsic functions, resolved as far as they can be without AWS.

What a deployed stack would know is made up the way the AWS docs say each resource answers `Ref`
and `Fn::GetAtt`: a Lambda function's Arn is `arn:aws:lambda:REGION:ACCOUNT:function:NAME` (its
FunctionName, else its logical id), a queue's Ref its URL, a table's Ref its name, and so on. A
Parameter is what `--sub` says, else its Default. What cannot be known (an export of another stack,
a parameter with no default) stays a `${Name}` placeholder and is listed in `missing`, for the
caller to fill in or report.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any

#: The id part of AWS::StackId: a UUID, as on AWS (templates split it to name things uniquely).
STACK_UUID = "5e7c1a00-0000-4000-8000-00005e75e7c1"
NO_VALUE = object()  # AWS::NoValue: the property is dropped
_SUB = re.compile(r"\$\{([^}]*)\}")


@dataclass
class Context:
    """Where the stack would live, and the values given on the command line."""

    region: str = "us-east-1"
    account: str = "123456789012"
    stack: str = "stepstone-local"
    values: dict[str, Any] = field(default_factory=dict)  # --sub / --substitutions


def _name(props: dict[str, Any], key: str, fallback: str) -> str:
    value = props.get(key)
    return value if isinstance(value, str) else fallback


class Resolver:
    """Resolves intrinsic functions in one template's values."""

    def __init__(self, template: dict[str, Any], context: Context) -> None:
        self.template, self.context = template, context
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.parameters: dict[str, Any] = template.get("Parameters") or {}
        self.missing: set[str] = set()

    # Ref and Fn::GetAtt ---------------------------------------------------------------------------

    def pseudo(self, name: str) -> Any:
        c = self.context
        known = {
            "AWS::Region": c.region, "AWS::AccountId": c.account, "AWS::Partition": "aws",
            "AWS::StackName": c.stack, "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": NO_VALUE,
            "AWS::StackId": f"arn:aws:cloudformation:{c.region}:{c.account}:stack/{c.stack}/{STACK_UUID}",
            "AWS::NotificationARNs": [],
        }  # fmt: skip
        return known.get(name, KeyError)

    def ref(self, name: str) -> Any:
        if name in self.context.values:
            return self.context.values[name]
        pseudo = self.pseudo(name)
        if pseudo is not KeyError:
            return pseudo
        if name in self.parameters:
            spec = self.parameters[name] or {}
            if "Default" in spec:
                default = spec["Default"]
                return default.split(",") if spec.get("Type", "").startswith("List<") or spec.get(
                    "Type") == "CommaDelimitedList" else default  # fmt: skip
        elif name in self.resources:
            return self._resource_ref(name)
        self.missing.add(name)
        return "${" + name + "}"

    def _resource_ref(self, logical: str) -> str:
        resource = self.resources[logical] or {}
        kind: str = resource.get("Type", "")
        props = self.resolve(resource.get("Properties") or {})
        c = self.context
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            return _name(props, "FunctionName", logical)
        if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            name = _name(props, "Name" if kind.startswith("AWS::Serverless") else "StateMachineName", logical)
            return f"arn:aws:states:{c.region}:{c.account}:stateMachine:{name}"
        if kind == "AWS::StepFunctions::Activity":
            return f"arn:aws:states:{c.region}:{c.account}:activity:{_name(props, 'Name', logical)}"
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{c.region}.amazonaws.com/{c.account}/{_name(props, 'QueueName', logical)}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{c.region}:{c.account}:{_name(props, 'TopicName', logical)}"
        for key in ("TableName", "BucketName", "RoleName", "LogGroupName", "Name", "ClusterName"):
            if isinstance(props.get(key), str):
                return str(props[key])
        return logical

    def get_att(self, logical: str, attribute: str) -> Any:
        if f"{logical}.{attribute}" in self.context.values:
            return self.context.values[f"{logical}.{attribute}"]
        resource = self.resources.get(logical)
        if resource is None:
            self.missing.add(f"{logical}.{attribute}")
            return "${" + f"{logical}.{attribute}" + "}"
        kind: str = (resource or {}).get("Type", "")
        ref = self._resource_ref(logical)
        c = self.context
        service = kind.split("::")[1].lower() if kind.count("::") >= 2 else "unknown"
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            return f"arn:aws:lambda:{c.region}:{c.account}:function:{ref}"
        if kind in ("AWS::IAM::Role",) and attribute == "Arn":
            return f"arn:aws:iam::{c.account}:role/{ref}"
        if kind == "AWS::SQS::Queue":
            queue = ref.rsplit("/", 1)[-1]
            return {"Arn": f"arn:aws:sqs:{c.region}:{c.account}:{queue}", "QueueName": queue}.get(
                attribute, ref
            )
        if kind == "AWS::SNS::Topic":
            return {"TopicArn": ref, "TopicName": ref.rsplit(":", 1)[-1]}.get(attribute, ref)
        if kind in (
            "AWS::Serverless::StateMachine",
            "AWS::StepFunctions::StateMachine",
            "AWS::StepFunctions::Activity",
        ):
            return {"Arn": ref, "Name": ref.rsplit(":", 1)[-1]}.get(attribute, ref)
        if kind in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            arn = f"arn:aws:dynamodb:{c.region}:{c.account}:table/{ref}"
            return {"Arn": arn, "StreamArn": f"{arn}/stream/1970-01-01T00:00:00.000"}.get(attribute, ref)
        if kind == "AWS::Logs::LogGroup" and attribute == "Arn":
            return f"arn:aws:logs:{c.region}:{c.account}:log-group:{ref}:*"
        if kind == "AWS::S3::Bucket":
            return {"Arn": f"arn:aws:s3:::{ref}", "DomainName": f"{ref}.s3.amazonaws.com"}.get(attribute, ref)
        props = (resource or {}).get("Properties") or {}
        if (
            attribute in props
        ):  # many attributes echo a property (a VPC's CidrBlock, a table's StreamSpecification)
            return self.resolve(props[attribute])
        if attribute == "Arn" or attribute.endswith("Arn"):
            return f"arn:aws:{service}:{c.region}:{c.account}:{ref}"
        return ref

    # the functions --------------------------------------------------------------------------------

    def sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} is the escape for a literal ${Literal}
            if name in variables:
                return _text(self.resolve(variables[name]))
            if "." in name and name not in self.parameters and self.pseudo(name) is KeyError:
                return _text(self.get_att(*name.split(".", 1)))
            return _text(self.ref(name))

        return _SUB.sub(replace, text)

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function it holds replaced by what it evaluates to."""
        if isinstance(value, list):
            return [v for v in (self.resolve(item) for item in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handled = self._function(key, arg)
            if handled is not KeyError:
                return handled
        return {k: r for k, r in ((k, self.resolve(v)) for k, v in value.items()) if r is not NO_VALUE}

    def _function(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else [self.resolve(a) for a in arg]
            return self.get_att(str(parts[0]), str(parts[1]))
        if key == "Fn::Sub":
            if isinstance(arg, list):
                return self.sub(arg[0], arg[1] if len(arg) > 1 else {})
            return self.sub(arg, {})
        if key == "Fn::Join":
            delimiter, items = arg
            return str(delimiter).join(_text(i) for i in self.resolve(items))
        if key == "Fn::Select":
            index, items = self.resolve(arg)
            return items[int(index)]
        if key == "Fn::Split":
            delimiter, text = self.resolve(arg)
            return str(text).split(delimiter)
        if key == "Fn::Base64":
            return base64.b64encode(_text(self.resolve(arg)).encode()).decode()
        if key == "Fn::GetAZs":
            return [f"{self.context.region}{z}" for z in "abc"]
        if key == "Fn::FindInMap":
            name, top, second = self.resolve(arg)
            return (self.template.get("Mappings") or {})[name][top][second]
        if key == "Fn::If":
            condition, yes, no = arg
            return self.resolve(yes if self.condition(condition) else no)
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
            return self._condition_value(key, arg)
        if key == "Fn::ImportValue":
            name = _text(self.resolve(arg))
            if name in self.context.values:
                return self.context.values[name]
            self.missing.add(name)
            return "${" + name + "}"
        if key == "Fn::Cidr":
            block, count, bits = self.resolve(arg)
            network = ipaddress.ip_network(str(block), strict=False)
            subnets = network.subnets(new_prefix=network.max_prefixlen - int(bits))
            return [str(s) for s, _ in zip(subnets, range(int(count)), strict=False)]
        if key == "Fn::ToJsonString":
            return json.dumps(self.resolve(arg), separators=(",", ":"))
        return KeyError

    def condition(self, name: str) -> bool:
        spec = (self.template.get("Conditions") or {}).get(name)
        return bool(self.resolve(spec)) if spec is not None else False

    def _condition_value(self, key: str, arg: Any) -> bool:
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            left, right = self.resolve(arg)
            return _text(left) == _text(right)
        values = [bool(self.resolve(a)) for a in (arg if isinstance(arg, list) else [arg])]
        return not values[0] if key == "Fn::Not" else all(values) if key == "Fn::And" else any(values)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))

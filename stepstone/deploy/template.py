"""The state machines of a SAM or CloudFormation template, ready to create: `MachineSpec`s.

`AWS::Serverless::StateMachine` (Definition, DefinitionUri, DefinitionSubstitutions, Name, Role,
Type, Logging, Tracing, Tags) and `AWS::StepFunctions::StateMachine` (Definition, DefinitionString,
DefinitionS3Location when its key names a file beside the template, DefinitionSubstitutions,
StateMachineName, RoleArn, StateMachineType, LoggingConfiguration, TracingConfiguration,
EncryptionConfiguration, Tags). A machine without a name is named after its logical id, so deploying
the template again updates the same state machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stepstone.deploy import TemplateError
from stepstone.deploy.intrinsics import Context, Resolver
from stepstone.deploy.substitute import placeholders, substitute
from stepstone.deploy.yaml_cfn import load_template

SAM = "AWS::Serverless::StateMachine"
CFN = "AWS::StepFunctions::StateMachine"


@dataclass(frozen=True, slots=True)
class MachineSpec:
    """One state machine as CreateStateMachine wants it, and what is still unknown in it."""

    logical_id: str
    request: dict[str, Any]  # name, definition, roleArn, type, loggingConfiguration, ...
    missing: frozenset[str] = field(default_factory=frozenset)  # what CloudFormation would need: --sub
    left: frozenset[str] = frozenset()  # ${Name} text left in the definition (AWS keeps it as text)

    @property
    def name(self) -> str:
        return str(self.request["name"])


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase property names as the API's camelCase member names."""
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:]): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{where}: the definition is neither JSON nor YAML: {exc}") from None


def _definition(props: dict[str, Any], resolver: Resolver, base: Path, where: str) -> Any:
    if "Definition" in props:
        return resolver.resolve(props["Definition"])
    if "DefinitionString" in props:
        text = resolver.resolve(props["DefinitionString"])
        return _parse(text, where) if isinstance(text, str) else text
    location = props.get("DefinitionUri", props.get("DefinitionS3Location"))
    if location is None:
        raise TemplateError(
            f"{where}: no Definition, DefinitionString, DefinitionUri or DefinitionS3Location"
        )
    location = resolver.resolve(location)
    path = base / location if isinstance(location, str) else base / str(location.get("Key", ""))
    if not path.is_file():
        raise TemplateError(f"{where}: the definition {location} is not a file beside the template")
    return _parse(path.read_text(encoding="utf-8"), where)


def _tags(raw: Any) -> list[dict[str, str]]:
    if isinstance(raw, dict):  # SAM: a map
        return [{"key": str(k), "value": str(v)} for k, v in raw.items()]
    return [{"key": str(t["Key"]), "value": str(t.get("Value", ""))} for t in raw or []]


def machine_spec(logical: str, resource: dict[str, Any], resolver: Resolver, base: Path) -> MachineSpec:
    """The CreateStateMachine request for one state machine resource."""
    sam = resource.get("Type") == SAM
    where = f"Resources/{logical}"
    resolver.missing = set()
    props: dict[str, Any] = resource.get("Properties") or {}
    definition = _definition(props, resolver, base, where)
    values = {**resolver.resolve(props.get("DefinitionSubstitutions") or {}), **resolver.context.values}
    definition = substitute(definition, values)
    c = resolver.context
    role = resolver.resolve(props.get("Role" if sam else "RoleArn"))
    request: dict[str, Any] = {
        "name": resolver.resolve(props.get("Name" if sam else "StateMachineName")) or logical,
        "definition": json.dumps(definition, indent=2, ensure_ascii=False),
        "roleArn": role
        if isinstance(role, str)
        else f"arn:aws:iam::{c.account}:role/{c.stack}-{logical}Role",
        "type": resolver.resolve(props.get("Type" if sam else "StateMachineType")) or "STANDARD",
    }
    for key, member in (("Logging", "loggingConfiguration"), ("Tracing", "tracingConfiguration"),
                        ("LoggingConfiguration", "loggingConfiguration"),
                        ("TracingConfiguration", "tracingConfiguration"),
                        ("EncryptionConfiguration", "encryptionConfiguration")):  # fmt: skip
        if key in props:
            request[member] = _camel(resolver.resolve(props[key]))
    if props.get("Tags"):
        request["tags"] = _tags(resolver.resolve(props["Tags"]))
    missing = frozenset(m for m in resolver.missing if m not in values)
    return MachineSpec(logical, request, missing, frozenset(placeholders(definition)))


def read_machines(path: Path, context: Context) -> list[MachineSpec]:
    """Every state machine of the template at `path`, in the order the template lists them."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read {path}: {exc}") from None
    template = load_template(text)
    resolver = Resolver(template, context)
    specs = []
    for logical, resource in template["Resources"].items():
        if isinstance(resource, dict) and resource.get("Type") in (SAM, CFN):
            try:
                specs.append(machine_spec(logical, resource, resolver, path.parent))
            except (IndexError, KeyError, TypeError, ValueError) as exc:
                if isinstance(exc, TemplateError):
                    raise
                raise TemplateError(
                    f"Resources/{logical}: an intrinsic function cannot be evaluated: {exc!r}"
                ) from None
    return specs

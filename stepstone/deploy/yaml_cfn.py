"""CloudFormation templates as YAML (short tags included) or JSON, read into plain dicts and lists.

`!Ref X` becomes `{"Ref": "X"}`, `!GetAtt A.B` `{"Fn::GetAtt": ["A", "B"]}`, `!Condition C`
`{"Condition": "C"}`, and every other `!Name v` `{"Fn::Name": v}`, the long form CloudFormation
itself uses, so one resolver handles both spellings.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from stepstone.deploy import TemplateError


class _Loader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags into their long form."""


def _construct(loader: _Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _construct)
# CloudFormation dates and times stay text (AWSTemplateFormatVersion: 2010-09-09 is a string)
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_template(text: str) -> dict[str, Any]:
    """The template as a dict; TemplateError when it is neither JSON nor YAML or has no Resources."""
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=_Loader)
    except (ValueError, yaml.YAMLError) as exc:
        raise TemplateError(f"the template is neither JSON nor YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError("the template has no Resources section")
    return document


def load_mapping(text: str) -> dict[str, Any]:
    """A substitutions file: a JSON or YAML mapping of names to values."""
    try:
        document = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"the substitutions file is neither JSON nor YAML: {exc}") from None
    if not isinstance(document, dict):
        raise TemplateError("the substitutions file must hold a mapping of NAME: VALUE")
    return {str(k): v for k, v in document.items()}

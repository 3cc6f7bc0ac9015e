"""`${Name}` placeholders in a definition, filled in as DefinitionSubstitutions does.

Used by `stepstone deploy` (a template's DefinitionSubstitutions, then --sub), and by `stepstone
validate` and `stepstone run`, so a definition written for SAM (`"Resource": "${LambdaArn}"`) can be
checked and run before it is deployed. A string that is nothing but one placeholder takes the value's
own type (a number stays a number, as when SAM writes the substituted JSON); elsewhere the value is
written into the text. Placeholders with no value are left as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stepstone.deploy import TemplateError
from stepstone.deploy.yaml_cfn import load_mapping

_PLACEHOLDER = re.compile(r"\$\{([^}!][^}]*)\}")


def _fill(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = _PLACEHOLDER.fullmatch(value)
    if whole and whole.group(1) in values and not isinstance(values[whole.group(1)], str):
        return values[whole.group(1)]

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        found = values[name]
        return found if isinstance(found, str) else json.dumps(found)

    return _PLACEHOLDER.sub(one, value)


def substitute(definition: Any, values: Mapping[str, Any]) -> Any:
    """The definition (parsed JSON) with the placeholders `values` names filled in."""
    return _fill(definition, values) if values else definition


def placeholders(definition: Any) -> set[str]:
    """The names of the placeholders still in a definition."""
    found: set[str] = set()
    if isinstance(definition, dict):
        for v in definition.values():
            found |= placeholders(v)
    elif isinstance(definition, list):
        for v in definition:
            found |= placeholders(v)
    elif isinstance(definition, str):
        found |= set(_PLACEHOLDER.findall(definition))
    return found


def read_values(pairs: list[str], files: list[str]) -> dict[str, Any]:
    """--substitutions FILE (JSON or YAML mappings, in order) then --sub NAME=VALUE, later ones winning."""
    values: dict[str, Any] = {}
    for name in files:
        try:
            values.update(load_mapping(Path(name).read_text(encoding="utf-8")))
        except OSError as exc:
            raise TemplateError(f"cannot read {name}: {exc.strerror}") from None
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise TemplateError(f"--sub wants NAME=VALUE, got {pair!r}")
        values[name] = value
    return values


def add_arguments(parser: Any) -> None:
    """The --sub and --substitutions options, the same for deploy, validate and run."""
    parser.add_argument(
        "--sub", action="append", default=[], metavar="NAME=VALUE",
        help="fill in ${NAME} in the definition (repeatable; for deploy, also a template Parameter)",
    )  # fmt: skip
    parser.add_argument(
        "--substitutions", action="append", default=[], metavar="FILE",
        help="a JSON or YAML file of NAME: VALUE substitutions (repeatable; --sub wins)",
    )  # fmt: skip

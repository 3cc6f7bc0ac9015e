"""A definition file's text with `--sub` / `--substitutions` filled in, for `validate` and `run`."""

from __future__ import annotations

import json
from typing import Any

import yaml

from stepstone.deploy.substitute import substitute


def substituted_text(text: str, values: dict[str, Any]) -> str:
    """The text with its placeholders filled in; unchanged when there is nothing to fill in or the
    text does not parse (then the loader reports the problem with the text as it was written)."""
    if not values:
        return text
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
    return json.dumps(substitute(document, values), indent=2, ensure_ascii=False)

"""Generate stepstone/api/shapes.py from botocore's Step Functions service model.

Keeps only what routing and request validation need: the operation list with input/output shape names
and modelled error codes, and every shape reachable from an operation's input, reduced to its type and
constraints (required members, min/max, enum, pattern, sensitive). Run it after upgrading botocore:

    .venv/bin/python tools/generate_api_shapes.py            # rewrite the committed file
    .venv/bin/python tools/generate_api_shapes.py --check    # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).resolve().parent.parent / "stepstone" / "api" / "shapes.py"
_CONSTRAINTS = ("min", "max", "enum", "pattern")


def load_model() -> dict[str, Any]:
    from botocore.loaders import Loader

    model: dict[str, Any] = Loader().load_service_model("stepfunctions", "service-2")
    return model


def _input_shapes(model: dict[str, Any]) -> list[str]:
    shapes = model["shapes"]
    seen: set[str] = set()
    pending = [op["input"]["shape"] for op in model["operations"].values() if "input" in op]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        pending.extend(member["shape"] for member in shape.get("members", {}).values())
        pending.extend(shape[key]["shape"] for key in ("member", "key", "value") if key in shape)
    return sorted(seen)


def _compact(shape: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": shape["type"]}
    if shape["type"] == "structure":
        out["members"] = {name: member["shape"] for name, member in shape["members"].items()}
        if shape.get("required"):
            out["required"] = list(shape["required"])
    for key in ("member", "key", "value"):
        if key in shape:
            out[key] = shape[key]["shape"]
    for key in _CONSTRAINTS:
        if key in shape:
            out[key] = shape[key]
    if shape.get("sensitive"):
        out["sensitive"] = True
    return out


def render(model: dict[str, Any]) -> str:
    import botocore

    operations = {
        name: (
            op["input"]["shape"] if "input" in op else None,
            op["output"]["shape"] if "output" in op else None,
            tuple(error["shape"] for error in op.get("errors", ())),
        )
        for name, op in sorted(model["operations"].items())
    }
    shapes = {name: _compact(model["shapes"][name]) for name in _input_shapes(model)}
    errors = sorted(name for name, shape in model["shapes"].items() if shape.get("exception"))
    meta = model["metadata"]
    source = f'''"""Step Functions API model for routing and validation. GENERATED, DO NOT EDIT.

Source: botocore {botocore.__version__}, stepfunctions {meta["apiVersion"]}.
Regenerate with `python tools/generate_api_shapes.py`.
"""

from typing import Any

TARGET_PREFIX = {meta["targetPrefix"]!r}

#: operation -> (input shape, output shape, modelled error codes)
OPERATIONS: dict[str, tuple[str | None, str | None, tuple[str, ...]]] = {operations!r}

#: every shape reachable from an operation's input, reduced to type and constraints
SHAPES: dict[str, dict[str, Any]] = {shapes!r}

#: every error code the model declares
ERROR_CODES: frozenset[str] = frozenset({errors!r})
'''
    return _ruff_format(source)


def _ruff_format(source: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(TARGET), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    args = parser.parse_args(argv)
    text = render(load_model())
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.name} is out of date; run tools/generate_api_shapes.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

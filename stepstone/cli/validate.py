"""`stepstone validate FILE [--json] [--sub NAME=VALUE]`: every diagnostic of a definition; exit 1 when
any is an ERROR. `--sub` and `--substitutions` fill in `${NAME}` placeholders first, as a deploy would."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from stepstone.asl.diagnostics import Diagnostic
from stepstone.asl.load import load_definition
from stepstone.asl.validate import validate
from stepstone.deploy import TemplateError
from stepstone.deploy.definition_text import substituted_text
from stepstone.deploy.substitute import add_arguments, read_values


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="definition file (JSON or YAML); '-' reads stdin")
    parser.add_argument(
        "--json", action="store_true", help="print the ValidateStateMachineDefinition response as JSON"
    )
    add_arguments(parser)
    parser.set_defaults(handler=run)


def diagnose(text: str) -> list[Diagnostic]:
    """Load then validate: load problems first, then (when the text could be read) the definition's."""
    definition, diagnostics = load_definition(text)
    if any(d.is_error for d in diagnostics):
        return diagnostics
    return [*diagnostics, *validate(definition)]


def run(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"stepstone validate: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        text = substituted_text(text, read_values(args.sub, args.substitutions))
    except TemplateError as exc:
        print(f"stepstone validate: {exc}", file=sys.stderr)
        return 2
    diagnostics = diagnose(text)
    failed = any(d.is_error for d in diagnostics)
    if args.json:
        response = {
            "result": "FAIL" if failed else "OK",
            "diagnostics": [d.to_aws() for d in diagnostics],
            "truncated": False,
        }
        print(json.dumps(response, indent=2, ensure_ascii=False))
    else:
        print(render(diagnostics, args.file))
    return 1 if failed else 0


def render(diagnostics: list[Diagnostic], name: str) -> str:
    """One aligned line per diagnostic, then a summary line."""
    rows = [(d.severity, d.location or "/", d.code, d.message) for d in diagnostics]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
        for row in rows
    ]
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    verdict = "invalid" if errors else "valid"
    lines.append(f"{name}: {verdict} ({_plural(errors, 'error')}, {_plural(warnings, 'warning')})")
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")

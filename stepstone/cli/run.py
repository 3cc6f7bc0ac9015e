"""`stepstone run DEFINITION`: run one execution in this process and print where it ended as JSON.

    stepstone run approval.asl.json --functions functions.py --input '{"requestId": "r1"}'

Timers run on a virtual clock (a 24-hour timeout fires at once). Nothing is stored: an execution that
waits for a task-token callback is printed with status RUNNING and the command ends there; use
`stepstone serve` for executions that must survive. Exit status: 0 when SUCCEEDED, 1 for any other
status, 2 when the definition, the input or a functions file cannot be used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from stepstone.asl.json import JSON
from stepstone.asl.load import load_definition
from stepstone.integrations.base import IntegrationError, Registry
from stepstone.integrations.functions import FunctionIntegration
from stepstone.integrations.mock_config import MockConfig, MockConfigError
from stepstone.runtime.inprocess import InProcessRunner, MaxEventsExceeded
from stepstone.testkit.inprocess import MockedRegistry, pick_test_case

EXIT_SUCCEEDED, EXIT_NOT_SUCCEEDED, EXIT_UNUSABLE = 0, 1, 2


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("definition", help="state machine definition: JSON (// comments allowed) or YAML")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--input", default=None, help="execution input as JSON text (default {})")
    source.add_argument("--input-file", default=None, help="file holding the execution input as JSON")
    parser.add_argument(
        "--functions",
        action="append",
        default=[],
        metavar="FILE.py",
        help="Python file of Lambda-style handler(event, context) functions (repeatable)",
    )
    parser.add_argument("--max-events", type=int, default=100_000, help="stop a runaway execution")
    parser.add_argument(
        "--mock-config", default=None, metavar="FILE",
        help="a Step Functions Local mock configuration file (default: $SFN_MOCK_CONFIG)",
    )  # fmt: skip
    parser.add_argument(
        "--test-case", default=None, metavar="[MACHINE#]CASE", help="the mock file's test case to run"
    )
    parser.set_defaults(handler=run)


def _fail(message: str) -> int:
    print(f"stepstone run: {message}", file=sys.stderr)
    return EXIT_UNUSABLE


def run(args: argparse.Namespace) -> int:
    try:
        text = Path(args.definition).read_text()
    except OSError as exc:
        return _fail(f"cannot read the definition: {exc}")
    definition, diagnostics = load_definition(text)
    for diagnostic in diagnostics:
        print(f"{diagnostic.severity.lower()}: {diagnostic}", file=sys.stderr)
    if any(d.is_error for d in diagnostics):
        return EXIT_UNUSABLE
    try:
        raw = Path(args.input_file).read_text() if args.input_file else (args.input or "{}")
        execution_input: JSON = json.loads(raw)
    except OSError as exc:
        return _fail(f"cannot read the input: {exc}")
    except ValueError as exc:
        return _fail(f"the input is not JSON: {exc}")
    registry = Registry()
    try:
        FunctionIntegration.from_files(args.functions).register_into(registry)
    except IntegrationError as exc:
        return _fail(exc.cause)
    mocked: MockedRegistry | None = None
    try:
        mocks = MockConfig.from_env(args.mock_config)
        if args.test_case is not None:
            if mocks is None:
                return _fail("--test-case needs a mock configuration file (--mock-config or SFN_MOCK_CONFIG)")
            mocked = MockedRegistry(registry, pick_test_case(mocks, args.test_case))
    except (MockConfigError, ValueError) as exc:
        return _fail(str(exc))
    try:
        runner = InProcessRunner(definition, registry=mocked or registry, max_events=args.max_events)
    except ValueError as exc:  # the engine's InvalidDefinitionError carries the diagnostics
        return _fail(f"invalid definition:\n{exc}")
    if mocked is not None:
        mocked.runner = runner
    runner.start(execution_input)
    try:
        result = asyncio.run(runner.run_until_idle())
    except MaxEventsExceeded as exc:
        return _fail(f"stopped: {exc}")
    print(json.dumps(result.to_json(), indent=2))
    if result.status == "RUNNING":
        waiting = ", ".join(sorted({_state_of(runner, task) for task in runner.open_tokens.values()}))
        print(
            f"stepstone run: the execution is waiting for a callback ({waiting or 'no timer armed'}); "
            "nothing is stored, so it ends here. Use `stepstone serve` for executions that wait.",
            file=sys.stderr,
        )
    return EXIT_SUCCEEDED if result.status == "SUCCEEDED" else EXIT_NOT_SUCCEEDED


def _state_of(runner: InProcessRunner, task_id: str) -> str:
    return runner.task_states.get(task_id, task_id)

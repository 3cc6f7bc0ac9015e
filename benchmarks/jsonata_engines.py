"""Compare JSONata engines on PyPI: conformance on the official suite, evaluate/s of ASL-ish expressions.

Run it in each virtualenv that holds candidates (jsonata-python and jsonata-rs both install a top-level
package named `jsonata`, so they cannot share one environment); it measures every engine it can import:

    python benchmarks/jsonata_engines.py speed
    python benchmarks/jsonata_engines.py suite PATH/TO/test-suite      # groups/ + datasets/ of jsonata-js

`suite` runs each case in a forked child (a Rust stack overflow aborts the process; a runaway recursion
must not stop the run), with a 5 s limit per case. A case passes when the result equals the expected
one (`undefinedResult`: the engine yields undefined; `code`: the engine raises). Engines that return
`None` for both `null` and undefined are given the benefit of the doubt on those cases ("lenient").
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pickle
import select
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

UNDEFINED: Any = type("Undefined", (), {"__repr__": lambda self: "UNDEFINED"})()


@dataclass
class Engine:
    """An adapter: compile(text) -> compiled; run(compiled, data, bindings) -> value or UNDEFINED."""

    name: str
    compile: Callable[[str], Any]
    run: Callable[[Any, Any, dict[str, Any]], Any]
    distinguishes_undefined: bool = True


def _engines() -> list[Engine]:
    found: list[Engine] = []
    try:
        import jsonata  # jsonata-python or jsonata-rs: same import name

        if hasattr(jsonata, "UNDEFINED"):

            def rs_compile(text: str) -> Any:
                expr = jsonata.Jsonata(text)
                expr.set_output_convert_nulls(False)
                return expr

            def rs_run(expr: Any, data: Any, bindings: dict[str, Any]) -> Any:
                result = expr.evaluate(data, bindings or None)
                return UNDEFINED if result is jsonata.UNDEFINED else result

            found.append(Engine("jsonata-rs", rs_compile, rs_run))
        else:

            def py_run(expr: Any, data: Any, bindings: dict[str, Any]) -> Any:
                result = expr.evaluate(data, bindings or None)
                return UNDEFINED if result is None else result

            found.append(Engine("jsonata-python", jsonata.Jsonata, py_run, distinguishes_undefined=False))
    except ImportError:
        pass
    try:
        import jsonatapy

        def japy_run(expr: Any, data: Any, bindings: dict[str, Any]) -> Any:
            result = expr.evaluate(data, bindings or None)
            return UNDEFINED if result is None else result

        found.append(Engine("jsonatapy", jsonatapy.compile, japy_run, distinguishes_undefined=False))

        def japy_json_run(expr: Any, data: Any, bindings: dict[str, Any]) -> Any:
            text = expr.evaluate_json_or_none(json.dumps(data), bindings or None)
            return UNDEFINED if text is None else json.loads(text)

        found.append(Engine("jsonatapy(json)", jsonatapy.compile, japy_json_run))
    except ImportError:
        pass
    try:
        import jlens

        def jlens_run(expr: Any, data: Any, bindings: dict[str, Any]) -> Any:
            text = expr.evaluate_json(None if data is None else json.dumps(data), bindings or None)
            return UNDEFINED if text is None else json.loads(text)

        found.append(Engine("jlens(json)", jlens.Expression, jlens_run))

        def jlens_native(expr: Any, data: Any, bindings: dict[str, Any]) -> Any:
            result = expr.evaluate(data, bindings or None)
            return UNDEFINED if result is None else result

        found.append(Engine("jlens", jlens.Expression, jlens_native, distinguishes_undefined=False))
    except ImportError:
        pass
    try:
        import jsonata2py

        def j2py_run(expr: Any, data: Any, bindings: dict[str, Any]) -> Any:
            bound = jsonata2py.JsonataBindings()
            for key, value in bindings.items():
                bound.bind_value(key, value)
            result = expr.evaluate(data, bound if bindings else None)
            return UNDEFINED if result is jsonata2py.MISSING else result

        found.append(Engine("jsonata2py", jsonata2py.compile, j2py_run))
    except ImportError:
        pass
    try:
        from zopyx import pyjsonata

        def z_run(expr: Any, data: Any, bindings: dict[str, Any]) -> Any:
            result = expr.evaluate(data, bindings or None)
            return UNDEFINED if result is pyjsonata.UNDEFINED else result

        found.append(Engine("zopyx.pyjsonata", pyjsonata.Jsonata, z_run))
    except ImportError:
        pass
    return found


# ---------------------------------------------------------------- speed

STATES = {
    "input": {"a": 41, "items": [{"id": i, "price": i * 1.5, "ok": i % 2 == 0} for i in range(20)]},
    "context": {"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:m:e"}},
}
SPEED_CASES = {
    "add": "$states.input.a + 1",
    "object": (
        '{"id": $states.input.a, "name": "x" & $string($states.input.a),'
        ' "exec": $states.context.Execution.Id}'
    ),
    "filter-sum": "$sum($states.input.items[ok].price)",
    "variable": "$n + 1",
    "condition": "$states.input.a > 40 ? 'big' : 'small'",
}


def speed(engines: list[Engine], seconds: float) -> None:
    print(f"{'engine':18} " + " ".join(f"{name:>11}" for name in SPEED_CASES) + "   compile/s(object)")
    for engine in engines:
        rates = []
        for text in SPEED_CASES.values():
            expr = engine.compile(text)
            bindings = {"states": STATES, "n": 3}
            engine.run(expr, {}, bindings)  # warm up
            count, start = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - start) < seconds:
                for _ in range(50):
                    engine.run(expr, {}, bindings)
                count += 50
            rates.append(count / elapsed)
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            engine.compile(SPEED_CASES["object"])
            count += 1
        print(f"{engine.name:18} " + " ".join(f"{r:11,.0f}" for r in rates) + f"   {count / elapsed:11,.0f}")


# ---------------------------------------------------------------- suite


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_suite(root: str) -> list[tuple[str, dict[str, Any]]]:
    """The cases of a jsonata-js style test-suite directory, each with its input resolved into `data`."""
    datasets = {
        os.path.basename(path)[:-5]: _read_json(path)
        for path in glob.glob(os.path.join(root, "datasets", "*.json"))
    }
    cases = []
    for path in sorted(glob.glob(os.path.join(root, "groups", "*", "*.json"))):
        loaded = _read_json(path)
        for index, case in enumerate(loaded if isinstance(loaded, list) else [loaded]):
            if "expr-file" in case:
                with open(os.path.join(os.path.dirname(path), case["expr-file"]), encoding="utf-8") as f:
                    case["expr"] = f.read()
            if "data" not in case:
                name = case.get("dataset")
                case["data"] = datasets[name] if name else None
            rel = os.path.relpath(path, os.path.join(root, "groups"))
            cases.append((f"{rel}#{index}" if isinstance(loaded, list) else rel, case))
    return cases


def _same(expected: Any, actual: Any, unordered: bool) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return abs(expected - actual) <= 1e-9 * max(1.0, abs(expected))
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return False
        if unordered:
            remaining = list(actual)
            for item in expected:
                hit = next((i for i, other in enumerate(remaining) if _same(item, other, True)), None)
                if hit is None:
                    return False
                remaining.pop(hit)
            return True
        return all(_same(e, a, False) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _same(v, actual[k], unordered) for k, v in expected.items()
        )
    return bool(expected == actual)


def judge(engine: Engine, case: dict[str, Any]) -> str:
    """'pass' or a short reason."""
    try:
        expr = engine.compile(case["expr"])
        result = engine.run(expr, case["data"], case.get("bindings") or {})
    except Exception as exc:
        return (
            "pass" if "code" in case or "error" in case else f"raised {type(exc).__name__}: {str(exc)[:80]}"
        )
    if "code" in case or "error" in case:
        return "no error raised"
    if case.get("undefinedResult"):
        return "pass" if result is UNDEFINED else f"expected undefined, got {result!r:.80}"
    if result is UNDEFINED:
        if case.get("result") is None and not engine.distinguishes_undefined:
            return "pass"
        return "got undefined"
    if not _same(case.get("result"), _jsonable(result), bool(case.get("unordered"))):
        return f"got {result!r:.80}"
    return "pass"


def _jsonable(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return value


def _judge_forked(engine: Engine, case: dict[str, Any], limit: float) -> str:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            verdict = judge(engine, case)
        except BaseException as exc:  # the child must report, whatever happened
            verdict = f"crashed {type(exc).__name__}"
        os.write(write_fd, pickle.dumps(verdict))
        os._exit(0)
    os.close(write_fd)
    ready, _, _ = select.select([read_fd], [], [], limit)
    if not ready:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(read_fd)
        return "timeout"
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    return pickle.loads(b"".join(chunks)) if chunks else f"died (status {status})"


def suite(engines: list[Engine], root: str, failures: bool) -> None:
    cases = load_suite(root)
    for engine in engines:
        start = time.perf_counter()
        verdicts = [(name, _judge_forked(engine, case, 5.0)) for name, case in cases]
        passed = sum(1 for _, verdict in verdicts if verdict == "pass")
        print(
            f"{engine.name:18} {passed}/{len(cases)} ({100 * passed / len(cases):.1f}%)  "
            f"[{time.perf_counter() - start:.0f}s]",
            flush=True,
        )
        if failures:
            for name, verdict in verdicts:
                if verdict != "pass":
                    print(f"    {name}: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    speed_parser = sub.add_parser("speed")
    speed_parser.add_argument("--seconds", type=float, default=0.5)
    suite_parser = sub.add_parser("suite")
    suite_parser.add_argument("root")
    suite_parser.add_argument("--failures", action="store_true")
    for p in (speed_parser, suite_parser):
        p.add_argument("--only", help="comma-separated engine names")
    args = parser.parse_args()
    engines = _engines()
    if args.only:
        engines = [e for e in engines if e.name in args.only.split(",")]
    print(f"python {sys.version.split()[0]}; engines: {', '.join(e.name for e in engines) or 'none'}")
    if args.command == "speed":
        speed(engines, args.seconds)
    else:
        suite(engines, args.root, args.failures)


if __name__ == "__main__":
    main()

"""The architecture's rules, checked on the source: import direction and the purity of the core.

Imports point downward only: edges (api, web, cli) -> service -> runtime -> integrations -> store
-> engine -> asl. `asl` and `engine` do no I/O, read no clock and draw no randomness.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "stepstone"

#: layer -> the stepstone layers it may import (itself included). Top-level modules are listed as layers too.
ALLOWED: dict[str, set[str]] = {
    "asl": {"asl"},
    "engine": {"engine", "asl"},
    "store": {"store", "engine", "asl", "errors"},
    "integrations": {"integrations", "store", "engine", "asl", "errors"},
    "runtime": {"runtime", "integrations", "store", "engine", "asl", "errors"},
    "service": {"service", "runtime", "integrations", "store", "engine", "asl", "errors", "config"},
    "api": {"api", "service", "errors", "asl", "engine"},
    "web": {"web", "service", "errors", "asl", "engine"},
    "errors": {"errors"},
    "config": {"config", "errors"},
    "deploy": {"deploy", "asl", "errors"},
}

#: Modules whose very import means I/O, a clock, threads or drawing randomness.
IMPURE_MODULES = {
    "asyncio", "sqlite3", "psycopg", "psycopg_pool", "socket", "threading", "time", "subprocess",
    "os", "secrets", "urllib", "http", "multiprocessing", "concurrent", "logging",
}  # fmt: skip
#: Calls that read the clock or draw unseeded randomness even though their module is allowed.
IMPURE_CALLS = {"now", "utcnow", "today", "uuid1", "uuid4", "getrandom", "urandom"}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        layer = rel.parts[0].removesuffix(".py")
        yield layer, path


def imported(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_the_package_has_modules_to_check() -> None:
    assert sum(1 for _ in modules()) > 10


@pytest.mark.parametrize(("layer", "path"), list(modules()), ids=lambda v: str(v).rsplit("stepstone/", 1)[-1])
def test_imports_point_downward(layer: str, path: Path) -> None:
    allowed = ALLOWED.get(layer)
    if allowed is None:  # cli, app, testing: the composition roots may import anything
        return
    for name in imported(path):
        parts = name.split(".")
        if parts[0] == "stepstone" and len(parts) > 1:
            assert parts[1] in allowed, f"{path.name} ({layer}) imports {name}"


@pytest.mark.parametrize(
    "path",
    [p for layer, p in modules() if layer in ("asl", "engine")],
    ids=lambda p: str(p).rsplit("stepstone/", 1)[-1],
)
def test_the_core_is_pure(path: Path) -> None:
    for name in imported(path):
        assert name.split(".")[0] not in IMPURE_MODULES, f"{path.name} imports {name}"
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "random":
            assert all(a.name == "Random" for a in node.names), f"{path.name} imports from random"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in IMPURE_CALLS, f"{path.name}:{node.lineno} calls .{node.func.attr}()"
            # A seeded random.Random(seed) is fine; the module-level functions draw from a hidden global.
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "random":
                assert node.func.attr == "Random" and node.args, f"{path.name}:{node.lineno} draws randomness"

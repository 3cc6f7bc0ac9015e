"""The architecture's rules, checked on the source: import direction, no import cycles, a pure core.

Imports point downward only: edges (api, web, cli) -> service -> runtime -> integrations -> store
-> engine -> asl; `errors` and `metrics` are leaves any layer above the core may use. Within a layer
the modules import each other without a cycle, so each one can be read (and tested) after the ones it
builds on. `asl` and `engine` do no I/O, read no clock and draw no randomness.
"""

from __future__ import annotations

import ast
import graphlib
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
    "worker": {"worker"},  # a client of the public API (boto3), like any user's worker
    "deploy": {"deploy", "asl", "errors"},
}
# `metrics` is a leaf like `errors`: every layer above the pure core records into it, it imports none
for _layer in ("store", "integrations", "runtime", "service", "api", "web"):
    ALLOWED[_layer].add("metrics")
ALLOWED["metrics"] = {"metrics"}

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


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the package at `root` -> the package's modules it imports.

    Every import counts wherever it stands (top level, under TYPE_CHECKING, inside a function): a
    cycle hidden in a function or behind TYPE_CHECKING is still a cycle in what depends on what.
    `from pkg import sub` names the submodule `pkg.sub`, not the package's `__init__`.
    """
    paths = {module_name(path, root): path for path in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                submodules = {f"{base}.{alias.name}" for alias in node.names} & paths.keys()
                targets.update(submodules)
                if len(submodules) < len(node.names):
                    targets.add(base)
        graph[name] = set()
        for target in targets:
            while target and target not in paths:  # `import a.b.c` of a name defined in module a.b
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` (its first module repeated at the end), or None."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        cycle: list[str] = error.args[1]
        return cycle[::-1]  # graphlib lists it against the arrows; read it as "imports"
    return None


LAYERS = sorted({layer for layer, _ in modules()})


def test_the_cycle_check_sees_hidden_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n"
    )
    (package / "b.py").write_text("def f():\n    from . import c\n")
    (package / "c.py").write_text("import pkg.a\n")
    graph = module_graph(package)
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.c"} and graph["pkg.c"] == {"pkg.a"}
    cycle = find_cycle(graph)
    assert cycle is not None and set(cycle) == {"pkg.a", "pkg.b", "pkg.c"}
    (package / "c.py").write_text("")
    assert find_cycle(module_graph(package)) is None


def test_every_layer_is_checked_for_cycles() -> None:
    assert {"asl", "engine", "store", "runtime", "service", "api"} <= set(LAYERS)


@pytest.mark.parametrize("layer", LAYERS)
def test_no_import_cycles(layer: str) -> None:
    def in_layer(name: str) -> bool:
        return name == f"stepstone.{layer}" or name.startswith(f"stepstone.{layer}.")

    graph = module_graph(PACKAGE)
    cycle = find_cycle(
        {name: set(filter(in_layer, targets)) for name, targets in graph.items() if in_layer(name)}
    )
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_whole_package_has_no_import_cycle() -> None:
    cycle = find_cycle(module_graph(PACKAGE))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])

"""The states graph of a definition drawn server-side as SVG: a layered layout, nested boxes.

Layers are breadth-first distances from StartAt along Next, Default, Choices[].Next and Catch[].Next;
states nothing reaches go in a last layer. Parallel branches and a Map's item processor are laid out
the same way inside their state's box. Edges that go down are curves; edges that go back (loops,
retries through a Choice) swing out to the right. Colours come from CSS classes: `t-<Type>` for the
state type and `o-<outcome>` when an execution's outcomes are given.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from stepstone.web.console.markup import Markup, fmt, join

NODE_H = 46
HEADER_H = 34
PAD = 14
H_GAP = 28
V_GAP = 44
BACK_MARGIN = 44
START_R = 6
CHAR_W = 7.0


@dataclass(slots=True)
class Edge:
    source: str
    target: str
    kind: str  # "next" | "choice" | "default" | "catch"


@dataclass(slots=True)
class Node:
    name: str
    type: str
    w: float
    h: float
    branches: list[Graph] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    layer: int = 0


@dataclass(slots=True)
class Graph:
    start: str
    nodes: dict[str, Node]
    edges: list[Edge]
    w: float = 0.0
    h: float = 0.0


def _edges(name: str, state: dict[str, Any]) -> list[Edge]:
    out: list[Edge] = []
    if isinstance(state.get("Next"), str):
        out.append(Edge(name, state["Next"], "next"))
    for rule in state.get("Choices") or []:
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            out.append(Edge(name, rule["Next"], "choice"))
    if isinstance(state.get("Default"), str):
        out.append(Edge(name, state["Default"], "default"))
    for catcher in state.get("Catch") or []:
        if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
            out.append(Edge(name, catcher["Next"], "catch"))
    return out


def _sub_machines(state: dict[str, Any]) -> list[dict[str, Any]]:
    if state.get("Type") == "Parallel":
        return [b for b in state.get("Branches") or [] if isinstance(b, dict)]
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [processor] if isinstance(processor, dict) else []
    return []


def _text_width(text: str) -> float:
    return len(text) * CHAR_W


def build(machine: dict[str, Any]) -> Graph:
    """Lay out a (sub-)machine: `StartAt` and `States`; unknown shapes give an empty graph."""
    states = machine.get("States") if isinstance(machine.get("States"), dict) else {}
    assert isinstance(states, dict)
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    for name, state in states.items():
        state = state if isinstance(state, dict) else {}
        kind = str(state.get("Type", "?"))
        branches = [build(sub) for sub in _sub_machines(state)]
        if branches:
            inner_w = sum(b.w for b in branches) + H_GAP * (len(branches) - 1)
            w = max(inner_w + 2 * PAD, _text_width(name) + _text_width(kind) + 4 * PAD)
            h = HEADER_H + max(b.h for b in branches) + PAD
        else:
            w, h = min(max(_text_width(name) + 2 * PAD, 120.0), 260.0), float(NODE_H)
        nodes[name] = Node(name, kind, w, h, branches)
        edges.extend(e for e in _edges(name, state) if e.target in states)
    start = str(machine.get("StartAt", ""))
    graph = Graph(start, nodes, edges)
    _place(graph)
    return graph


def _forward_edges(graph: Graph) -> list[Edge]:
    """The edges left once loops are cut: a depth-first walk from StartAt drops edges back onto its path."""
    outgoing: dict[str, list[Edge]] = {name: [] for name in graph.nodes}
    for edge in graph.edges:
        outgoing[edge.source].append(edge)
    forward: list[Edge] = []
    done: set[str] = set()
    roots = [graph.start] if graph.start in graph.nodes else []
    for root in [*roots, *graph.nodes]:
        if root in done:
            continue
        on_path, stack = {root}, [(root, iter(outgoing[root]))]
        while stack:
            name, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                stack.pop()
                on_path.discard(name)
                done.add(name)
            elif step.target not in on_path:
                forward.append(step)
                if step.target not in done:
                    on_path.add(step.target)
                    stack.append((step.target, iter(outgoing[step.target])))
    return forward


def _layers(graph: Graph) -> list[list[Node]]:
    """Longest-path layering: a state sits one layer below the deepest state that leads to it."""
    forward = _forward_edges(graph)
    reachable = _reachable(graph)
    depth = {name: 0 for name in reachable}
    for _ in range(len(graph.nodes)):  # relax; a DAG settles in at most |V| rounds
        changed = False
        for edge in forward:
            if edge.source in depth and edge.target in depth and depth[edge.target] < depth[edge.source] + 1:
                depth[edge.target] = depth[edge.source] + 1
                changed = True
        if not changed:
            break
    last = max(depth.values(), default=-1) + 1
    layers: list[list[Node]] = [[] for _ in range(last + 1)]
    for name, node in graph.nodes.items():  # definition order within a layer
        node.layer = depth.get(name, last)
        layers[node.layer].append(node)
    return [layer for layer in layers if layer]


def _reachable(graph: Graph) -> set[str]:
    seen: set[str] = set()
    queue = deque([graph.start] if graph.start in graph.nodes else [])
    while queue:
        name = queue.popleft()
        if name not in seen:
            seen.add(name)
            queue.extend(e.target for e in graph.edges if e.source == name)
    return seen


def _place(graph: Graph) -> None:
    layers = _layers(graph)
    back = any(graph.nodes[e.target].layer < graph.nodes[e.source].layer for e in graph.edges)
    widths = [sum(n.w for n in layer) + H_GAP * (len(layer) - 1) for layer in layers]
    inner = max(widths, default=0.0)
    graph.w = inner + 2 * PAD + (BACK_MARGIN if back else 0)
    y = PAD + 4.0 * START_R
    for layer, width in zip(layers, widths, strict=True):
        x = PAD + (inner - width) / 2
        for node in layer:
            node.x, node.y = x, y
            x += node.w + H_GAP
        y += max(n.h for n in layer) + V_GAP
    graph.h = y - V_GAP + PAD


def _edge_path(a: Node, b: Node, right: float) -> str:
    if b.layer > a.layer:
        x1, y1, x2, y2 = a.x + a.w / 2, a.y + a.h, b.x + b.w / 2, b.y
        bend = (y2 - y1) / 2
        return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} {x2:.1f},{y2:.1f}"
    if b.layer == a.layer:
        y = a.y + a.h / 2
        x1, x2 = (a.x + a.w, b.x) if b.x > a.x else (a.x, b.x + b.w)
        return f"M{x1:.1f},{y:.1f} L{x2:.1f},{y:.1f}"
    x1, y1, x2, y2 = a.x + a.w, a.y + a.h / 2, b.x + b.w, b.y + b.h / 2
    return f"M{x1:.1f},{y1:.1f} C{right:.1f},{y1:.1f} {right:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"


def _badge(node: Node) -> str:
    return f"{node.type} · {len(node.branches)} branches" if node.type == "Parallel" else node.type


def _label(name: str, width: float) -> str:
    room = max(int((width - 2 * PAD) / CHAR_W), 4)
    return name if len(name) <= room else name[: room - 1] + "…"


def _render(graph: Graph, outcomes: dict[str, str] | None) -> Markup:
    parts: list[Markup] = []
    right = graph.w - PAD / 2
    for edge in graph.edges:
        a, b = graph.nodes[edge.source], graph.nodes[edge.target]
        parts.append(
            fmt('<path class="edge e-{kind}" d="{d}" marker-end="url(#arrow)"/>', kind=edge.kind,
                d=_edge_path(a, b, right))
        )  # fmt: skip
    if graph.start in graph.nodes:
        s = graph.nodes[graph.start]
        cx = s.x + s.w / 2
        parts.append(fmt('<circle class="start" cx="{x:.1f}" cy="{y:.1f}" r="{r}"/>', x=cx, y=PAD, r=START_R))
        parts.append(
            fmt('<path class="edge" d="M{x:.1f},{y1:.1f} L{x:.1f},{y2:.1f}" marker-end="url(#arrow)"/>',
                x=cx, y1=PAD + START_R, y2=s.y)
        )  # fmt: skip
    for node in graph.nodes.values():
        outcome = "" if outcomes is None else f" o-{outcomes.get(node.name, 'none')}"
        classes = f"node t-{node.type}{outcome}{' compound' if node.branches else ''}"
        box = fmt(
            '<rect class="{c}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="8"/>',
            c=classes,
            x=node.x,
            y=node.y,
            w=node.w,
            h=node.h,
        )
        title = fmt("<title>{name} ({type})</title>", name=node.name, type=node.type)
        if node.branches:
            text = fmt(
                '<text class="name" x="{x:.1f}" y="{y:.1f}">{name}</text>'
                '<text class="type" x="{tx:.1f}" y="{y:.1f}" text-anchor="end">{badge}</text>',
                x=node.x + PAD, y=node.y + 21, tx=node.x + node.w - PAD, name=node.name,
                badge=_badge(node),
            )  # fmt: skip
            inner: list[Markup] = []
            bx = node.x + PAD
            for branch in node.branches:
                inner.append(fmt('<g transform="translate({x:.1f},{y:.1f})">', x=bx, y=node.y + HEADER_H))
                inner.append(fmt('<rect class="branch" width="{w:.1f}" height="{h:.1f}" rx="6"/>',
                                 w=branch.w, h=branch.h))  # fmt: skip
                inner.append(_render(branch, outcomes))
                inner.append(Markup("</g>"))
                bx += branch.w + H_GAP
            parts.append(Markup(f'<g class="state">{title}{box}{text}{join(inner)}</g>'))
        else:
            text = fmt(
                '<text class="type" x="{cx:.1f}" y="{ty:.1f}" text-anchor="middle">{type}</text>'
                '<text class="name" x="{cx:.1f}" y="{ny:.1f}" text-anchor="middle">{label}</text>',
                cx=node.x + node.w / 2, ty=node.y + 17, ny=node.y + 35, type=node.type,
                label=_label(node.name, node.w),
            )  # fmt: skip
            parts.append(Markup(f'<g class="state">{title}{box}{text}</g>'))
    return join(parts)


def render_svg(definition: dict[str, Any], outcomes: dict[str, str] | None = None) -> Markup:
    """The whole diagram as an inline `<svg>`; `outcomes` (state name -> outcome) colours the states."""
    graph = build(definition)
    return fmt(
        '<svg class="diagram" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="State diagram" '
        'width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path class="arrowhead" d="M0,0 L10,5 L0,10 z"/></marker></defs>'
        "{body}</svg>",
        w=max(graph.w, 60.0), h=max(graph.h, 40.0), body=_render(graph, outcomes),
    )  # fmt: skip

"""The console's pages, rendered from what the service returned. Every value goes through `fmt`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from stepstone.web.console.components import (
    PREFIX,
    STATUSES,
    age,
    duration,
    execution_url,
    json_block,
    machine_url,
    page,
    status_badge,
    when,
)
from stepstone.web.console.markup import Markup, fmt, join
from stepstone.web.console.timeline import HistoryLine, format_elapsed

_EMPTY = Markup("")


@dataclass(frozen=True, slots=True)
class MachineSummary:
    machine: dict[str, Any]
    counts: dict[str, int]
    capped: bool  # counted only the newest executions


def index_page(summaries: list[MachineSummary], open_tasks: int) -> bytes:
    rows = [
        fmt(
            '<tr><td><a class="strong" href="{href}">{name}</a><div class="arn">{arn}</div></td>'
            "<td>{type}</td><td>{created}</td><td class=\"counts\">{counts}</td></tr>",
            href=machine_url(s.machine["stateMachineArn"]), name=s.machine["name"],
            arn=s.machine["stateMachineArn"], type=s.machine["type"], created=when(s.machine["creationDate"]),
            counts=join([status_badge(k, s.counts[k]) for k in STATUSES if s.counts.get(k)]
                        or [Markup('<span class="muted">no executions</span>')], " ")
            + (Markup(' <span class="muted">(newest only)</span>') if s.capped else _EMPTY),
        )
        for s in summaries
    ]  # fmt: skip
    tasks = fmt(
        '<p class="lede">{n} open task{s} waiting. <a href="{href}">See what is waiting →</a></p>',
        n=open_tasks, s="" if open_tasks == 1 else "s", href=f"{PREFIX}/tasks",
    )  # fmt: skip
    table = (
        fmt(
            '<table class="list"><thead><tr><th>State machine</th><th>Type</th><th>Created</th>'
            "<th>Executions</th></tr></thead><tbody>{rows}</tbody></table>",
            rows=join(rows),
        )
        if rows
        else Markup('<p class="muted">No state machines yet. Create one with the API or the CLI.</p>')
    )
    body = fmt(
        '<h1>State machines</h1>{tasks}<section class="card">{table}</section>', tasks=tasks, table=table
    )
    return page("State machines", body, crumbs=[("Console", None)])


def _filters(arn: str, current: str | None) -> Markup:
    links = []
    for status in (None, *STATUSES):
        query = f"?{urlencode({'status': status})}" if status else ""
        label = "all" if status is None else status.replace("_", " ").lower()
        active = " active" if status == current else ""
        links.append(
            fmt('<a class="tab{a}" href="{h}">{l}</a>', a=active, h=machine_url(arn) + query, l=label)
        )
    return fmt('<nav class="tabs">{links}</nav>', links=join(links))


def machine_page(
    machine: dict[str, Any], definition: str, diagram: Markup, executions: list[dict[str, Any]],
    *, status: str | None, next_token: str | None, csrf: str | None, now: datetime,
    form_input: str = "{}", form_name: str = "", form_error: str | None = None,
) -> bytes:  # fmt: skip
    arn = machine["stateMachineArn"]
    rows = [
        fmt(
            '<tr><td><a href="{href}">{name}</a></td><td>{status}</td><td>{start}</td><td>{took}</td></tr>',
            href=execution_url(e["executionArn"]), name=e["name"], status=status_badge(e["status"]),
            start=when(e["startDate"]), took=duration(e["startDate"], e.get("stopDate"), now),
        )
        for e in executions
    ]  # fmt: skip
    table = (
        fmt('<table class="list"><thead><tr><th>Name</th><th>Status</th><th>Started</th><th>Duration</th>'
            "</tr></thead><tbody>{rows}</tbody></table>", rows=join(rows))
        if rows else Markup('<p class="muted">No executions here.</p>')
    )  # fmt: skip
    pager = []
    if status is not None or next_token is not None:
        pager.append(
            fmt(
                '<a href="{h}">« newest</a>',
                h=machine_url(arn) + (f"?{urlencode({'status': status})}" if status else ""),
            )
        )
    if next_token is not None:
        query = urlencode({k: v for k, v in (("status", status), ("after", next_token)) if v})
        pager.append(fmt('<a href="{h}">older »</a>', h=f"{machine_url(arn)}?{query}"))
    start_form = (
        fmt(
            '<form method="post" action="{action}" class="stack">'
            '<input type="hidden" name="csrf" value="{csrf}">{error}'
            '<label><span>Name <span class="muted">(optional)</span></span>'
            '<input name="name" value="{name}" maxlength="80" autocomplete="off"></label>'
            '<label>Input (JSON)<textarea name="input" rows="7" spellcheck="false">{input}</textarea></label>'
            '<button type="submit">Start execution</button></form>',
            action=machine_url(arn) + "/start", csrf=csrf, name=form_name, input=form_input,
            error=fmt('<p class="error" role="alert">{e}</p>', e=form_error) if form_error else _EMPTY,
        )
        if csrf is not None
        else Markup('<p class="muted">Actions are disabled.</p>')
    )  # fmt: skip
    body = fmt(
        '<h1>{name} <span class="kind">{type}</span></h1><p class="arn">{arn}</p>'
        '<div class="grid"><section class="card wide"><h2>Diagram</h2><div class="scroll">{diagram}</div>'
        "</section>"
        '<section class="card"><h2>Start an execution</h2>{form}</section></div>'
        '<section class="card"><h2>Executions</h2>{filters}{table}<nav class="pager">{pager}</nav></section>'
        '<section class="card"><details><summary><h2>Definition</h2></summary>{definition}</details>'
        "</section>",
        name=machine["name"], type=machine["type"], arn=arn, diagram=diagram, form=start_form,
        filters=_filters(arn, status), table=table, pager=join(pager, " "), definition=json_block(definition),
    )  # fmt: skip
    crumbs: list[tuple[str, str | None]] = [("Console", PREFIX), (machine["name"], None)]
    return page(machine["name"], body, crumbs=crumbs)


def _history_table(lines: list[HistoryLine], truncated: bool) -> Markup:
    rows = [
        fmt(
            '<tr class="h-{tone}"><td class="num">{id}</td><td class="etype">{type}</td><td>{state}</td>'
            '<td class="time">{time}</td><td class="num">{elapsed}</td><td>{summary}{data}</td></tr>',
            tone=line.tone or "plain", id=line.id, type=line.type, state=line.state or "",
            time=when(line.timestamp), elapsed=format_elapsed(line.elapsed), summary=line.summary,
            data=fmt('<details><summary>data</summary><pre class="json">{d}</pre></details>', d=line.data)
            if line.data is not None else _EMPTY,
        )
        for line in lines
    ]  # fmt: skip
    note = Markup('<p class="muted">Only the first events are shown.</p>') if truncated else _EMPTY
    return fmt(
        '<table class="list history"><thead><tr><th>#</th><th>Event</th><th>State</th><th>Time</th>'
        "<th>Elapsed</th><th>Details</th></tr></thead><tbody>{rows}</tbody></table>{note}",
        rows=join(rows), note=note,
    )  # fmt: skip


def _execution_cell(arn: str) -> Markup:
    machine, name = arn.rsplit(":", 2)[-2:]
    return fmt('<td><a href="{h}">{name}</a><div class="arn">{machine}</div></td>',
               h=execution_url(arn), name=name, machine=machine)  # fmt: skip


def waiting_table(tasks: list[dict[str, Any]], now: datetime, *, with_execution: bool) -> Markup:
    if not tasks:
        return Markup('<p class="muted">Nothing is waiting.</p>')
    rows = [
        fmt(
            "<tr>{execution}<td>{state}</td><td class=\"arn\">{resource}</td><td>{since}"
            '<div class="muted small">{age} ago</div></td><td>{timeout}</td><td>{heartbeat}</td>'
            "<td>{kind}</td></tr>",
            execution=_execution_cell(t["executionArn"]) if with_execution else _EMPTY,
            state=t["state"], resource=t["resource"], since=when(t["since"]), age=age(t["since"], now),
            timeout=when(t.get("timeoutAt")), heartbeat=when(t.get("heartbeatAt")),
            kind="callback" if t.get("callback") else "task",
        )
        for t in tasks
    ]  # fmt: skip
    head = "<th>Execution</th>" if with_execution else ""
    return fmt(
        '<table class="list"><thead><tr>{head}<th>State</th><th>Resource</th><th>Since</th>'
        "<th>Times out</th><th>Heartbeat due</th><th>Kind</th></tr></thead><tbody>{rows}</tbody></table>",
        head=Markup(head), rows=join(rows),
    )  # fmt: skip


def execution_page(
    execution: dict[str, Any], machine_name: str, lines: list[HistoryLine], truncated: bool,
    diagram: Markup, tasks: list[dict[str, Any]], *, csrf: str | None, now: datetime,
) -> bytes:  # fmt: skip
    arn, status = execution["executionArn"], execution["status"]
    failure = (
        fmt('<section class="card failure"><h2>{error}</h2><pre class="cause">{cause}</pre></section>',
            error=execution.get("error") or "Failed", cause=execution.get("cause") or "")
        if execution.get("error") is not None or execution.get("cause") is not None else _EMPTY
    )  # fmt: skip
    stop = (
        fmt(
            '<form method="post" action="{action}" class="inline">'
            '<input type="hidden" name="csrf" value="{csrf}">'
            '<button type="submit" class="danger">Stop execution</button></form>',
            action=execution_url(arn) + "/stop", csrf=csrf,
        )
        if status == "RUNNING" and csrf is not None else _EMPTY
    )  # fmt: skip
    waiting = (
        fmt('<section class="card waiting"><h2>Waiting on</h2>{t}</section>',
            t=waiting_table(tasks, now, with_execution=False))
        if status == "RUNNING" else _EMPTY
    )  # fmt: skip
    legend = join(
        fmt('<span class="key o-{o}">{o}</span>', o=o)
        for o in ("succeeded", "running", "caught", "failed", "none")
    )
    body = fmt(
        '<div class="title"><h1>{name}</h1>{badge}{stop}</div><p class="arn">{arn}</p>'
        '<dl class="facts"><dt>State machine</dt><dd><a href="{murl}">{machine}</a></dd>'
        "<dt>Started</dt><dd>{start}</dd><dt>Stopped</dt><dd>{stopped}</dd><dt>Duration</dt><dd>{took}</dd>"
        "<dt>Events</dt><dd>{events}</dd></dl>"
        "{failure}{waiting}"
        '<div class="grid"><section class="card"><h2>Diagram</h2><div class="legend">{legend}</div>'
        '<div class="scroll">{diagram}</div></section>'
        '<div><section class="card"><h2>Input</h2>{input}</section>'
        '<section class="card"><h2>Output</h2>{output}</section></div></div>'
        '<section class="card"><h2>History</h2><div class="scroll">{history}</div></section>',
        name=execution["name"], badge=status_badge(status), stop=stop, arn=arn,
        murl=machine_url(execution["stateMachineArn"]), machine=machine_name,
        start=when(execution["startDate"]), stopped=when(execution.get("stopDate")),
        took=duration(execution["startDate"], execution.get("stopDate"), now),
        events=len(lines), failure=failure, waiting=waiting, legend=legend, diagram=diagram,
        input=json_block(execution.get("input")), output=json_block(execution.get("output"), "no output yet"
                                                                    if status == "RUNNING" else "none"),
        history=_history_table(lines, truncated),
    )  # fmt: skip
    crumbs: list[tuple[str, str | None]] = [
        ("Console", PREFIX),
        (machine_name, machine_url(execution["stateMachineArn"])),
        (execution["name"], None),
    ]  # fmt: skip
    return page(execution["name"], body, crumbs=crumbs)


def tasks_page(tasks: list[dict[str, Any]], now: datetime) -> bytes:
    body = fmt(
        "<h1>Open tasks</h1>"
        '<p class="lede">Every task an execution is waiting on. Tokens are never shown.</p>'
        '<section class="card">{table}</section>',
        table=waiting_table(tasks, now, with_execution=True),
    )
    return page("Open tasks", body, crumbs=[("Console", PREFIX), ("Open tasks", None)])

"""The approval pages' HTML: plain forms, no JavaScript, every value escaped."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from stepstone.service.approvals import ApprovalRow

PREFIX = "/approve"

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;
color:#1d2330}
header{background:#1d2330;color:#fff;padding:.8rem 1.5rem;display:flex;justify-content:space-between;
align-items:center}
header a,header button{color:#cfd6e4;font-size:.9rem}
header .brand{font-weight:600;letter-spacing:.02em;color:#fff;text-decoration:none}
main{max-width:46rem;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #dde1e8;border-radius:10px;padding:1.5rem 1.75rem;
box-shadow:0 1px 2px rgba(0,0,0,.04);margin-bottom:1.25rem}
h1{font-size:1.35rem;margin:0 0 .75rem}
h2{font-size:1rem;margin:1.25rem 0 .5rem;color:#4a5468;text-transform:uppercase;letter-spacing:.05em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dt{color:#5c667a}dd{margin:0;word-break:break-word}
pre{background:#f6f8fa;border:1px solid #e3e6eb;border-radius:6px;padding:.6rem .8rem;margin:0;
white-space:pre-wrap;font-size:.9rem}
label{display:block;font-weight:600;margin:.75rem 0 .3rem}
input[type=text],input[type=password],textarea{width:100%;padding:.55rem .65rem;border:1px solid #c3c9d4;
border-radius:6px;font:inherit}
textarea{min-height:5rem}
.actions{display:flex;gap:.75rem;margin-top:1rem}
button{font:inherit;cursor:pointer;border-radius:6px;padding:.55rem 1.2rem;border:1px solid transparent}
.approve{background:#1f7a4d;color:#fff}.reject{background:#fff;color:#b42318;border-color:#b42318}
.primary{background:#2452c4;color:#fff}
.link{background:none;border:none;padding:0;text-decoration:underline}
.note{color:#5c667a;font-size:.95rem}
.badge{display:inline-block;padding:.1rem .6rem;border-radius:999px;font-size:.85rem;font-weight:600}
.pending{background:#fff4d6;color:#8a5a00}.approved{background:#dcf5e7;color:#1f7a4d}
.rejected{background:#fde4e1;color:#b42318}.closed{background:#e8eaef;color:#4a5468}
.error{background:#fde4e1;border:1px solid #f5b5ad;color:#8c1d13;padding:.7rem 1rem;border-radius:6px}
ul.requests{list-style:none;padding:0;margin:0}ul.requests li{padding:.5rem 0;border-bottom:1px solid #eef0f3}
"""


def _time(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def layout(title: str, body: str, *, user: str | None = None, csrf: str | None = None) -> str:
    who = ""
    if user is not None:
        sign_out = (
            f'<form method="post" action="{PREFIX}/sign-out" style="display:inline">'
            f'<input type="hidden" name="csrf" value="{escape(csrf or "")}">'
            '<button class="link" type="submit">Sign out</button></form>'
            if csrf
            else ""
        )
        who = f"<span>Signed in as <strong>{escape(user)}</strong> {sign_out}</span>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · stepstone</title><style>{_CSS}</style></head><body>"
        f'<header><a class="brand" href="{PREFIX}/">stepstone approvals</a>{who}</header>'
        f"<main>{body}</main></body></html>"
    )


def sign_in_form(csrf: str, next_url: str, *, error: str | None = None, intro: str = "") -> str:
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        f'<section class="card"><h1>Sign in</h1>{intro}{problem}'
        f'<form method="post" action="{PREFIX}/sign-in">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        '<label for="user">User name</label>'
        '<input id="user" type="text" name="user" autocomplete="username" required autofocus>'
        '<label for="password">Password</label>'
        '<input id="password" type="password" name="password" autocomplete="current-password" required>'
        '<div class="actions"><button class="primary" type="submit">Sign in</button></div>'
        "</form></section>"
    )


def exists_notice() -> str:
    return (
        '<p class="note">An approval request exists at this address. Sign in as one of its approvers '
        "to see what it is about and to decide.</p>"
    )


def _value(value: Any) -> str:
    if isinstance(value, dict | list):
        return f"<pre>{escape(json.dumps(value, indent=2))}</pre>"
    return escape(json.dumps(value))


def _details(details: Any) -> str:
    if isinstance(details, dict) and details:
        rows = "".join(
            f"<dt>{escape(str(k))}</dt><dd>" + (escape(v) if isinstance(v, str) else _value(v)) + "</dd>"
            for k, v in details.items()
        )
        return f"<dl>{rows}</dl>"
    if details in (None, {}, []):
        return '<p class="note">No details.</p>'
    return f"<pre>{escape(json.dumps(details, indent=2))}</pre>"


def status_badge(row: ApprovalRow, is_open: bool) -> str:
    if row.status == "pending" and not is_open:
        return '<span class="badge closed">no longer waiting</span>'
    return f'<span class="badge {row.status}">{row.status}</span>'


def request_page(
    row: ApprovalRow, details: Any, is_open: bool, csrf: str, *, error: str | None = None
) -> str:
    facts = [
        ("Status", status_badge(row, is_open)),
        ("Requested", escape(_time(row.created))),
        ("Approvers", escape(", ".join(row.approvers))),
        ("Workflow step", escape(f"{row.state_name} in {row.execution_arn.rsplit(':', 1)[-1]}")),
    ]
    if row.deadline is not None:
        facts.append(("Deadline", escape(_time(row.deadline))))
    if row.status != "pending":
        facts.append(("Decided by", escape(f"{row.decided_by} at {_time(row.decided_at)}")))
        if row.comment:
            facts.append(("Comment", escape(row.comment)))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    form = ""
    if row.status == "pending" and is_open:
        form = (
            f'<h2>Your decision</h2><form method="post" action="{PREFIX}/r/{escape(row.id)}">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            '<label for="comment">Comment (optional)</label>'
            '<textarea id="comment" name="comment" maxlength="2000"></textarea>'
            '<div class="actions">'
            '<button class="approve" type="submit" name="decision" value="approve">Approve</button>'
            '<button class="reject" type="submit" name="decision" value="reject">Reject</button>'
            "</div></form>"
        )
    elif row.status == "pending":
        form = '<p class="note">The workflow no longer waits for this decision.</p>'
    return (
        f'<section class="card"><h1>{escape(row.subject)}</h1>{problem}<dl>{dl}</dl>'
        f"<h2>Details</h2>{_details(details)}{form}</section>"
    )


def message(title: str, text: str) -> str:
    return f'<section class="card"><h1>{escape(title)}</h1><p>{escape(text)}</p></section>'


def request_list(rows: list[ApprovalRow]) -> str:
    if not rows:
        return message("Approvals", "Nothing is waiting for your decision.")
    items = "".join(
        f'<li><a href="{PREFIX}/r/{escape(r.id)}">{escape(r.subject)}</a> '
        f'<span class="note">requested {escape(_time(r.created))}</span></li>'
        for r in rows
    )
    return (
        f'<section class="card"><h1>Waiting for your decision</h1><ul class="requests">{items}</ul></section>'
    )

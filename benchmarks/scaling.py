"""Scale-out benchmark: durable transitions/s and callback latency on 1, 2, 3 PostgreSQL nodes beside
one SQLite node, in one run, with the CPU each process used (server nodes and PostgreSQL backends).

    .venv/bin/python benchmarks/scaling.py --n 400 --callbacks 100 [--pg postgresql://...] [--markdown FILE]
    .venv/bin/python benchmarks/scaling.py --configs sqlite:1,postgres:1 --repeat 6   # the ratio, robustly

Workloads, per configuration (fresh database each):
- throughput: N executions of Echo -> Echo -> Echo -> Pass (Lambda-style functions served by the nodes),
  started round-robin through every node; 4 durable transitions each (start + 3 task results).
- callbacks: C executions parked on an activity; for each, SendTaskSuccess to a node (round-robin), then
  DescribeExecution on that node until SUCCEEDED: p50/p99 of send -> SUCCEEDED.
CPU: utime+stime from /proc of each node and of the PostgreSQL backends serving the benchmark database.
`--repeat K` runs the configurations K times, interleaved, and ends with each one's median
transitions/s and, run for run, the first configuration's rate over each other's (median and range):
on a shared machine single runs swing by tens of per cent.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import psycopg

ROLE = "arn:aws:iam::123456789012:role/bench"
FN = "arn:aws:lambda:us-east-1:123456789012:function:echo"
CHAIN = {
    "StartAt": "E1",
    "States": {
        "E1": {"Type": "Task", "Resource": FN, "Next": "E2"},
        "E2": {"Type": "Task", "Resource": FN, "Next": "E3"},
        "E3": {"Type": "Task", "Resource": FN, "Next": "P"},
        "P": {"Type": "Pass", "End": True},
    },
}
TRANSITIONS_PER_EXECUTION = 4
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Node:
    def __init__(self, db: str, tmp: Path, keys: str) -> None:
        self.port = free_port()
        functions = tmp / "functions.py"
        functions.write_text("def echo(event, context):\n    return event\n")
        cmd = [sys.executable, "-m", "stepstone.cli.main", "serve", "--port", str(self.port), "--db", db]
        cmd += ["--functions", str(functions)]
        env = {**os.environ, "STEPSTONE_TOKEN_KEYS": keys}
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("node did not start") from None
                time.sleep(0.05)
        self.client = boto3.client(
            "stepfunctions", endpoint_url=f"http://127.0.0.1:{self.port}", region_name="us-east-1",
            aws_access_key_id="bench", aws_secret_access_key="bench",
        )  # fmt: skip

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def backends(dsn: str) -> list[int]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(r[0]) for r in rows]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_config(store: str, nodes_n: int, args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="stepstone-scale-"))
    dbname = f"stepstone_bench_{uuid.uuid4().hex[:8]}"
    if store == "postgres":
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"'.encode())
        db = psycopg.conninfo.make_conninfo(args.pg, dbname=dbname)
    else:
        db = str(tmp / "bench.db")
    keys = json.dumps({"active": "k1", "keys": {"k1": secrets.token_hex(32)}})
    nodes: list[Node] = []
    try:
        for _ in range(nodes_n):
            nodes.append(Node(db, tmp, keys))
        clients = [n.client for n in nodes]
        sm = clients[0].create_state_machine(name="chain", definition=json.dumps(CHAIN), roleArn=ROLE)
        chain_arn = sm["stateMachineArn"]
        act = clients[0].create_activity(name="cb")["activityArn"]
        park = {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": act, "End": True}}}
        park_arn = clients[0].create_state_machine(name="park", definition=json.dumps(park), roleArn=ROLE)[
            "stateMachineArn"
        ]
        pids = [n.proc.pid for n in nodes]
        pg_pids = backends(db) if store == "postgres" else []
        node_cpu0 = {p: cpu_seconds(p) for p in pids}
        pg_cpu0 = {p: cpu_seconds(p) for p in pg_pids}

        # throughput
        t0 = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda i: clients[i % nodes_n].start_execution(stateMachineArn=chain_arn), range(args.n)
                )
            )
        while clients[0].list_executions(stateMachineArn=chain_arn, statusFilter="RUNNING", maxResults=1)[
            "executions"
        ]:
            time.sleep(0.02)
        elapsed = time.monotonic() - t0
        transitions = args.n * TRANSITIONS_PER_EXECUTION
        node_cpu = sum(cpu_seconds(p) - node_cpu0[p] for p in pids)
        pg_now = backends(db) if store == "postgres" else []
        pg_cpu = sum(cpu_seconds(p) - pg_cpu0.get(p, 0.0) for p in set(pg_pids) | set(pg_now))

        # callbacks
        arns = [
            clients[i % nodes_n].start_execution(stateMachineArn=park_arn, input=json.dumps({"i": i}))[
                "executionArn"
            ]
            for i in range(args.callbacks)
        ]
        tokens: list[tuple[str, str]] = []
        while len(tokens) < len(arns):
            task = clients[len(tokens) % nodes_n].get_activity_task(activityArn=act)
            if task.get("taskToken"):  # the queue order need not be the start order: the input says which
                tokens.append((task["taskToken"], arns[json.loads(task["input"])["i"]]))
        latencies = []
        for i, (token, arn) in enumerate(tokens):
            c = clients[(i + 1) % nodes_n]
            started = time.monotonic()
            c.send_task_success(taskToken=token, output="{}")
            while c.describe_execution(executionArn=arn)["status"] == "RUNNING":
                time.sleep(0.001)
            latencies.append(time.monotonic() - started)
        return {
            "store": store, "nodes": nodes_n, "executions": args.n,
            "transitions_per_s": round(transitions / elapsed, 1),
            "callback_p50_ms": round(pct(latencies, 50) * 1000, 1),
            "callback_p99_ms": round(pct(latencies, 99) * 1000, 1),
            "node_cpu_s": round(node_cpu, 2), "db_cpu_s": round(pg_cpu, 2),
            "db_cpu_ms_per_transition": round(pg_cpu / transitions * 1000, 3) if pg_pids else None,
            "node_cpu_ms_per_transition": round(node_cpu / transitions * 1000, 3),
        }  # fmt: skip
    finally:
        for n in nodes:
            n.stop()
        if store == "postgres":
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'.encode())


def ratios(results: list[dict[str, Any]], per_round: int) -> str:
    """Each configuration's median rate, and the first one's rate over it within each round."""
    rounds = [results[i : i + per_round] for i in range(0, len(results), per_round)]
    lines = "| store | nodes | median transitions/s | first / this, median (range) |\n|---|---|---|---|\n"
    for k in range(per_round):
        rates = [r[k]["transitions_per_s"] for r in rounds]
        over = [r[0]["transitions_per_s"] / r[k]["transitions_per_s"] for r in rounds]
        first = rounds[0][k]
        lines += (
            f"| {first['store']} | {first['nodes']} | {statistics.median(rates):,.0f} |"
            f" {statistics.median(over):.2f}x ({min(over):.2f}-{max(over):.2f}) |\n"
        )
    return lines


def markdown(results: list[dict[str, Any]]) -> str:
    head = "| store | nodes | transitions/s | callback p50 ms | callback p99 ms | node CPU s | DB CPU s"
    head += " | DB CPU ms/transition |\n"
    head += "|---|---|---|---|---|---|---|---|\n"
    rows = "".join(
        f"| {r['store']} | {r['nodes']} | {r['transitions_per_s']} | {r['callback_p50_ms']}"
        f" | {r['callback_p99_ms']}"
        f" | {r['node_cpu_s']} | {r['db_cpu_s']} | {r['db_cpu_ms_per_transition'] or '-'} |\n"
        for r in results
    )
    return head + rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=400, help="executions in the throughput workload")
    parser.add_argument("--callbacks", type=int, default=100)
    parser.add_argument(
        "--pg", default=os.environ.get("STEPSTONE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument(
        "--configs", default="sqlite:1,postgres:1,postgres:2,postgres:3", help="store:nodes,..."
    )
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    parser.add_argument("--repeat", type=int, default=1, help="run the configurations K times, interleaved")
    args = parser.parse_args()
    specs = args.configs.split(",")
    results = []
    for _ in range(args.repeat):
        for spec in specs:
            store, nodes_n = spec.split(":")
            result = run_config(store, int(nodes_n), args)
            print(json.dumps(result), flush=True)
            results.append(result)
    table = markdown(results)
    if args.repeat > 1:
        table += "\n" + ratios(results, len(specs))
    print(table)
    if args.markdown is not None:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

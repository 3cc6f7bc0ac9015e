#!/usr/bin/env python3
"""The durable server against moto's server, side by side, in one run.

    .venv/bin/python benchmarks/server.py [--harness ../shared/bench/bench.py] [--json OUT] [--quick]

Starts `stepstone serve` on a fresh SQLite file and moto's server (the harness's peers/start_moto.sh,
`moto[server]==5.2.1`), then drives both with the peer harness (bench.py, over boto3):

  W1  20 Pass states per execution, started through the API: executions/s, state transitions/s
  W1par  the same, ours only, started by `--w1-processes` client processes at once (one boto3 process
      is the limit of W1 on a small machine: this shows what the server itself sustains)
  W2  callback round trip: SendTaskSuccess sent -> execution SUCCEEDED, p50/p99 over loopback
  W3  RSS of the server before and after parking N executions on a task token
  W5  bench.py's N timeouts (TimeoutSeconds 1, Catch States.Timeout), and ours only: `--w5-same`
      executions whose task timeouts are all due in the same wall-clock second (TimeoutSecondsPath
      set per execution), and how late the last one fires (from each execution's history)

stepstone has no SQS, so its callbacks are activities (`callback=activity`); moto has no
GetActivityTask, so its callbacks go through its SQS (`callback=sqs`). Both park on a task token.
moto is slow (about 25 transitions/s, a thread per execution), so it runs smaller N; the rates are
what compare. Prints the machine, a table, and writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import math
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_HARNESS = ROOT.parent / "shared" / "bench" / "bench.py"
ROLE = "arn:aws:iam::123456789012:role/bench"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_at_start": os.getloadavg()[0],
    }


# servers --------------------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, seconds: float = 30) -> None:
    import urllib.error
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer")


def start_stepstone(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = (folder / "serve.log").open("wb")  # the child keeps its own descriptor; ours closes on exit
    proc = subprocess.Popen(
        [sys.executable, "-c", "from stepstone.cli.main import main; raise SystemExit(main())",
         "serve", "--db", str(folder / "bench.db"), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_http(url)
    return proc, url


def start_moto(harness: Path) -> tuple[int, str]:
    port = free_port()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    script = harness.parent / "peers" / "start_moto.sh"
    out = subprocess.run(
        ["bash", str(script), str(port)], capture_output=True, text=True, env=env, check=True
    )
    return int(out.stdout.strip().splitlines()[-1]), f"http://127.0.0.1:{port}"


# the harness ----------------------------------------------------------------------------------------


def run_harness(harness: Path, target: str, workload: str, n: int, *extra: str) -> dict[str, Any]:
    cmd = [sys.executable, str(harness), "--endpoint", target, "--workload", workload, "--n", str(n), *extra]
    print("  $", " ".join(cmd[1:]), flush=True)
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    if not lines:
        return {"status": "error", "error": out.stderr[-600:]}
    print("   ", json.dumps(lines[-1])[:400], flush=True)
    return dict(lines[-1])


# W5 with every timeout due in the same second (bench.py cannot express it) -----------------------------


def w5_same_second(url: str, n: int, start_rate: float, concurrency: int = 8) -> dict[str, Any]:
    """Start n executions whose activity task times out in the same wall-clock second; how late they fire."""
    import boto3
    from botocore.config import Config

    def client() -> Any:
        return boto3.session.Session().client(
            "stepfunctions", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 3}, max_pool_connections=concurrency * 2),
        )  # fmt: skip

    sfn = client()
    tag = uuid.uuid4().hex[:8]
    activity = sfn.create_activity(name=f"w5same-{tag}")["activityArn"]
    definition = {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task", "Resource": activity, "TimeoutSecondsPath": "$.timeout", "ResultPath": "$.cb",
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.err", "Next": "TimedOut"}],
                "End": True,
            },
            "TimedOut": {"Type": "Pass", "End": True},
        },
    }  # fmt: skip
    arn = sfn.create_state_machine(name=f"w5same-{tag}", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    t0 = time.time()
    # the common second: after every start has had time to land (measured start rate, with a margin)
    due_second = math.ceil(t0 + n / max(start_rate, 1.0) * 1.5 + 3)
    local = __import__("threading").local()

    def start(i: int) -> tuple[str, int]:
        c = getattr(local, "c", None) or client()
        local.c = c
        timeout = max(1, due_second - math.floor(time.time()))
        r = c.start_execution(stateMachineArn=arn, name=f"e{i}", input=json.dumps({"timeout": timeout}))
        return r["executionArn"], timeout

    with cf.ThreadPoolExecutor(concurrency) as ex:
        started = list(ex.map(start, range(n)))
    t_started = time.time()
    deadline = due_second + 600
    while time.time() < deadline:
        running = sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING", maxResults=1)["executions"]
        if not running:
            break
        time.sleep(0.2)
    t_done = time.time()

    def lateness(item: tuple[str, int]) -> tuple[float, float] | None:
        c = getattr(local, "c", None) or client()
        local.c = c
        events = c.get_execution_history(executionArn=item[0], maxResults=50)["events"]
        scheduled = next(
            (e["timestamp"] for e in events if e["type"] in ("ActivityScheduled", "TaskScheduled")), None
        )
        fired = next(
            (e["timestamp"] for e in events if e["type"] in ("ActivityTimedOut", "TaskTimedOut")), None
        )
        if scheduled is None or fired is None:
            return None
        due = scheduled.timestamp() + item[1]
        return due, fired.timestamp() - due

    with cf.ThreadPoolExecutor(concurrency) as ex:
        found = [x for x in ex.map(lateness, started) if x is not None]
    late = sorted(x[1] for x in found)
    dues = [x[0] for x in found]
    sfn.delete_state_machine(stateMachineArn=arn)
    return {
        "executions": n, "timed_out": len(found), "start_phase_s": round(t_started - t0, 3),
        "due_first_to_last_s": round(max(dues) - min(dues), 3) if dues else None,
        "all_done_after_due_s": round(t_done - due_second, 3),
        "late_p50_ms": round(late[len(late) // 2] * 1000, 1) if late else None,
        "late_p99_ms": round(late[int(len(late) * 0.99) - 1] * 1000, 1) if late else None,
        "late_max_ms": round(late[-1] * 1000, 1) if late else None,
        "status": "ok" if len(found) == n else "incomplete",
    }  # fmt: skip


# W1 from several client processes (one boto3 process tops out near 640 calls/s on this machine) ------


def _w1_client(url: str, arn: str, names: list[str], threads: int, barrier: Any, out: Any) -> None:
    import boto3
    from botocore.config import Config

    local = __import__("threading").local()

    def start(name: str) -> None:
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = boto3.session.Session().client(
                "stepfunctions", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                aws_secret_access_key="testing", config=Config(max_pool_connections=threads * 2),
            )  # fmt: skip
        c.start_execution(
            stateMachineArn=arn, name=name, input=json.dumps({"payload": {"a": 1, "tag": "x" * 32}})
        )

    with cf.ThreadPoolExecutor(threads) as ex:
        list(ex.map(start, names[:threads]))  # warm: one connection per thread before the clock starts
        barrier.wait()
        list(ex.map(start, names[threads:]))
    out.put(time.time())


def w1_parallel(url: str, n: int, processes: int, threads: int = 8) -> dict[str, Any]:
    """W1 (bench.py's 20-Pass chain) started by several client processes at once: the server's capacity."""
    import multiprocessing

    import boto3

    sys.path.insert(0, str(HERE))
    from profile_server import def_chain

    sfn = boto3.client(
        "stepfunctions", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )  # fmt: skip
    tag = uuid.uuid4().hex[:8]
    arn = sfn.create_state_machine(name=f"w1p-{tag}", definition=json.dumps(def_chain()), roleArn=ROLE)[
        "stateMachineArn"
    ]
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes + 1), ctx.Queue()
    share = n // processes + threads
    procs = [
        ctx.Process(
            target=_w1_client, args=(url, arn, [f"p{p}-{i}" for i in range(share)], threads, barrier, out)
        )
        for p in range(processes)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    t0 = time.time()
    for proc in procs:
        proc.join()
    t_started = max(out.get() for _ in procs)
    while sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING", maxResults=1)["executions"]:
        time.sleep(0.05)
    measured = (share - threads) * processes  # the warm-up starts are not timed
    stops, token = [], None
    while True:
        page = sfn.list_executions(
            stateMachineArn=arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        stops += [e["stopDate"].timestamp() for e in page["executions"] if e.get("stopDate")]
        token = page.get("nextToken")
        if not token:
            break
    span = max(stops) - t0
    return {
        "executions": measured, "client_processes": processes, "threads_each": threads,
        "start_phase_s": round(t_started - t0, 3), "makespan_s": round(span, 3),
        "executions_per_s": round(measured / span, 1),
        "state_transitions_per_s": round(measured * 20 / span, 1),
        "status": "ok",
    }  # fmt: skip


# main -----------------------------------------------------------------------------------------------

ROWS = [
    ("W1", "executions_per_s", "W1 executions/s"),
    ("W1", "state_transitions_per_s", "W1 state transitions/s"),
    ("W1", "exec_duration_p99_ms", "W1 execution duration p99 ms"),
    ("W1par", "executions_per_s", "W1 executions/s, several client processes"),
    ("W1par", "state_transitions_per_s", "W1 state transitions/s, several client processes"),
    ("W2", "lat_incl_send_p50_ms", "W2 callback p50 ms (send -> SUCCEEDED seen)"),
    ("W2", "lat_incl_send_p99_ms", "W2 callback p99 ms (send -> SUCCEEDED seen)"),
    ("W2", "lat_server_stopdate_p99_ms", "W2 callback p99 ms (send -> server stopDate)"),
    ("W2", "callbacks_per_s", "W2 callbacks/s (concurrent)"),
    ("W3", "parked", "W3 parked executions"),
    ("W3", "rss_before_mb", "W3 RSS before MB"),
    ("W3", "rss_after_mb", "W3 RSS after MB"),
    ("W3", "rss_per_parked_kb", "W3 RSS per parked execution KB"),
    ("W3", "server_threads_after", "W3 server threads after"),
    ("W5", "executions", "W5 timeouts (TimeoutSeconds 1)"),
    ("W5", "lateness_exec_p99_ms", "W5 lateness p99 ms (stopDate)"),
    ("W5", "lateness_exec_max_ms", "W5 lateness max ms (stopDate)"),
    ("W5same", "executions", "W5 timeouts due in one second"),
    ("W5same", "due_first_to_last_s", "W5 spread of their due times s"),
    ("W5same", "late_p50_ms", "W5 same-second lateness p50 ms"),
    ("W5same", "late_max_ms", "W5 same-second: the last one, ms late"),
]


def table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    targets = list(results)
    lines = ["| figure | " + " | ".join(targets) + " |", "|---|" + "---|" * len(targets)]
    for workload, key, label in ROWS:
        cells = []
        for target in targets:
            rec = results[target].get(workload, {})
            value = rec.get(key) if rec.get("status") in ("ok", "incomplete") else rec.get("status", "-")
            n = rec.get("n")
            cells.append(f"{value}" + (f" (N={n})" if key in ("executions_per_s", "parked") and n else ""))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--harness", type=Path, default=Path(os.environ.get("BENCH_HARNESS", DEFAULT_HARNESS)))
    ap.add_argument("--w1", type=int, default=3000)
    ap.add_argument("--w2", type=int, default=500)
    ap.add_argument("--w3", type=int, default=100_000)
    ap.add_argument("--w5", type=int, default=100)
    ap.add_argument("--w5-same", type=int, default=10_000)
    ap.add_argument("--moto-w1", type=int, default=20)
    ap.add_argument("--moto-w2", type=int, default=50)
    ap.add_argument("--moto-w3", type=int, default=300)
    ap.add_argument("--w1-processes", type=int, default=4, help="W1par: client processes started at once")
    ap.add_argument("--w1-par", type=int, default=8000, help="W1par: executions over all processes")
    ap.add_argument("--workloads", default="W1,W1par,W2,W3,W5,W5same")
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--quick", action="store_true", help="small N everywhere (a smoke test)")
    ap.add_argument("--json", dest="json_out", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.quick:
        args.w1, args.w2, args.w3, args.w5, args.w5_same, args.w1_par = 300, 100, 2000, 50, 500, 800
        args.moto_w1, args.moto_w2, args.moto_w3 = 5, 10, 50
    wanted = {w.strip() for w in args.workloads.split(",")}
    info = machine()
    print(json.dumps(info), flush=True)
    results: dict[str, dict[str, dict[str, Any]]] = {"stepstone": {}, "moto": {}}
    common = ["--max-seconds", "1800", "--lat-samples", "100"]
    with tempfile.TemporaryDirectory(prefix="stepstone-bench-") as tmp:
        proc, url = start_stepstone(Path(tmp))
        moto_pid, moto_url = (None, None) if args.no_moto else start_moto(args.harness)
        try:
            ours = f"stepstone={url},pid={proc.pid},callback=activity"
            peer = f"moto={moto_url},pid={moto_pid},callback=sqs"
            plan = [("W1", args.w1, args.moto_w1), ("W2", args.w2, args.moto_w2), ("W5", args.w5, args.w5),
                    ("W3", args.w3, args.moto_w3)]  # fmt: skip
            for workload, n_ours, n_moto in plan:
                if workload not in wanted:
                    continue
                print(f"{workload}:", flush=True)
                results["stepstone"][workload] = run_harness(args.harness, ours, workload, n_ours, *common)
                if moto_url:
                    results["moto"][workload] = run_harness(args.harness, peer, workload, n_moto, *common)
            if "W1par" in wanted:
                print(
                    f"W1par: {args.w1_par} executions from {args.w1_processes} client processes", flush=True
                )
                results["stepstone"]["W1par"] = rec = w1_parallel(url, args.w1_par, args.w1_processes)
                print("   ", json.dumps(rec), flush=True)
                results["moto"]["W1par"] = {"status": "not run (moto manages ~25 transitions/s)"}
            if "W5same" in wanted:
                rate = float(results["stepstone"].get("W1", {}).get("executions_per_s") or 200.0)
                print(f"W5same: {args.w5_same} timeouts due in one second", flush=True)
                results["stepstone"]["W5same"] = rec = w5_same_second(url, args.w5_same, rate)
                print("   ", json.dumps(rec), flush=True)
                results["moto"]["W5same"] = {"status": "not run (ours only; bench.py W5 compares both)"}
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if moto_pid:
                os.kill(moto_pid, 15)
    print()
    print(table(results))
    document = {"machine": info, "results": results}
    if args.json_out:
        args.json_out.write_text(json.dumps(document, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

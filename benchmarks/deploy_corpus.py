"""Deploy the corpus's SAM and CloudFormation templates with `stepstone deploy` and count what deploys.

    python benchmarks/deploy_corpus.py --corpus ../shared/corpus --templates DIR

DIR holds the whole templates the corpus's embedded definitions came from (index.jsonl: source_kind
embedded-object or embedded-string with a key path under Resources/), each named
`<owner>+<repo>+<path with / as +>`; fetch them from the repositories at the commits index.jsonl names.
A template that needs values CloudFormation would ask for (a Parameter without a Default) is deployed
again with a made-up `--sub` for each. Each template gets a fresh server, so logical ids shared by two
templates do not collide.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.server.conftest import ServerProcess


def wanted(corpus: Path) -> list[str]:
    rows = [json.loads(line) for line in (corpus / "index.jsonl").read_text().splitlines()]
    keep = {
        f"{r['repo'].replace('/', '+')}+{r['path'].replace('/', '+')}"
        for r in rows
        if r["source_kind"] in ("embedded-object", "embedded-string")
        and (r["key_path"] or "").startswith("Resources/")
    }
    return sorted(keep)


def deploy(server: ServerProcess, template: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "stepstone.cli.main", "deploy", str(template)]
    cmd += ["--endpoint", f"http://127.0.0.1:{server.port}", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--templates", type=Path, required=True)
    args = parser.parse_args()
    counts = {"templates": 0, "as_is": 0, "with_sub": 0, "failed": 0, "machines": 0, "machines_deployed": 0}
    for name in wanted(args.corpus):
        counts["templates"] += 1
        path = args.templates / name
        with tempfile.TemporaryDirectory() as tmp:
            server = ServerProcess(Path(tmp))
            server.start()
            try:
                done, kind = deploy(server, path), "as_is"
                asked = re.findall(r"--sub (\S+)=\.\.\.", done.stderr)
                if done.returncode == 2 and asked:
                    done, kind = (
                        deploy(server, path, *[f"--sub={n}=value-{n.lower()}" for n in asked]),
                        "with_sub",
                    )
            finally:
                server.kill()
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        counts["machines"] += len(lines)
        counts["machines_deployed"] += sum(line["action"] != "refused" for line in lines)
        counts[kind if done.returncode == 0 else "failed"] += 1
        if done.returncode != 0:
            print(
                f"FAILED {name}: {done.stderr.strip()[:200]} {[x for x in lines if x['action'] == 'refused']}"
            )
        elif kind == "with_sub":
            print(f"WITH --sub {name}: {', '.join(asked)}")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()

"""How many of the corpus's state machines stepstone can run: REPORT.md's "runnable today", recomputed.

    .venv/bin/python tools/corpus_runnable.py [path/to/corpus/index.jsonl]

The default is `index.jsonl` in $STEPSTONE_CORPUS_DIR, else in ../shared/corpus beside the repository.

A definition is runnable when every Task resource kind in its `resource_kinds` is served: the kinds
the corpus report already counts (Lambda functions, activities, nested executions, http:invoke), and
every kind that stepstone's own integration registry resolves (the optimized SQS, SNS, DynamoDB,
EventBridge, ECS/Batch/Glue/Athena/CodeBuild integrations with the patterns they support, and
aws-sdk:<service> for every service botocore knows). Prints the figure and the kinds still missing.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stepstone.integrations.aws.calls import ServiceCaller  # noqa: E402
from stepstone.integrations.aws.registry import AwsIntegrations  # noqa: E402
from stepstone.integrations.aws.sdk import ServiceNames  # noqa: E402
from stepstone.integrations.aws.sync import JOBS  # noqa: E402
from stepstone.integrations.base import Registry, UnknownResource  # noqa: E402
from stepstone.integrations.http import HttpIntegration  # noqa: E402
from stepstone.integrations.polling import Pollable  # noqa: E402

#: What the corpus report counts as runnable today (its "Runnable today" definition).
TODAY = frozenset({
    "Lambda function ARN", "lambda:invoke", "lambda:invoke.waitForTaskToken",
    "${...} substitution (presumed Lambda function ARN)", "CFN Ref/GetAtt (presumed Lambda function ARN)",
    "placeholder text (presumed Lambda function ARN)", "activity ARN", "activity ARN (via substitution/Ref)",
    "states:startExecution", "states:startExecution.sync", "states:startExecution.sync:2",
    "states:startExecution.waitForTaskToken", "http:invoke",
})  # fmt: skip
SUFFIXES = (".waitForTaskToken", ".sync:2", ".sync")


def served(kind: str, registry: Registry, names: ServiceNames) -> bool:
    """Whether stepstone's registry runs a Task of this resource kind, with its pattern."""
    if kind in TODAY:
        return True
    base, pattern = kind, ""
    for suffix in SUFFIXES:
        if kind.endswith(suffix):
            base, pattern = kind[: -len(suffix)], suffix
            break
    if base.startswith("aws-sdk:"):  # any action of a service botocore knows; .sync is not AWS's
        return names.resolve(base.split(":", 1)[1]) is not None and not pattern.startswith(".sync")
    try:
        integration = registry.resolve(f"arn:aws:states:::{base}")
    except UnknownResource:
        return False
    if pattern.startswith(".sync"):  # only the jobs the runtime polls end when the job does
        return isinstance(integration, Pollable) and f"arn:aws:states:::{base}" in JOBS
    return True  # request-response; .waitForTaskToken works with every integration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    corpus = Path(os.environ.get("STEPSTONE_CORPUS_DIR") or REPO.parent / "shared" / "corpus")
    parser.add_argument("index", nargs="?", default=str(corpus / "index.jsonl"))
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in Path(args.index).read_text().splitlines() if line.strip()]
    aws = AwsIntegrations.from_env("us-east-1")
    registry = Registry()
    HttpIntegration().register_into(registry)
    aws.register_into(registry)
    names = ServiceNames(ServiceCaller(aws.clients))
    verdict: dict[str, bool] = {}
    missing: collections.Counter[str] = collections.Counter()
    runnable = before = 0
    for row in rows:
        kinds = row["resource_kinds"]
        for kind in kinds:
            if kind not in verdict:
                verdict[kind] = served(kind, registry, names)
        lacking = [k for k in kinds if not verdict[k]]
        runnable += not lacking
        before += bool(row.get("runnable_today"))
        missing.update(set(lacking))
    aws.close()
    total = len(rows)
    print(f"runnable before (corpus report): {before}/{total} ({100 * before / total:.1f}%)")
    print(f"runnable now: {runnable}/{total} ({100 * runnable / total:.1f}%)")
    print("kinds still missing (definitions blocked by each):")
    for kind, count in missing.most_common():
        print(f"  {count:4d}  {kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

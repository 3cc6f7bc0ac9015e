"""Distributed Map through a real `stepstone serve`, boto3 as the client, moto (server mode) as S3."""

from __future__ import annotations

import json
from typing import Any

from tests.aws.distributed import BUCKET, PASS, events, map_run_arn, map_state, run, s3, sfn_server
from tests.aws.motoserver import MotoServer
from tests.server.conftest import ServerProcess

__all__ = ["sfn_server"]

CSV = 'id,name\n1,ada\n2,grace\n3,"hopper, grace"\n4,"multi\nline"\n'


def csv_reader(**config: Any) -> dict[str, Any]:
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", **config},
        "Parameters": {"Bucket.$": "$.bucket", "Key.$": "$.key"},
    }


def test_csv_in_s3_to_results_in_s3(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    client.put_object(Bucket=BUCKET, Key="in.csv", Body=CSV.encode())
    definition = map_state(
        PASS,
        ItemReader=csv_reader(),
        ItemSelector={"row.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": BUCKET, "Prefix": "out"},
        },
        MaxConcurrency=2,
        Label="rows",
    )
    sfn = sfn_server.client()
    done = run(sfn, definition, {"bucket": BUCKET, "key": "in.csv"})
    assert done["status"] == "SUCCEEDED", json.dumps(events(sfn, done["executionArn"])[-3:], default=str)
    output = json.loads(done["output"])
    run_arn = map_run_arn(sfn, done["executionArn"])
    assert output["MapRunArn"] == run_arn and ":mapRun:" in run_arn and "/rows:" in run_arn
    manifest_key = output["ResultWriterDetails"]["Key"]
    assert output["ResultWriterDetails"]["Bucket"] == BUCKET
    assert manifest_key == f"out/{run_arn.rsplit(':', 1)[-1]}/manifest.json"
    manifest = json.loads(client.get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read())
    assert manifest["MapRunArn"] == run_arn and manifest["DestinationBucket"] == BUCKET
    assert manifest["ResultFiles"]["FAILED"] == [] and manifest["ResultFiles"]["PENDING"] == []
    [succeeded] = manifest["ResultFiles"]["SUCCEEDED"]
    body = client.get_object(Bucket=BUCKET, Key=succeeded["Key"])["Body"].read()
    assert succeeded["Size"] == len(body) and succeeded["Key"].endswith("/SUCCEEDED_0.json")
    results = json.loads(body)
    outputs = sorted((json.loads(r["Output"]) for r in results), key=lambda o: o["index"])
    assert [o["row"] for o in outputs] == [
        {"id": "1", "name": "ada"},
        {"id": "2", "name": "grace"},
        {"id": "3", "name": "hopper, grace"},
        {"id": "4", "name": "multi\nline"},
    ]
    assert {r["Status"] for r in results} == {"SUCCEEDED"}
    types = [e["type"] for e in events(sfn, done["executionArn"])]
    assert types[:6] == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
    ]
    # the children are real executions of the map run
    children = sfn.list_executions(mapRunArn=run_arn)["executions"]
    assert len(children) == 4 and {c["status"] for c in children} == {"SUCCEEDED"}
    child = sfn.describe_execution(executionArn=children[0]["executionArn"])
    assert json.loads(child["input"])["row"]["id"] in {"1", "2", "3", "4"}
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["status"] == "SUCCEEDED" and described["executionArn"] == done["executionArn"]
    assert described["maxConcurrency"] == 2
    assert described["itemCounts"]["succeeded"] == 4 and described["itemCounts"]["total"] == 4
    assert described["executionCounts"]["succeeded"] == 4
    runs = sfn.list_map_runs(executionArn=done["executionArn"])["mapRuns"]
    assert [r["mapRunArn"] for r in runs] == [run_arn]
    # the children's machine is not one of the user's
    assert all("/" not in m["name"] for m in sfn.list_state_machines()["stateMachines"])

"""Distributed Map through a real `stepstone serve`, boto3 as the client, moto (server mode) as S3."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.aws.distributed import (
    BUCKET,
    PASS,
    ROLE,
    any_server,
    events,
    map_run_arn,
    map_state,
    run,
    s3,
    sfn_server,
    wait,
)
from tests.aws.motoserver import MotoServer
from tests.server.conftest import ServerProcess

__all__ = ["any_server", "sfn_server"]

CSV = 'id,name\n1,ada\n2,grace\n3,"hopper, grace"\n4,"multi\nline"\n'


def csv_reader(**config: Any) -> dict[str, Any]:
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", **config},
        "Parameters": {"Bucket.$": "$.bucket", "Key.$": "$.key"},
    }


def test_csv_in_s3_to_results_in_s3(moto: MotoServer, any_server: ServerProcess) -> None:
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
    sfn = any_server.client()
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
    assert child["mapRunArn"] == run_arn
    assert "mapRunArn" not in sfn.describe_execution(executionArn=done["executionArn"])
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


def json_reader(kind: str = "JSON", **config: Any) -> dict[str, Any]:
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": kind, **config},
        "Parameters": {"Bucket": BUCKET, "Key.$": "$.key"},
    }


def test_json_array_without_result_writer_gives_outputs_in_item_order(
    moto: MotoServer, sfn_server: ServerProcess
) -> None:
    client = s3(moto)
    items = [{"n": i, "text": "é" * (i % 5)} for i in range(30)]
    client.put_object(Bucket=BUCKET, Key="a.json", Body=json.dumps(items).encode())
    definition = map_state(PASS, ItemReader=json_reader(MaxItems=25), MaxConcurrency=4)
    done = run(sfn_server.client(), definition, {"key": "a.json"})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == items[:25]


def test_jsonl_with_batches(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    lines = "\n".join(json.dumps({"n": i}) for i in range(7)) + "\n\n"
    client.put_object(Bucket=BUCKET, Key="a.jsonl", Body=lines.encode())
    definition = map_state(
        PASS,
        ItemReader=json_reader("JSONL"),
        ItemBatcher={"MaxItemsPerBatch": 3, "BatchInput": {"source.$": "$.key"}},
    )
    sfn = sfn_server.client()
    done = run(sfn, definition, {"key": "a.jsonl"})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [
        {"BatchInput": {"source": "a.jsonl"}, "Items": [{"n": 0}, {"n": 1}, {"n": 2}]},
        {"BatchInput": {"source": "a.jsonl"}, "Items": [{"n": 3}, {"n": 4}, {"n": 5}]},
        {"BatchInput": {"source": "a.jsonl"}, "Items": [{"n": 6}]},
    ]
    run_arn = map_run_arn(sfn, done["executionArn"])
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["itemCounts"]["succeeded"] == 7 and described["executionCounts"]["succeeded"] == 3
    children = sfn.list_executions(mapRunArn=run_arn)["executions"]
    assert sorted(c["itemCount"] for c in children) == [1, 3, 3]
    assert {c["mapRunArn"] for c in children} == {run_arn}


def test_batches_bounded_by_bytes(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    items = [{"pad": "x" * 40} for _ in range(6)]  # 53 bytes each as JSON
    client.put_object(Bucket=BUCKET, Key="b.json", Body=json.dumps(items).encode())
    definition = map_state(PASS, ItemReader=json_reader(), ItemBatcher={"MaxInputBytesPerBatch": 120})
    done = run(sfn_server.client(), definition, {"key": "b.json"})
    assert done["status"] == "SUCCEEDED", done
    assert [len(batch["Items"]) for batch in json.loads(done["output"])] == [2, 2, 2]


def test_list_objects_v2(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    for i in range(5):
        client.put_object(Bucket=BUCKET, Key=f"logs/{i}.txt", Body=b"x" * i)
    client.put_object(Bucket=BUCKET, Key="other.txt", Body=b"")
    definition = map_state(
        PASS,
        ItemReader={
            "Resource": "arn:aws:states:::s3:listObjectsV2",
            "Parameters": {"Bucket": BUCKET, "Prefix": "logs/"},
            "ReaderConfig": {"MaxItems": 4},
        },
        ItemSelector={"key.$": "$$.Map.Item.Value.Key", "size.$": "$$.Map.Item.Value.Size"},
    )
    done = run(sfn_server.client(), definition)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [{"key": f"logs/{i}.txt", "size": i} for i in range(4)]


def test_s3_inventory_manifest(moto: MotoServer, sfn_server: ServerProcess) -> None:
    import gzip

    client = s3(moto)
    files = []
    for part, rows in enumerate([["a.jpg", "b.jpg"], ["c.jpg"]]):
        key = f"inventory/data/{part}.csv.gz"
        body = "".join(f'"{BUCKET}","{row}","{len(row)}"\n' for row in rows)
        client.put_object(Bucket=BUCKET, Key=key, Body=gzip.compress(body.encode()))
        files.append({"key": key, "size": len(body), "MD5checksum": "0"})
    manifest = {
        "sourceBucket": BUCKET,
        "destinationBucket": f"arn:aws:s3:::{BUCKET}",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": files,
    }
    client.put_object(Bucket=BUCKET, Key="inventory/manifest.json", Body=json.dumps(manifest).encode())
    definition = map_state(PASS, ItemReader=json_reader("MANIFEST"))
    done = run(sfn_server.client(), definition, {"key": "inventory/manifest.json"})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [
        {"Bucket": BUCKET, "Key": "a.jpg", "Size": "5"},
        {"Bucket": BUCKET, "Key": "b.jpg", "Size": "5"},
        {"Bucket": BUCKET, "Key": "c.jpg", "Size": "5"},
    ]


FAIL_ODD = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fail_odd",
            "End": True,
        }
    },
}


def _numbers(client: Any, count: int) -> None:
    client.put_object(Bucket=BUCKET, Key="n.json", Body=json.dumps([{"n": i} for i in range(count)]).encode())


def test_tolerated_failures_within_the_threshold_write_failed_results(
    moto: MotoServer, sfn_server: ServerProcess
) -> None:
    client = s3(moto)
    _numbers(client, 6)
    definition = map_state(
        FAIL_ODD,
        ItemReader=json_reader(),
        ToleratedFailurePercentage=50,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": BUCKET, "Prefix": "r"},
        },
    )
    sfn = sfn_server.client()
    done = run(sfn, definition, {"key": "n.json"})
    assert done["status"] == "SUCCEEDED", done
    manifest_key = json.loads(done["output"])["ResultWriterDetails"]["Key"]
    manifest = json.loads(client.get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read())
    [failed_file] = manifest["ResultFiles"]["FAILED"]
    failed = json.loads(client.get_object(Bucket=BUCKET, Key=failed_file["Key"])["Body"].read())
    assert sorted(json.loads(f["Input"])["n"] for f in failed) == [1, 3, 5]
    assert {f["Status"] for f in failed} == {"FAILED"} and {f["Error"] for f in failed} == {"ValueError"}
    described = sfn.describe_map_run(mapRunArn=json.loads(done["output"])["MapRunArn"])
    assert described["itemCounts"]["failed"] == 3 and described["itemCounts"]["succeeded"] == 3
    assert described["toleratedFailurePercentage"] == 50.0


def test_failures_past_the_threshold_fail_the_map(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    _numbers(client, 8)
    definition = map_state(FAIL_ODD, ItemReader=json_reader(), ToleratedFailureCount=1, MaxConcurrency=1)
    sfn = sfn_server.client()
    done = run(sfn, definition, {"key": "n.json"})
    assert done["status"] == "FAILED"
    assert done["error"] == "States.ExceedToleratedFailureThreshold"
    history = events(sfn, done["executionArn"])
    failed = next(e for e in history if e["type"] == "MapRunFailed")["mapRunFailedEventDetails"]
    assert failed["error"] == "States.ExceedToleratedFailureThreshold"
    described = sfn.describe_map_run(mapRunArn=map_run_arn(sfn, done["executionArn"]))
    assert described["status"] == "FAILED"
    # one at a time: the second failure (item 3) ends it before items 4.. start
    assert described["itemCounts"]["failed"] == 2 and described["itemCounts"]["succeeded"] == 2
    assert described["executionCounts"]["total"] == 4


def test_a_csv_that_does_not_parse_fails_the_reader_and_is_caught(
    moto: MotoServer, sfn_server: ServerProcess
) -> None:
    client = s3(moto)
    client.put_object(Bucket=BUCKET, Key="bad.csv", Body=b'a,b\n1,"unterminated\n2,3\n')
    definition = map_state(PASS, ItemReader=csv_reader())
    definition["States"]["Map"].pop("End")
    definition["States"]["Map"]["Next"] = "Caught"
    definition["States"]["Map"]["Catch"] = [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Caught"}]
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    done = run(sfn_server.client(), definition, {"bucket": BUCKET, "key": "bad.csv"})
    assert done["status"] == "SUCCEEDED", done
    caught = json.loads(done["output"])
    assert caught["Error"] == "States.ItemReaderFailed" and "quoted field" in caught["Cause"]


def test_a_missing_object_fails_the_reader(moto: MotoServer, sfn_server: ServerProcess) -> None:
    s3(moto)
    done = run(
        sfn_server.client(), map_state(PASS, ItemReader=csv_reader()), {"bucket": BUCKET, "key": "nope.csv"}
    )
    assert done["status"] == "FAILED" and done["error"] == "States.ItemReaderFailed"
    assert "404" in done["cause"]


def test_a_result_writer_to_a_missing_bucket_fails(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    _numbers(client, 2)
    definition = map_state(
        PASS,
        ItemReader=json_reader(),
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "no-such-bucket"},
        },
    )
    done = run(sfn_server.client(), definition, {"key": "n.json"})
    assert done["status"] == "FAILED" and done["error"] == "States.ResultWriterFailed", done


WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}


def _running(sfn: Any, run_arn: str, at_least: int, timeout: float = 20) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described: dict[str, Any] = sfn.describe_map_run(mapRunArn=run_arn)
        if described["executionCounts"]["running"] >= at_least:
            return described
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} children running")


def _start(sfn: Any, definition: dict[str, Any], input: Any) -> str:
    import time

    machine = sfn.create_state_machine(
        name=f"m{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=ROLE
    )
    return str(
        sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(input))[
            "executionArn"
        ]
    )


def _map_run_of(sfn: Any, execution_arn: str) -> str:
    import time

    for _ in range(200):
        runs = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
        if runs:
            return str(runs[0]["mapRunArn"])
        time.sleep(0.05)
    raise AssertionError("no map run")


def test_update_map_run_raises_the_concurrency(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    _numbers(client, 6)
    long_wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 4, "End": True}}}
    definition = map_state(long_wait, ItemReader=json_reader(), MaxConcurrency=1)
    sfn = sfn_server.client()
    arn = _start(sfn, definition, {"key": "n.json"})
    run_arn = _map_run_of(sfn, arn)
    first = _running(sfn, run_arn, 1)
    assert first["maxConcurrency"] == 1 and first["executionCounts"]["running"] == 1
    sfn.update_map_run(mapRunArn=run_arn, maxConcurrency=4, toleratedFailureCount=2)
    described = _running(sfn, run_arn, 4)
    assert described["maxConcurrency"] == 4 and described["toleratedFailureCount"] == 2
    assert described["executionCounts"]["running"] == 4
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_map_run(mapRunArn=run_arn[:-4] + "0000")
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.update_map_run(mapRunArn=run_arn, toleratedFailurePercentage=101)
    sfn.stop_execution(executionArn=arn)


def test_stopping_the_parent_aborts_the_run_and_its_children(
    moto: MotoServer, sfn_server: ServerProcess
) -> None:
    client = s3(moto)
    _numbers(client, 3)
    long_wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    definition = map_state(long_wait, ItemReader=json_reader())
    sfn = sfn_server.client()
    arn = _start(sfn, definition, {"key": "n.json"})
    run_arn = _map_run_of(sfn, arn)
    _running(sfn, run_arn, 3)
    sfn.stop_execution(executionArn=arn)
    assert wait(sfn, arn)["status"] == "ABORTED"
    assert sfn.describe_map_run(mapRunArn=run_arn)["status"] == "ABORTED"
    for child in sfn.list_executions(mapRunArn=run_arn)["executions"]:
        assert wait(sfn, child["executionArn"])["status"] == "ABORTED"
    assert "MapRunAborted" in [e["type"] for e in events(sfn, arn)]


def test_express_children_are_listed_executions(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    _numbers(client, 3)
    definition = map_state(PASS, ItemReader=json_reader())
    definition["States"]["Map"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] = "EXPRESS"
    sfn = sfn_server.client()
    done = run(sfn, definition, {"key": "n.json"})
    assert done["status"] == "SUCCEEDED", done
    children = sfn.list_executions(mapRunArn=map_run_arn(sfn, done["executionArn"]), maxResults=2)
    assert len(children["executions"]) == 2 and children["nextToken"]
    assert all(":express:" in c["executionArn"] for c in children["executions"])


def test_writer_config_alone_flattens_into_the_output(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    client.put_object(Bucket=BUCKET, Key="pairs.json", Body=json.dumps([[1, 2], [3], []]).encode())
    definition = map_state(
        PASS,
        ItemReader=json_reader(),
        ResultWriter={"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}},
    )
    done = run(sfn_server.client(), definition, {"key": "pairs.json"})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [1, 2, 3]


def test_jsonata_arguments_and_batch_input(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    client.put_object(Bucket=BUCKET, Key="j.json", Body=json.dumps([{"n": i} for i in range(3)]).encode())
    definition = map_state(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        QueryLanguage="JSONata",
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.max %}"},
            "Arguments": {"Bucket": BUCKET, "Key": "{% $states.input.key %}"},
        },
        ItemSelector={"value": "{% $states.context.Map.Item.Value.n * 10 %}"},
        ItemBatcher={"MaxItemsPerBatch": 5, "BatchInput": {"from": "{% $states.input.key %}"}},
    )
    done = run(sfn_server.client(), definition, {"key": "j.json", "max": 2})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [
        {"BatchInput": {"from": "j.json"}, "Items": [{"value": 0}, {"value": 10}]}
    ]


def test_a_run_survives_kill_9(moto: MotoServer, sfn_server: ServerProcess) -> None:
    client = s3(moto)
    _numbers(client, 40)
    short_wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
    definition = map_state(
        short_wait,
        ItemReader=json_reader(),
        MaxConcurrency=10,
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": BUCKET}},
    )
    sfn = sfn_server.client()
    arn = _start(sfn, definition, {"key": "n.json"})
    run_arn = _map_run_of(sfn, arn)
    _running(sfn, run_arn, 10)
    sfn_server.restart()  # SIGKILL mid-run, then a new process on the same database
    sfn = sfn_server.client()
    done = wait(sfn, arn, 90)
    assert done["status"] == "SUCCEEDED", done
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["executionCounts"]["succeeded"] == 40 and described["executionCounts"]["total"] == 40
    manifest = client.get_object(Bucket=BUCKET, Key=json.loads(done["output"])["ResultWriterDetails"]["Key"])
    [succeeded] = json.loads(manifest["Body"].read())["ResultFiles"]["SUCCEEDED"]
    results = json.loads(client.get_object(Bucket=BUCKET, Key=succeeded["Key"])["Body"].read())
    assert sorted(json.loads(r["Input"])["n"] for r in results) == list(range(40))


def test_past_the_threshold_the_results_are_written_then_the_map_fails(
    moto: MotoServer, sfn_server: ServerProcess
) -> None:
    client = s3(moto)
    _numbers(client, 6)
    definition = map_state(
        FAIL_ODD,
        ItemReader=json_reader(),
        MaxConcurrency=1,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": BUCKET, "Prefix": "f"},
        },
    )
    sfn = sfn_server.client()
    done = run(sfn, definition, {"key": "n.json"})
    assert done["status"] == "FAILED" and done["error"] == "States.ExceedToleratedFailureThreshold", done
    run_arn = map_run_arn(sfn, done["executionArn"])
    key = f"f/{run_arn.rsplit(':', 1)[-1]}/manifest.json"
    manifest = json.loads(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    [succeeded], [failed] = manifest["ResultFiles"]["SUCCEEDED"], manifest["ResultFiles"]["FAILED"]
    read = lambda k: json.loads(client.get_object(Bucket=BUCKET, Key=k)["Body"].read())  # noqa: E731
    assert [json.loads(r["Input"]) for r in read(succeeded["Key"])] == [{"n": 0}]
    assert [json.loads(r["Input"]) for r in read(failed["Key"])] == [{"n": 1}]
    types = [e["type"] for e in events(sfn, done["executionArn"])]
    assert types[-3:] == ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]
    assert sfn.describe_map_run(mapRunArn=run_arn)["status"] == "FAILED"

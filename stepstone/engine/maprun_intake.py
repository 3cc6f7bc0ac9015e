"""Items read for a Map Run become child inputs: ItemSelector per item, then ItemBatcher.

A page of items comes in (from S3 or from the state input); each item gets its index and the
selector's view of it, and is queued as one child's input or added to the batch being filled
(MaxItemsPerBatch, MaxInputBytesPerBatch, BatchInput). At most one page and one batch wait here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.paths import compact_json
from stepstone.engine.jsonata_io import states_binding
from stepstone.engine.maprun_state import MapRun

if TYPE_CHECKING:
    from stepstone.engine.interpreter import Interpreter

#: Items per read, at most (and per batch, when only MaxInputBytesPerBatch bounds it).
READ_PAGE = 500
#: Items per read, at least (they wait in `MapRun.ready` for a free child slot).
MIN_READ = 100


def per_batch(mr: MapRun) -> int:
    """Items per child input."""
    batcher = mr.batcher
    if batcher is None:
        return 1
    per_batch = int(batcher.get("max_items") or 0)
    return per_batch if per_batch > 0 else READ_PAGE


def _select(run: Interpreter, mr: MapRun, index: int, item: JSON) -> JSON:
    frame = run.state.frames[mr.frame]
    cs = run.state_of(frame)
    if cs.item_selector is not None:
        return cs.item_selector.evaluate(mr.selector_input, run.env(frame, cs, item=(index, item)))
    if cs.item_selector_value is not None:
        env = run.env(frame, cs, item=(index, item))
        return cs.item_selector_value.evaluate(states_binding(mr.selector_input, env), env.variables, env)
    return item


def _batch_ready(mr: MapRun) -> None:
    batcher = mr.batcher
    assert batcher is not None
    child: JSONObject = {}
    if batcher.get("input") is not None:
        child["BatchInput"] = batcher["input"]
    child["Items"] = mr.partial
    mr.ready.append([child, len(mr.partial)])
    mr.partial = []
    mr.partial_bytes = 0


def accept(run: Interpreter, mr: MapRun, page: list[JSON], done: bool) -> None:
    """Select, batch and queue a page of items; an ItemSelector's failure raises AslFailure."""
    batcher = mr.batcher
    for item in page:
        index = mr.read
        mr.read += 1
        value = _select(run, mr, index, item)
        if batcher is None:
            mr.ready.append([value, 1])
            continue
        size = len(compact_json(value).encode()) + 1
        max_bytes = int(batcher.get("max_bytes") or 0)
        if mr.partial and max_bytes and mr.partial_bytes + size > max_bytes:
            _batch_ready(mr)
        mr.partial.append(value)
        mr.partial_bytes += size
        if len(mr.partial) >= per_batch(mr) and batcher.get("max_items"):
            _batch_ready(mr)
    if done:
        mr.reader_done = True
        if mr.partial:
            _batch_ready(mr)

"""Scale-out: the same stage functions over a partitioned JSON Lines dataset on Dask.

Each partition (a file, or a block of one) goes through the chain `toolkit run` uses
(toolkit.pipeline.process_guarded), in a worker process that loads its models once.
Dask does the scheduling, retries and data movement; nothing here schedules anything.

    import dask.bag as db
    from toolkit.pipeline import RunConfig
    from toolkit.scale import process_bag

    bag = db.read_text("records/part-*.jsonl")
    process_bag(bag, RunConfig(to="en")).to_textfiles("out/part-*.jsonl", last_endline=True)

Needs the optional extra: pip install 'toolkit[dask]' (dask.distributed for a cluster).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from toolkit.pipeline import Meter, RunConfig, process_guarded
from toolkit.records import dumps, parse_line


def process_partition(lines: Iterable[str], config: RunConfig) -> list[str]:
    """One partition of JSON Lines text in, the processed JSON Lines out (same order)."""
    records = [parse_line(line.rstrip("\r\n").encode("utf-8"), number, "run")
               for number, line in enumerate(lines, start=1) if line.strip()]
    return [dumps(record) for record in process_guarded(records, config, Meter())]


def process_bag(bag: Any, config: RunConfig) -> Any:
    """A dask.bag of JSON Lines text -> a bag of processed JSON Lines (one per input line)."""
    return bag.map_partitions(process_partition, config)


def run_dataset(inputs: str | list[str], output: str, config: RunConfig, *,
                scheduler: str | None = "sync", blocksize: int | None = None) -> list[str]:
    """Read a JSON Lines dataset, process every partition, write `output` (a glob like
    'out/part-*.jsonl'); return the files written. `scheduler`: 'sync', 'threads',
    'processes', or None for the active dask.distributed Client.
    """
    import dask
    import dask.bag as db

    bag = db.read_text(inputs, blocksize=blocksize, encoding="utf-8")
    writes = process_bag(bag, config).to_textfiles(output, last_endline=True, compute=False)
    if scheduler is None:
        dask.compute(*writes)
    else:
        with dask.config.set(scheduler=scheduler):
            dask.compute(*writes)
    return [output.replace("*", str(index)) for index in range(bag.npartitions)]

"""Scale-out: the same stage functions over a partitioned JSON Lines dataset on Dask.

Each partition (a file, or a block of one) goes through the chain `toolkit run` uses
(toolkit.pipeline.process_guarded), in a worker process that loads its models once.
Dask does the scheduling, retries and data movement; nothing here schedules anything.

    import dask.bag as db
    from toolkit.pipeline import RunConfig
    from toolkit.scale import process_bag

    bag = db.read_text("records/part-*.jsonl")
    process_bag(bag, RunConfig(to="en")).to_textfiles("out/part-*.jsonl", last_endline=True)

`toolkit run --scheduler ADDRESS` (or local[:N]) uses DaskExecutor: the client ingests,
looks documents up in its state folder and writes the output; the workers run the chain
on chunks of fresh documents, several chunks at once, and the client takes the results
back in input order, so output, state and resume are those of a single-process run.

Needs the optional extra: pip install 'toolkit[dask]' (dask and dask.distributed).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from toolkit.pipeline import Meter, RunConfig, process_guarded
from toolkit.records import Record, dumps, parse_line

# Chunks in flight per worker thread: one running, one waiting, so no worker idles
# while the client collects.
CHUNKS_PER_THREAD = 2
CONNECT_TIMEOUT_S = 30


def process_chunk(records: list[Record], config: RunConfig) -> tuple[list[Record], Meter]:
    """The chain over one chunk, on a worker; its meter goes back to the client."""
    meter = Meter()
    return list(process_guarded(records, config, meter)), meter


def process_partition(lines: Iterable[str], config: RunConfig) -> list[str]:
    """One partition of JSON Lines text in, the processed JSON Lines out (same order)."""
    records = [parse_line(line.rstrip("\r\n").encode("utf-8"), number, "run")
               for number, line in enumerate(lines, start=1) if line.strip()]
    return [dumps(record) for record in process_chunk(records, config)[0]]


# --- toolkit run --scheduler -----------------------------------------------------------


def parse_scheduler(spec: str) -> tuple[str, int | None]:
    """'local' / 'local:4' -> ('local', workers or None); an address -> ('remote', None)."""
    spec = spec.strip()
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2]
        if count and (not count.isdigit() or not 1 <= int(count) <= 256):
            raise ValueError(f"--scheduler {spec!r}: expected local or local:N with N from 1 "
                             "to 256 worker processes")
        return "local", int(count) if count else None
    if not spec or any(c.isspace() for c in spec):
        raise ValueError(f"--scheduler {spec!r}: expected a Dask scheduler address such as "
                         "tcp://host:8786, or local[:N]")
    return "remote", None


def check_scheduler(spec: str) -> None:
    """Usage errors for --scheduler, before any work (ValueError)."""
    parse_scheduler(spec)
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ValueError("--scheduler needs dask.distributed: pip install 'toolkit[dask]'"
                         ) from None


@dataclasses.dataclass
class DaskExecutor:
    """run_documents' executor: each chunk a task on the cluster, `ahead` in flight."""

    client: Any
    config: RunConfig
    meter: Meter
    ahead: int = 1

    def submit(self, records: list[Record]) -> Any:
        if not records:
            return None
        return self.client.submit(process_chunk, records, self.config, pure=False)

    def results(self, future: Any) -> Iterator[Record]:
        if future is None:
            return iter(())
        records, meter = future.result()
        merge_meter(self.meter, meter)
        return iter(records)


def merge_meter(total: Meter, part: Meter) -> None:
    """Add a worker's counts and stage times to the client's meter."""
    for name in ("records", "inclusive", "skipped_missing"):
        getattr(total, name).update(getattr(part, name))
    for name in ("translated_chars", "translated_sentences", "redone_chunks"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.order.extend(stage for stage in part.order if stage not in total.order)
    total.missing_reasons.extend(reason for reason in part.missing_reasons
                                 if reason not in total.missing_reasons)


@contextlib.contextmanager
def dask_executor(spec: str, config: RunConfig, meter: Meter, *, quiet: bool = False):
    """A DaskExecutor on the scheduler at `spec`, or on a LocalCluster for local[:N]."""
    from distributed import Client, LocalCluster

    kind, workers = parse_scheduler(spec)
    with contextlib.ExitStack() as stack:
        if kind == "local":
            from toolkit.devices import usable_cores

            cores = usable_cores()
            workers = workers or cores
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=50))
            client = stack.enter_context(Client(cluster))
            if not config.translate.get("threads"):  # share the cores, not each take all
                translate = dict(config.translate, threads=max(1, cores // workers))
                config = dataclasses.replace(config, translate=translate)
        else:
            try:
                client = stack.enter_context(Client(spec, timeout=CONNECT_TIMEOUT_S))
            except (OSError, TimeoutError) as exc:
                raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {spec}: "
                                           f"{exc}") from None
        threads = sum(client.nthreads().values()) or 1
        if not quiet:
            sys.stderr.write(f"toolkit run: {len(client.nthreads())} Dask worker(s), "
                             f"{threads} thread(s) ({spec})\n")
        yield DaskExecutor(client, config, meter, ahead=CHUNKS_PER_THREAD * threads)


class SchedulerUnreachable(OSError):
    """--scheduler ADDRESS did not answer."""


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

"""`toolkit run`: ingest -> detect -> translate -> summarize -> extract in one process.

The stages are the same generator functions the stage commands use, chained over small
chunks of records; models are loaded once because each stage caches them per process.
With a state folder (toolkit.state) each ingested document is looked up first and only
new or edited documents go through the chain; every finished record is stored as it
comes out, so an interrupted run can be resumed.

`--translate summary` summarises the source text first and then translates only the
title and the summary sentences, written back into `summary.<lang>.sentences[i]
.translations.<to>`.
"""

from __future__ import annotations

import copy
import importlib
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from toolkit import __version__
from toolkit.records import MISSING_PREFIX, Record, add_error, add_warning, chunks
from toolkit.records import say as say_for_stage

STAGES = ("detect", "translate", "summarize", "extract")
SCOPES = ("all", "summary")

# Records go through the chain in chunks: big enough for translation batches, small
# enough that a kill -9 loses little and cached records are written without delay.
CHUNK_RECORDS = 64


@dataclass
class RunConfig:
    """What `toolkit run` does to each document; each stage's options go to its function.

    Stage option dicts hold only what the user set: a stage function's own defaults
    (the same constants the stage commands use) apply to the rest.
    """

    to: str = "en"
    scope: str = "all"
    skip_missing_models: bool = False
    force: bool = False
    ingest: dict[str, Any] = field(default_factory=dict)
    detect: dict[str, Any] = field(default_factory=dict)
    translate: dict[str, Any] = field(default_factory=dict)
    summarize: dict[str, Any] = field(default_factory=dict)
    extract: dict[str, Any] = field(default_factory=dict)
    stories: dict[str, Any] | None = None  # None: no stories; else story_records' options

    def __post_init__(self) -> None:
        from toolkit.translate import language_code

        if self.scope not in SCOPES:
            raise ValueError(f"--translate {self.scope!r}: expected one of {', '.join(SCOPES)}")
        # The key translate writes under (EN, en-US: en), which the later steps look up.
        self.to = language_code(self.to, "--to")

    def stage_options(self, stage: str) -> dict[str, Any]:
        options = dict(getattr(self, stage))
        if self.force and stage != "ingest":
            options["force"] = True
        if stage == "translate":
            options["to"] = self.to
        return options

    def params(self) -> dict[str, Any]:
        """Everything that shapes a document's result: the key of the state store.

        Includes the installed packages that translate into `to`, so installing a newer
        model makes the next run redo the documents; leaves out where the translation
        cache lives and how many threads run, which change no result.
        """
        stages = {stage: dict(getattr(self, stage)) for stage in ("ingest", *STAGES)}
        for key in UNSHAPING_OPTIONS:
            stages["translate"].pop(key, None)
        if stages["translate"].get("glossary") is not None:  # its content, not its path
            from toolkit.glossary import load_glossary

            stages["translate"]["glossary"] = load_glossary(stages["translate"]["glossary"]).sha256
        return {"toolkit": __version__, "to": self.to, "translate_scope": self.scope,
                "skip_missing_models": self.skip_missing_models, **stages,
                "models": model_fingerprint(self.to), "ner": ner_fingerprint()}


UNSHAPING_OPTIONS = ("cache", "threads", "replicas")


def ner_fingerprint() -> str:
    from toolkit.extract.ner import fingerprint

    return fingerprint()


def model_fingerprint(to: str) -> list[str]:
    """The installed packages a translation into `to` may use: folder@version, sorted."""
    try:
        from toolkit import models
    except ImportError:
        return []
    packages = models.installed_packages()
    useful = {p for p in packages if p.to_code == to}
    useful |= {p for p in packages if any(q.from_code == p.to_code for q in useful)}
    return sorted(f"{p.name}@{p.version}" for p in useful)


# --- measuring ------------------------------------------------------------------------


@dataclass
class Meter:
    """Records and time per stage, errors and warnings per code, translation cost."""

    records: Counter = field(default_factory=Counter)
    inclusive: Counter = field(default_factory=Counter)
    order: list[str] = field(default_factory=list)
    translated_chars: int = 0
    translated_sentences: int = 0
    reused: int = 0
    processed: int = 0
    redone_chunks: int = 0
    skipped_missing: Counter = field(default_factory=Counter)
    missing_reasons: list[str] = field(default_factory=list)

    def timed(self, stage: str, records: Iterable[Record]) -> Iterator[Record]:
        """Count a stage's output and the time spent getting it (upstream included)."""
        iterator = iter(records)
        while True:
            started = time.perf_counter()
            try:
                record = next(iterator)
            except StopIteration:
                self.inclusive[stage] += time.perf_counter() - started
                return
            except Exception as exc:
                if not hasattr(exc, "toolkit_stage"):  # the innermost stage that saw it
                    exc.toolkit_stage = stage
                raise
            self.inclusive[stage] += time.perf_counter() - started
            self.records[stage] += 1
            yield record

    def seconds(self) -> dict[str, float]:
        """Time spent in each stage alone: its inclusive time less its upstream's.

        Ingest feeds the chunks and is timed on its own; each chunk's chain starts from a
        list, so the first chain stage's upstream costs nothing.
        """
        result, before = {"ingest": self.inclusive["ingest"]}, 0.0
        for stage in self.order:
            result[stage] = max(0.0, self.inclusive[stage] - before)
            before = self.inclusive[stage]
        return result


# --- the chain ------------------------------------------------------------------------


def stage_function(stage: str) -> Callable[..., Iterator[Record]]:
    module = importlib.import_module(f"toolkit.{stage}")
    return getattr(module, f"{stage}_records")


def process(records: Iterable[Record], config: RunConfig, meter: Meter | None = None
            ) -> Iterator[Record]:
    """Run detect, translate, summarize and extract over records; one out per record in."""
    meter = meter or Meter()
    stream: Iterable[Record] = records
    for stage, step in _steps(config, meter):
        if stage not in meter.order:
            meter.order.append(stage)
        stream = meter.timed(stage, step(stream))
    return iter(stream)


def _steps(config: RunConfig, meter: Meter) -> list[tuple[str, Callable]]:
    def call(stage: str) -> Callable[[Iterable[Record]], Iterator[Record]]:
        function, options = stage_function(stage), config.stage_options(stage)
        return lambda records: function(records, **options)

    translate_step = (_translate_all if config.scope == "all" else _translate_summary)

    def translate(records: Iterable[Record]) -> Iterator[Record]:
        translated = translate_step(records, config, meter)
        if config.skip_missing_models:
            translated = missing_models_as_warnings(translated, meter)
        return translated

    steps = [("detect", call("detect"))]
    if config.scope == "all":
        steps += [("translate", translate), ("summarize", call("summarize"))]
    else:
        steps += [("summarize", call("summarize")), ("translate", translate)]
    return steps + [("extract", call("extract"))]


def _translate_all(records: Iterable[Record], config: RunConfig, meter: Meter
                   ) -> Iterator[Record]:
    def counted(records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            meter.translated_chars += _text_length(record.get("title"), record.get("text"))
            yield record

    yield from stage_function("translate")(counted(records), **config.stage_options("translate"))


def _translate_summary(records: Iterable[Record], config: RunConfig, meter: Meter
                       ) -> Iterator[Record]:
    """Translate each record's title and summary sentences only, aligned back in place.

    A stand-in record whose text is the summary sentences, one per line (a line break
    always ends a sentence for the splitter), goes through translate_records; sentence i
    of its translation is the translation of summary sentence i.
    """
    originals: deque[Record] = deque()

    def stand_ins() -> Iterator[Record]:
        for record in records:
            originals.append(record)
            stand_in = _summary_stand_in(record)
            meter.translated_chars += _text_length(stand_in.get("title"), stand_in.get("text"))
            yield stand_in

    translate = stage_function("translate")
    for translated in translate(stand_ins(), **config.stage_options("translate")):
        record = originals.popleft()
        _merge_summary_translation(record, translated, config.to, meter)
        yield record


def _summary_stand_in(record: Record) -> Record:
    stand_in: Record = {key: record[key] for key in ("id", "sha256", "source", "lang",
                                                      "lang_score") if key in record}
    if "title" in record:
        stand_in["title"] = record["title"]
    sentences = _summary_sentences(record)
    if sentences:
        stand_in["text"] = "\n".join(str(item.get("text", "")) for item in sentences)
    else:
        # Nothing to translate: a record without text passes translate untouched.
        stand_in["errors"] = list(record.get("errors") or []) or [
            {"stage": "summarize", "code": "no_summary", "message": "no summary to translate"}]
    stand_in["_errors_before"] = len(stand_in.get("errors") or ())
    return stand_in


def _summary_sentences(record: Record) -> list[dict] | None:
    summary = record.get("summary")
    if not isinstance(summary, dict) or not summary:
        return None
    chosen = summary.get(record.get("lang")) or next(iter(summary.values()))
    sentences = chosen.get("sentences") if isinstance(chosen, dict) else None
    return sentences if isinstance(sentences, list) else None


def _merge_summary_translation(record: Record, translated: Record, to: str, meter: Meter
                               ) -> None:
    before = translated.pop("_errors_before", 0)
    for key in ("errors", "warnings"):
        for entry in (translated.get(key) or [])[before if key == "errors" else 0:]:
            if isinstance(entry.get("message"), str):  # point at where the pairs are kept
                entry["message"] = entry["message"].replace(
                    f"translations.{to}.sentences", f"translations.{to}.summary_sentences")
            record.setdefault(key, []).append(entry)
    translation = (translated.get("translations") or {}).get(to)
    if not isinstance(translation, dict):
        return
    pairs = [item for item in translation.get("sentences") or [] if isinstance(item, dict)]
    sentences = _summary_sentences(record) or []
    for item, pair in zip(sentences, pairs):
        item.setdefault("translations", {})[to] = pair.get("target")
    meter.translated_sentences += len(pairs)
    # Not `sentences`: those pair sentence i of the whole text, and only the summary's
    # sentences were translated; `index` says which sentence of the text each one is.
    record.setdefault("translations", {})[to] = {
        "scope": "summary",
        "title": translation.get("title"),
        "model": translation.get("model"),
        "pivot": translation.get("pivot"),
        "params": translation.get("params"),
        "summary_sentences": [{"index": item.get("index"), **pair}
                              for item, pair in zip(sentences, pairs)],
    }
    if "title_glossary" in translation:  # the title's glossary hits; each sentence holds its own
        record["translations"][to]["title_glossary"] = translation["title_glossary"]


def _text_length(*parts: Any) -> int:
    return sum(len(part) for part in parts if isinstance(part, str))


def missing_models_as_warnings(records: Iterable[Record], meter: Meter) -> Iterator[Record]:
    """Turn translate's missing-model errors into warnings (`--skip-missing-models`).

    The record goes on to summarize and extract; the run says once, at the end, which
    pairs were skipped and how to install them.
    """
    for record in records:
        errors = record.get("errors") or []
        missing = [e for e in errors if e.get("stage") == "translate"
                   and str(e.get("code", "")).startswith(MISSING_PREFIX)]
        if missing:
            kept = [e for e in errors if e not in missing]
            if kept:
                record["errors"] = kept
            else:
                del record["errors"]
            for error in missing:
                add_warning(record, "translate", error["code"], error.get("message", ""))
                meter.skipped_missing[error["code"]] += 1
                if error.get("message") not in meter.missing_reasons:
                    meter.missing_reasons.append(error.get("message"))
        yield record


# --- documents, state, chunks ---------------------------------------------------------


def run_documents(
    documents: Iterable[Record],
    config: RunConfig,
    *,
    state: Any = None,
    only_new: bool = False,
    resume: bool = False,
    meter: Meter | None = None,
    chunk_records: int = CHUNK_RECORDS,
    executor: Any = None,
) -> Iterator[tuple[Record, bool]]:
    """(record, reused) for each document, in input order.

    With a state store, a document already processed with the same params is taken
    from it (and left out with `only_new`, unless it was stored by the interrupted run
    that `resume` continues); every other one goes through the chain and is stored.
    `executor` (toolkit.scale.DaskExecutor) runs the chunks elsewhere, `ahead` of them
    at once; by default they run here, one after the other.
    """
    from toolkit import limits

    limits.check("chunk_records", chunk_records)
    meter = meter or Meter()
    executor = executor or LocalExecutor(config, meter)
    in_flight: deque = deque()
    for chunk in chunks(documents, chunk_records):
        slots, fresh, keys = _look_up(chunk, config, state, only_new, resume, meter)
        in_flight.append((slots, keys, executor.submit(fresh)))
        if len(in_flight) > executor.ahead:
            yield from _deliver(*in_flight.popleft(), executor, state, meter)
    while in_flight:
        yield from _deliver(*in_flight.popleft(), executor, state, meter)


@dataclass
class LocalExecutor:
    """Chunks processed in this process, as they are submitted."""

    config: RunConfig
    meter: Meter
    ahead: int = 0

    def submit(self, records: list[Record]) -> Iterator[Record]:
        return process_guarded(records, self.config, self.meter)

    def results(self, submitted: Iterator[Record]) -> Iterator[Record]:
        return submitted


def _look_up(chunk, config, state, only_new, resume, meter):
    """A chunk's slots (stored record or None), fresh documents and their state keys."""
    from toolkit.state import document_key

    slots: list[Record | None] = []
    fresh: list[Record] = []
    keys = []  # of the fresh documents, taken before the stages change them
    for document in chunk:
        key = document_key(document) if state is not None else None
        hit = state.lookup(key) if state is not None and not config.force else None
        if hit is None:
            slots.append(None)
            fresh.append(document)
            keys.append(key)
            continue
        stored, run = hit
        new_to_reader = resume and run in state.interrupted
        meter.reused += 1
        if only_new and not new_to_reader:
            continue
        slots.append(stored)
    return slots, fresh, keys


def _deliver(slots, keys, submitted, executor, state, meter):
    processed = executor.results(submitted)
    fresh_keys = iter(keys)
    for slot in slots:
        if slot is not None:
            yield slot, True
            continue
        record = next(processed)
        key = next(fresh_keys)
        meter.processed += 1
        if state is not None:
            # A missing model's result is kept too: installing one changes the
            # params' model fingerprint, and the documents are redone then.
            state.store(record, key)
        yield record, False
    for _ in processed:  # a stage that broke the one-out-per-in rule
        raise RuntimeError("a stage yielded more records than it read")


def process_guarded(records: list[Record], config: RunConfig, meter: Meter) -> Iterator[Record]:
    """process(), but a stage that crashes on one document does not end the nightly run.

    Stages promise never to raise for bad input; should one break that promise, the
    chunk is redone one document at a time from a copy, and the document that still
    crashes is written with an `internal_error` entry naming the stage.
    """
    backup = copy.deepcopy(records)
    try:
        return iter(list(process(records, config, meter)))
    except Exception:  # noqa: BLE001 - see the docstring
        meter.redone_chunks += 1
    out = []
    for original in backup:
        try:
            out.extend(process([copy.deepcopy(original)], config, meter))
        except Exception as exc:  # noqa: BLE001
            stage = getattr(exc, "toolkit_stage", "run")
            out.append(add_error(original, stage, "internal_error",
                                 f"{stage} crashed on this document ({type(exc).__name__}: "
                                 f"{exc}); the other documents went on; please report it"))
    return iter(out)


def say(line: str) -> None:
    say_for_stage("run", line)


# --- the job: `toolkit run` -----------------------------------------------------------


@dataclass
class Job:
    """One `toolkit run`: where documents come from, where results go, how state is kept."""

    paths: list[str]
    config: RunConfig
    output: str | None = None
    exports: list[str] = field(default_factory=list)
    state_dir: str | None = None
    resume: bool = False
    only_new: bool = False
    wait: bool = False
    shard: str | None = None
    report_path: str | None = None
    progress: bool | None = None
    quiet: bool = False
    scheduler: str | None = None  # a dask.distributed address or local[:N] (toolkit.scale)


def check_usage(job: Job) -> None:
    """Raise ValueError for options that cannot work together, before any work."""
    from toolkit import limits
    from toolkit.state import parse_shard, state_problem

    shard = parse_shard(job.shard)
    if shard is not None:
        limits.check("shards", shard[1], what=f"--shard {job.shard}: N")
    if job.scheduler is not None:
        from toolkit.scale import check_scheduler

        check_scheduler(job.scheduler)
    if job.state_dir and (problem := state_problem(job.state_dir)):
        raise ValueError(problem)
    if (job.resume or job.only_new or job.wait) and not job.state_dir:
        flag = "--resume" if job.resume else "--only-new" if job.only_new else "--wait"
        raise ValueError(f"{flag} needs --state DIR (the folder that remembers documents)")
    from toolkit.output import folder_problem, output_problem, stdin_closed

    if "-" in job.paths and stdin_closed():
        raise ValueError("stdin is closed; give files or folders, or pipe documents in")
    targets = [("-o", job.output, False), ("--report", job.report_path, False)]
    for spec in job.exports:
        fmt, path = parse_export(spec)
        _check_export_format(fmt)
        targets.append(("--export", path, fmt == "sqlite"))
    problems = [output_problem(flag, target, regular_only=regular)
                for flag, target, regular in targets if target is not None]
    if job.state_dir:
        problems.append(folder_problem("--state", job.state_dir))
    for problem in problems:  # found now, not after a night's work
        if problem:
            raise ValueError(problem)
    for _ in process([], job.config):  # each stage checks its options on its first call
        pass


def _check_export_format(fmt: str) -> None:
    from toolkit.export import format_for

    try:
        format_for(None, fmt)
    except Exception as exc:  # noqa: BLE001 - export's usage error, said as ours
        raise ValueError(f"--export {fmt}: {exc}") from None


def parse_export(spec: str) -> tuple[str, str]:
    """'csv:today.csv' -> ('csv', 'today.csv')."""
    fmt, sep, path = spec.partition(":")
    if not sep or not fmt or not path:
        raise ValueError(f"--export {spec!r}: expected FORMAT:FILE such as csv:today.csv")
    return fmt, path


def run_job(job: Job) -> int:
    """Run the whole job; return the exit status (CONTRACT.md), 4 when the lock is held."""
    from toolkit.state import RunLock, RunLocked

    check_usage(job)
    if not job.state_dir:
        return _run_locked(job, state=None)
    try:
        with RunLock(job.state_dir, wait=job.wait):
            from toolkit.state import State

            state = State(job.state_dir, job.config.params())
            _remove_stale_temporaries(job.output)
            try:
                return _run_locked(job, state)
            finally:
                state.close()
    except RunLocked as exc:
        say(str(exc))
        from toolkit.records import EXIT_LOCKED

        return EXIT_LOCKED


def _remove_stale_temporaries(output: str | None) -> None:
    """Drop the temporary output a killed run left (-o is written beside, then renamed).

    Only called with the state lock held, so no other run is writing it.
    """
    from toolkit.output import is_stdout, temporary_pattern

    if is_stdout(output):
        return
    folder, pattern = temporary_pattern(output)
    for stale in folder.glob(pattern):
        stale.unlink(missing_ok=True)


def _run_locked(job: Job, state: Any) -> int:
    from toolkit.output import Output
    from toolkit.records import Progress, Report, encode_line, finish

    started = time.perf_counter()
    meter = Meter()
    report = Report("run", job.quiet)
    progress = Progress("run", job.progress, job.quiet)
    if state is not None and state.interrupted and not job.quiet:
        say("the previous run with these options did not finish; its finished documents "
            + ("are reused" if job.resume or not job.only_new else
               "are reused but, with --only-new, not written: pass --resume to write them"))

    def work() -> int:
        written = 0
        try:
            documents = _sharded(meter.timed("ingest", _ingest(job)), job)
            with Output(job.output) as stream, _executor(job, meter) as executor:
                spool = _Spool(stream, job)
                results = run_documents(documents, job.config, state=state,
                                        only_new=job.only_new, resume=job.resume, meter=meter,
                                        executor=executor)
                for record, _reused in _with_stories(results, job.config.stories):
                    # Every error in the output counts, reused or not: an unchanged folder
                    # gives cron the same exit status every night.
                    report.new_errors(record, 0)
                    spool.write(encode_line(record))
                    written += 1
                    progress.tick()
                if state is not None:
                    state.commit()
            spool.export_all()
            if state is not None:
                state.finish()
        finally:
            progress.close()
        return _finish_report(job, meter, report, written, time.perf_counter() - started)

    interrupted = "no output file was left behind" + (
        "; finished documents are kept in the state folder (--resume)" if state else "")
    return finish("run", work, interrupted)


def _finish_report(job: Job, meter: Meter, report: Any, written: int, seconds: float) -> int:
    """Say what the run did, write --report, and return the exit status."""
    if meter.missing_reasons:
        more = len(meter.missing_reasons) - 1
        say(f"translation skipped for {sum(meter.skipped_missing.values())} record(s) "
            f"(--skip-missing-models): {meter.missing_reasons[0]}"
            + (f" (and {more} more pair(s): `toolkit doctor` lists them)" if more else ""))
    status = report.exit_status()
    summary = build_report(job, meter, report, written, seconds, status)
    if not job.quiet:
        sys.stderr.write(format_report(summary))
    if job.report_path:
        _write_json(job.report_path, summary)
    return status


def _with_stories(results: Iterator[tuple[Record, bool]], options: dict[str, Any] | None
                  ) -> Iterator[tuple[Record, bool]]:
    """`--stories`: the written records grouped into stories (a grouping stage: it reads
    every record of the run before it gives the first one back)."""
    if options is None:
        return results
    from toolkit.stories import story_records

    return ((record, False) for record in story_records((r for r, _ in results), **options))


def _executor(job: Job, meter: Meter) -> Any:
    """A context giving run_documents' executor: None (here) or a Dask cluster's."""
    if job.scheduler is None:
        import contextlib

        return contextlib.nullcontext()
    from toolkit.scale import dask_executor

    return dask_executor(job.scheduler, job.config, meter, quiet=job.quiet)


def _ingest(job: Job) -> Iterator[Record]:
    from toolkit.ingest import ingest_paths

    return ingest_paths(job.paths, **job.config.ingest)


def _sharded(records: Iterable[Record], job: Job) -> Iterator[Record]:
    from toolkit.state import parse_shard, relative_source, shard_of

    shard = parse_shard(job.shard)
    for record in records:
        if shard is None or shard_of(relative_source(record, job.paths), shard[1]) == shard[0]:
            yield record


class _Spool:
    """Writes the output; keeps a copy for `--export` when the output is stdout."""

    def __init__(self, stream: Any, job: Job):
        import tempfile

        self.stream, self.job = stream, job
        self.copy = None
        if job.exports and (job.output is None or str(job.output) == "-"):
            self.copy = tempfile.TemporaryFile()  # noqa: SIM115 (closed by export_all)

    def write(self, line: bytes) -> None:
        self.stream.write(line)
        if self.copy is not None:
            self.copy.write(line)

    def export_all(self) -> None:
        """Export the finished records (re-read from the output) in each asked format."""
        if not self.job.exports:
            return
        from toolkit.export import (
            ExportLockedError,
            ExportUsageError,
            default_columns,
            export_records,
        )
        from toolkit.output import OutputUsageError, OutputWriteError
        from toolkit.records import read_records

        for spec in self.job.exports:
            fmt, path = parse_export(spec)
            source = self._reopen()
            try:
                export_records(read_records(source, "export"), path, format=fmt,
                               fields=None if fmt == "jsonl" else default_columns(
                                   self.job.config.to), flag="--export")
            except ExportUsageError as exc:  # e.g. a database whose table does not fit
                raise OutputUsageError(f"--export {spec}: {exc}") from None
            except ExportLockedError as exc:
                raise OutputWriteError(f"--export {spec}: {exc}") from None
            finally:
                source.close()
        if self.copy is not None:
            self.copy.close()

    def _reopen(self) -> Any:
        import os

        if self.copy is not None:
            self.copy.flush()
            self.copy.seek(0)
            return os.fdopen(os.dup(self.copy.fileno()), "rb")
        return open(self.job.output, "rb")  # complete and renamed by now


# --- the report -----------------------------------------------------------------------


def build_report(job: Job, meter: Meter, report: Any, written: int, seconds: float,
                 status: int) -> dict[str, Any]:
    stage_seconds = meter.seconds()
    return {
        "toolkit": __version__,
        "exit_status": status,
        "seconds": round(seconds, 3),
        "records": {
            "written": written,
            "processed": meter.processed,
            "reused": meter.reused,
            "ingested": meter.records["ingest"],
        },
        "stages": {stage: {"records": meter.records[stage],
                           "seconds": round(stage_seconds.get(stage, 0.0), 3)}
                   for stage in ("ingest", *meter.order)},
        "errors": dict(sorted(report.codes.items())),
        "translation_skipped": dict(sorted(meter.skipped_missing.items())),
        "translate": {
            "scope": job.config.scope,
            "characters": meter.translated_chars,
            "summary_sentences": meter.translated_sentences,
            "seconds": round(stage_seconds.get("translate", 0.0), 3),
        },
        "state": str(job.state_dir) if job.state_dir else None,
        "shard": job.shard,
    }


def format_report(summary: dict[str, Any]) -> str:
    records = summary["records"]
    lines = [(f"toolkit run: {records['written']:,} records written "
              f"({records['processed']:,} processed, {records['reused']:,} reused from state) "
              f"in {summary['seconds']:.1f} s, exit {summary['exit_status']}")]
    lines.append(f"  {'stage':<10} {'records':>8} {'seconds':>9}")
    for stage, numbers in summary["stages"].items():
        lines.append(f"  {stage:<10} {numbers['records']:>8,} {numbers['seconds']:>9.2f}")
    cost = summary["translate"]
    lines.append(f"  translate --translate {cost['scope']}: {cost['characters']:,} characters "
                 f"in {cost['seconds']:.2f} s")
    if summary["errors"]:
        lines.append("  errors: " + ", ".join(f"{n} {code}" for code, n in
                                              summary["errors"].items()))
    if summary["translation_skipped"]:
        lines.append("  translation skipped (no model): " + ", ".join(
            f"{n} {code}" for code, n in summary["translation_skipped"].items()))
    return "\n".join(lines) + "\n"


def _write_json(path: str, data: dict[str, Any]) -> None:
    import json

    from toolkit.output import Output

    with Output(path, "--report") as stream:
        stream.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")

"""The record layer every stage shares: JSON Lines in and out, errors, exit statuses.

A stage is a function from an iterable of records (dicts) to an iterator of records that
yields exactly one record per input, in order. This module reads records (turning a
line that is not a JSON object into an error record that keeps the raw line), writes
them (UTF-8, Arabic readable, atomically with `-o`), reports new errors on stderr and
turns them into the exit status cron reads (CONTRACT.md).
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from toolkit import __version__
from toolkit.inputs import (
    NotRegularFile,
    Overlong,
    byte_limit,
    file_kind,
    open_regular,
    record_lines,
)
from toolkit.output import (
    Output,
    OutputUsageError,
    OutputWriteError,
    ReaderGone,
    output_problem,
    silence_stdout,
    stdin_closed,
    terminate_like_ctrl_c,
)

Record = dict[str, Any]
Stage = Callable[[Iterable[Record]], Iterable[Record]]

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_USAGE = 2
EXIT_MISSING_RESOURCE = 3
EXIT_LOCKED = 4
EXIT_WRITE_FAILED = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

DEFAULT_MAX_CHARS = 500_000

# An error whose code starts with this names a resource the user must install (exit 3).
MISSING_PREFIX = "missing_"


# --- record helpers -------------------------------------------------------------------


def as_dict(value: Any) -> dict[str, Any]:
    """`value` where a record should hold an object, else {} (records may hold any JSON)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` where a record should hold a list, else []."""
    return value if isinstance(value, list) else []


def add_error(record: Record, stage: str, code: str, message: str) -> Record:
    """Add an error entry, unless the record carries the same one already (a stage run
    again over its own output finds nothing new: same errors, exit 0 for them)."""
    return _add_entry(record, "errors", {"stage": stage, "code": code, "message": message})


def add_warning(record: Record, stage: str, code: str, message: str) -> Record:
    return _add_entry(record, "warnings", {"stage": stage, "code": code, "message": message})


def _add_entry(record: Record, key: str, entry: dict[str, str]) -> Record:
    entries = _entries(record, key)
    if entry not in entries:
        entries.append(entry)
    return record


def _entries(record: Record, key: str) -> list:
    """The record's `errors` (or `warnings`) list; a value that is not a list, as an input
    record may carry (null, a string), becomes one, keeping that value as its first item."""
    entries = record.get(key)
    if not isinstance(entries, list):
        entries = [] if entries is None else [entries]
        record[key] = entries
    return entries


def _count(entries: Any) -> int:
    """How many entries `errors` holds, counted as _entries would make it a list."""
    if isinstance(entries, list):
        return len(entries)
    return 0 if entries is None else 1


def failed_upstream(record: Record) -> bool:
    """True for a record an earlier step could not build (a bad line, an unreadable file).

    Such a record has no `text` (or one that is not a string) and already carries its
    error: later stages pass it on untouched instead of piling a second error on it.
    """
    return not isinstance(record.get("text"), str) and bool(record.get("errors"))


def stage_params(**options: Any) -> dict[str, Any]:
    """The `params` a stage stores with its result: its options and the toolkit version."""
    return {**options, "toolkit": __version__}


def already_done(result: Any, params: dict[str, Any], force: bool = False) -> bool:
    """True when a stage's earlier result was made with the same params (skip unless --force)."""
    return not force and isinstance(result, dict) and result.get("params") == params


def check_max_chars(max_chars: Any) -> None:
    """Raise ValueError for a max_chars out of its range (bad usage, before any record)."""
    from toolkit.limits import check

    check("max_chars", max_chars)


def record_text(
    record: Record,
    stage: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    cut: bool = False,
    field: str = "text",
) -> str | None:
    """The text a stage should work on, or None after adding an error entry.

    Refuses a missing or non-string `text` and, unless `cut`, a text longer than
    `max_chars`; with `cut` the stage works on the first `max_chars` characters and the
    record gets a warning. The record's own `text` is never changed.
    """
    text = record.get(field)
    if not isinstance(text, str):
        what = "has no" if text is None else "has a non-string"
        add_error(record, stage, "no_text" if text is None else "bad_text",
                  f"record {what} '{field}' field; give each JSON line a '{field}' string")
        return None
    return _within_max_chars(record, stage, text, field, max_chars, cut)


def record_title(record: Record, stage: str, *, max_chars: int = DEFAULT_MAX_CHARS,
                 cut: bool = False, holder: Record | None = None) -> str | None | bool:
    """The headline of `holder` (the record itself by default) a stage should read: None
    without one, False after refusing one longer than `max_chars` (an error entry on
    `record`), its start with `cut`. --max-chars bounds a title as it bounds a text."""
    title = (record if holder is None else holder).get("title")
    if not isinstance(title, str):
        return None
    bounded = _within_max_chars(record, stage, title, "title", max_chars, cut)
    return False if bounded is None else bounded


def _within_max_chars(record: Record, stage: str, value: str, what: str, max_chars: int,
                      cut: bool) -> str | None:
    if len(value) <= max_chars:
        return value
    if not cut:
        add_error(record, stage, "too_long",
                  f"{what} has {len(value):,} characters, over --max-chars {max_chars:,}; "
                  "raise --max-chars or pass --cut to work on the start only")
        return None
    add_warning(record, stage, "cut",
                f"{what} cut from {len(value):,} to {max_chars:,} characters (--cut)")
    return value[:max_chars]


def describe(record: Record) -> str:
    """Where a record came from, for one-line messages: file path, id or input line."""
    source = record.get("source")
    if isinstance(source, dict) and source.get("path"):
        where = str(source["path"])
        if source.get("article"):
            where += f" (article {source['article']})"
        return where
    if record.get("id") is not None:
        return f"id {record['id'] or repr(record['id'])}"  # id '' rather than "id "
    if isinstance(source, dict) and source.get("line"):
        return f"line {source['line']}"
    return "record"


# --- reading --------------------------------------------------------------------------


# Line separators that str.splitlines() (and some editors) break lines at although JSON
# allows them raw in strings; escaped, every record stays one line for every reader.
_LINE_BREAKS = re.compile("[\u0085\u2028\u2029]")


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of `size` items (the last may be shorter), read lazily."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def dumps(record: Record) -> str:
    """One JSON line: UTF-8 with Arabic left readable, keys in insertion order."""
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    if _LINE_BREAKS.search(line):
        line = _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    return line


def parse_line(raw: bytes, number: int, stage: str = "read") -> Record:
    """One input line as a record; anything but a JSON object becomes an error record."""
    if raw.startswith(b"\xef\xbb\xbf"):  # a BOM: files from Windows, also concatenated ones
        raw = raw[3:]
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        line = raw.decode("utf-8", errors="replace")
        return _bad_line(line, number, stage, "not UTF-8; re-encode the input as UTF-8")
    try:
        value = json.loads(line, parse_constant=_not_standard, parse_float=_finite)
    except json.JSONDecodeError as exc:
        return _bad_line(line, number, stage, f"not JSON ({exc.msg} at column {exc.colno})")
    except (ValueError, RecursionError) as exc:  # NaN, 1e999, 5,000 digits, deep nesting
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return _bad_line(line, number, stage, f"not standard JSON ({why})")
    if not isinstance(value, dict):
        return _bad_line(line, number, stage, f"JSON {type(value).__name__}, not an object")
    if _SURROGATE_ESCAPE.search(raw) and not _encodable(value):
        return _bad_line(line, number, stage, "a string holds an unpaired UTF-16 surrogate "
                         "(\\ud800-\\udfff escape), which UTF-8 cannot carry; fix the producer")
    return Read(value, known=_count(value.get("errors")))


def _not_standard(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")  # it could not be written back as JSON


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:40]} is out of range")
    return value


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _encodable(value: Record) -> bool:
    try:
        dumps(value).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Read(dict):
    """A record as the reader made it from a line, knowing how many errors it came with
    (`known`): those are old, from earlier runs; any added later are new in this run. So
    a stage run again over its own output finds nothing new, and exits 0 for it."""

    __slots__ = ("known",)

    def __init__(self, *args: Any, known: int = 0, **fields: Any):
        super().__init__(*args, **fields)
        self.known = known


class ReadFailure(Read):
    """The error record the reader made for a line it could not read: its error is new
    (read back from this output later, the same record is old)."""


def is_read_failure(record: Record) -> bool:
    return isinstance(record, ReadFailure)


def known_errors(record: Record) -> int:
    """How many of the record's errors it was read with (none for a record made here)."""
    return record.known if isinstance(record, Read) else 0


def _bad_line(line: str, number: int, stage: str, why: str) -> Record:
    record: Record = ReadFailure(source={"line": number}, raw=line)
    return add_error(record, stage, "bad_line", f"input line {number}: {why}; kept in 'raw'")


def read_records(stream: IO[bytes], stage: str = "read", *,
                 max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Record]:
    """Records from a binary stream of JSON Lines (UTF-8, or UTF-16/32 with a BOM); blank
    lines are skipped. A line longer than the byte limit for `max_chars` is never held in
    memory: it becomes an error record keeping its first bytes."""
    for number, raw in enumerate(record_lines(stream, byte_limit(max_chars)), start=1):
        if isinstance(raw, Overlong):
            yield overlong_line(raw, number, stage, max_chars)
        elif raw.strip():
            yield parse_line(raw, number, stage)


def overlong_line(line: Overlong, number: int, stage: str, max_chars: int,
                  code: str = "bad_line") -> Record:
    """The error record for a line too long to read: its start is kept in 'raw'."""
    record: Record = ReadFailure(source={"line": number},
                                 raw=line.head.decode("utf-8", "replace") + "…")
    return add_error(record, stage, code,
                     f"input line {number}: {line.size:,} bytes, over the "
                     f"{byte_limit(max_chars):,} a line may take with --max-chars "
                     f"{max_chars:,}; not read, its start is kept in 'raw'")


def open_input(path: Path | str | None) -> IO[bytes]:
    """stdin for None or '-', else the file; a FIFO, device or socket is refused
    (toolkit.inputs.NotRegularFile, an OSError) rather than waited on."""
    if path is None or str(path) == "-":
        return sys.stdin.buffer
    return open_regular(str(path))


# --- writing --------------------------------------------------------------------------

def usage_problem(input: Path | str | None, output: Path | str | None) -> str | None:
    """Why -i/-o cannot work, in one line, found before anything is read; else None."""
    if input is None or str(input) == "-":
        if stdin_closed():
            return "stdin is closed; give -i FILE or pipe records in"
    else:
        kind, info = file_kind(str(input))
        if info is None:
            return f"-i {input}: no such file"
        if kind != "file":
            why = NotRegularFile(str(input), info.st_mode).strerror
            return f"-i {input}: {why}; pipe it to stdin instead"
    return output_problem("-o", output)


def finish(stage: str, work: Callable[[], int],
           interrupted: str = "no output file was left behind") -> int:
    """Run `work`, which writes a command's output, and return its exit status.

    How writing ended, when it did not end well, becomes the status here, once for
    every command: Ctrl-C or SIGTERM 130, a closed pipe a quiet 0, an output location
    that cannot work 2, a failed write 5 (CONTRACT.md). Any other exception propagates.
    """
    with terminate_like_ctrl_c():
        try:
            return work()
        except BaseException as exc:
            status = ending_status(stage, exc, interrupted)
            if status is None:
                raise
            return status


def ending_status(stage: str, exc: BaseException,
                  interrupted: str = "no output file was left behind") -> int | None:
    """The exit status for an output that ended with `exc`, said in one line; None when
    `exc` is not about the output (a bug: the caller decides)."""
    if isinstance(exc, KeyboardInterrupt):
        say(stage, f"interrupted; {interrupted}")
        return EXIT_INTERRUPTED
    if isinstance(exc, (ReaderGone, BrokenPipeError)):  # `| head -1`: the reader has enough
        silence_stdout()
        return EXIT_OK
    if isinstance(exc, OutputUsageError):
        say(stage, str(exc))
        return EXIT_USAGE
    if isinstance(exc, OutputWriteError):
        say(stage, str(exc))
        return EXIT_WRITE_FAILED
    return None


def internal_error(stage: str, exc: BaseException, debug: bool = False) -> int:
    """A bug reached the user: one line naming the stage, where and the error; exit 70.
    The traceback follows only when asked (--debug, TOOLKIT_DEBUG=1)."""
    inner = getattr(exc, "toolkit_stage", None)  # the stage of `run` it came from
    where = getattr(exc, "toolkit_where", None)
    message = " ".join(str(exc).split())[:300] or "(no message)"
    hint = "" if debug else "; run with --debug (or TOOLKIT_DEBUG=1) for the traceback"
    say(stage, f"internal error{f' in {inner}' if inner and inner != stage else ''}"
        f"{f' at {where}' if where else ''}: {type(exc).__name__}: {message}{hint}; "
        "please report it")
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    return EXIT_INTERNAL


def say(stage: str, line: str) -> None:
    """One line on stderr as `toolkit STAGE: line`; nothing when stderr itself is gone."""
    try:
        sys.stderr.write(f"toolkit {stage}: {line}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is gone too: the exit status still tells


class Progress:
    """A record counter on stderr, shown only when asked or when stderr is a terminal."""

    def __init__(self, stage: str, enabled: bool | None, quiet: bool):
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.enabled = enabled and not quiet
        self.stage = stage
        self.count = 0
        self._shown = 0.0

    def tick(self) -> None:
        self.count += 1
        if self.enabled and time.monotonic() - self._shown > 0.2:
            self._shown = time.monotonic()
            sys.stderr.write(f"\r{self.stage}: {self.count:,} records")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.count:
            sys.stderr.write(f"\r{self.stage}: {self.count:,} records\n")
            sys.stderr.flush()


class Report:
    """Counts the errors a run adds and says each distinct one once on stderr."""

    def __init__(self, stage: str, quiet: bool = False):
        self.stage = stage
        self.quiet = quiet
        self.codes: Counter[str] = Counter()
        self._said: Counter[tuple[str, str]] = Counter()

    def new_errors(self, record: Record, known: int) -> None:
        for error in as_list(record.get("errors"))[known:]:
            if not isinstance(error, dict):
                continue  # not an entry a stage adds
            code = str(error.get("code", "error"))
            message = str(error.get("message", ""))
            self.codes[code] += 1
            missing = code.startswith(MISSING_PREFIX)
            # A missing model fails every record the same way: say it once, loudly.
            key = (code, message) if missing else (code, "")
            self._said[key] += 1
            if self._said[key] == 1 or (not missing and self._said[key] <= 20):
                where = describe(record)
                if where not in message:  # a bad line's or a file's message names it already
                    message = f"{where}: {message}"
                self.say(message, essential=missing)

    def say(self, line: str, essential: bool = False) -> None:
        if essential or not self.quiet:
            say(self.stage, line)

    def close(self) -> None:
        if self.codes:
            summary = ", ".join(f"{n} {code}" for code, n in sorted(self.codes.items()))
            self.say(f"records with new errors: {summary}")

    def exit_status(self) -> int:
        if any(code.startswith(MISSING_PREFIX) for code in self.codes):
            return EXIT_MISSING_RESOURCE
        return EXIT_ERRORS if self.codes else EXIT_OK


class _KnownErrors:
    """Remembers how many errors each input record had, so only new ones are counted.

    Stages yield one record per input, in order, and never before reading that input,
    so a queue of counts lines inputs up with outputs.
    """

    def __init__(self) -> None:
        self._counts: deque[int] = deque()
        self.last: Record | None = None  # the record read most recently

    def track(self, records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            # Errors it came with are old; a line the reader could not parse: new.
            self._counts.append(known_errors(record))
            self.last = record
            yield record

    def pop(self) -> int:
        return self._counts.popleft() if self._counts else 0


def encode_line(record: Record) -> bytes:
    """The record as one UTF-8 JSON line, newline included (see `line_bytes`)."""
    return line_bytes(record) + b"\n"


def line_bytes(record: Record) -> bytes:
    """The record as UTF-8 JSON, without the newline. A string holding a lone surrogate,
    which UTF-8 cannot carry (os.fsdecode makes them of bytes that are not UTF-8; a Python
    caller may pass one), shows it as text: `\\xHH` for such a byte, as ingest shows a file
    name's, else `\\udHHH`."""
    line = dumps(record)
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub(_shown_surrogate, line).encode("utf-8")


# Outside a string a JSON line holds ASCII only, so a surrogate is always inside one.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _shown_surrogate(match: re.Match) -> str:
    code = ord(match.group())
    # A backslash doubled: the JSON string holds the text `\xHH`, not an escape.
    return f"\\\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\\\u{code:04x}"


def write_records(
    stage: str,
    records: Iterable[Record],
    *,
    output: Path | str | None = None,
    progress: bool | None = None,
    quiet: bool = False,
    known: _KnownErrors | None = None,
) -> int:
    """Write records as JSON Lines to stdout or `output`; return the exit status.

    The output is opened (and its location checked) before the first record is read.
    Ctrl-C leaves no output file and returns 130; a closed stdout (`| head -1`) ends
    quietly; a failed write returns 5 with the old file kept (see `finish`).
    """
    report = Report(stage, quiet)
    meter = Progress(stage, progress, quiet)

    def work() -> int:
        import jsonlines  # here, not at the top: it costs `toolkit --help` ~20 ms

        last: Record | None = None
        try:
            with Output(output) as stream:
                lines = jsonlines.Writer(stream, dumps=line_bytes)
                for record in records:
                    report.new_errors(record, known.pop() if known else known_errors(record))
                    lines.write(record)
                    meter.tick()
                    last = record
        except Exception as exc:
            _note_where(exc, known.last if known else None, last)
            raise
        finally:
            meter.close()
        report.close()
        return report.exit_status()

    return finish(stage, work)


def _note_where(exc: BaseException, reading: Record | None, written: Record | None) -> None:
    """Remember which record a crash came near, for internal_error's one line."""
    if getattr(exc, "toolkit_where", None) is None:
        if reading is not None:
            exc.toolkit_where = describe(reading)
        elif written is not None:
            exc.toolkit_where = f"the record after {describe(written)}"


def run_stage(
    stage: str,
    transform: Stage,
    *,
    input: Path | str | None = None,
    output: Path | str | None = None,
    progress: bool | None = None,
    quiet: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> int:
    """Read JSON Lines, apply a stage function, write JSON Lines; return the exit status.

    `max_chars` (the stage's --max-chars) sets how long an input line may be."""
    problem = usage_problem(input, output)
    if problem:
        Report(stage).say(problem, essential=True)
        return EXIT_USAGE
    known = _KnownErrors()
    try:
        stream = open_input(input)
    except OSError as exc:
        Report(stage).say(f"-i {input}: cannot read ({exc.strerror or exc})", essential=True)
        return EXIT_USAGE
    try:
        records = known.track(read_records(stream, stage, max_chars=max_chars))
        return write_records(stage, transform(records), output=output, progress=progress,
                             quiet=quiet, known=known)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()

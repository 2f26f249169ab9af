"""`toolkit export`: records to a table a user opens in a spreadsheet or loads into a database.

Export is the pipeline's sink. `export_records(records, target, format=...)` writes
CSV, TSV, JSON Lines, Parquet or SQLite and returns `ExportStats`; the CLI calls it.

Columns are chosen and ordered by dotted paths into the record (`fields.people.name`,
`translations.en.text`, `summary.en.sentences.text`); a path through a list maps over
it. A few named columns (`people`, `summary`, `errors`, ...) format the common fields
for reading; without `--fields` a default set of them is used (DEFAULT_COLUMNS).

Cells: lists are joined with `separator`, dicts are compact JSON, None is an empty
cell (NULL in Parquet and SQLite). CSV and TSV cells a spreadsheet would run as a
formula are neutralised with a leading apostrophe. Every file target is atomic: a
temporary file renamed when complete, and for SQLite one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from toolkit import limits
from toolkit.output import Output, OutputWriteError, is_stdout, output_problem
from toolkit.records import (
    EXIT_ERRORS,
    EXIT_LOCKED,
    EXIT_OK,
    Progress,
    Record,
    Report,
    as_dict,
    as_list,
    chunks,
    encode_line,
    finish,
    is_read_failure,
    known_errors,
    open_input,
    read_records,
    usage_problem,
)

STAGE = "export"
FORMATS = ("csv", "tsv", "jsonl", "parquet", "sqlite")
# Formats that can be streamed to stdout; Parquet and SQLite need a file.
STREAMABLE = ("csv", "tsv", "jsonl")
SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                  ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet",
                  ".sqlite": "sqlite", ".sqlite3": "sqlite", ".db": "sqlite"}
# Suffixes of formats export does not write: a CSV file under such a name would be
# opened by the wrong program (Excel warns and guesses), so the name needs --format.
FOREIGN_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".json", ".xml", ".html", ".htm")
DEFAULT_SEPARATOR = " | "
DEFAULT_TABLE = "documents"
DEFAULT_BATCH = 5_000
SQLITE_WAIT_S = 30  # how long to wait for another writer before giving up
UTF8_BOM = b"\xef\xbb\xbf"


class ExportUsageError(ValueError):
    """Bad options (unknown format or field list, a file-only format without a file)."""


class ExportLockedError(RuntimeError):
    """Another process holds the SQLite database's write lock (exit status 4)."""


@dataclass
class ExportStats:
    format: str
    columns: list[str]
    rows: int = 0
    bad_lines: int = 0
    target: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- columns --------------------------------------------------------------------------


def resolve(value: Any, path: list[str]) -> Any:
    """The value at a dotted path; a list on the way maps the rest of the path over it.

    A numeric part indexes a list (`fields.people.0.name`). Missing keys give None; a
    list of lists is flattened, so `summary.ar.sentences.text` is one list of strings.
    Items missing in a mapped list stay as None, so parallel columns (names, roles)
    line up.
    """
    for position, part in enumerate(path):
        if isinstance(value, list):
            if part.isdigit():
                index = int(part)
                value = value[index] if index < len(value) else None
                continue
            rest = path[position:]
            mapped: list[Any] = []
            for item in value:
                got = resolve(item, rest)
                mapped.extend(got) if isinstance(got, list) else mapped.append(got)
            return mapped
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _get(record: Record, dotted: str) -> Any:
    return resolve(record, dotted.split("."))


def _fields(record: Record) -> dict[str, Any]:
    return as_dict(record.get("fields"))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in as_list(value) if isinstance(item, dict)]


def _with_note(main: Any, note: Any) -> str:
    return f"{main} ({note})" if note not in (None, "") else str(main)


def _named(key: str, note: str) -> Callable[[Record], list[str] | None]:
    """A column of `fields.<key>` items as "name (note)", e.g. people as "name (role)"."""
    def column(record: Record) -> list[str] | None:
        found = _fields(record).get(key)
        return None if found is None else [_with_note(item.get("name"), item.get(note))
                                           for item in _dicts(found)]
    return column


def _dates(record: Record) -> list[str] | None:
    found = _fields(record).get("dates")
    return None if found is None else [str(d.get("iso") or d.get("text")) for d in _dicts(found)]


def _dateline(record: Record) -> str | None:
    found = _fields(record).get("dateline")
    if not isinstance(found, dict):
        return found if isinstance(found, str) else None
    parts = [str(found[key]) for key in ("place", "agency") if found.get(key)]
    return " / ".join(parts) or None


def _reference_text(ref: dict[str, Any]) -> str:
    if ref.get("text"):
        return str(ref["text"])
    number = "/".join(str(ref[k]) for k in ("number", "year") if ref.get(k) is not None)
    return " ".join(part for part in (str(ref.get("type") or ""), number) if part)


def _references(record: Record) -> list[str] | None:
    found = _fields(record).get("references")
    return None if found is None else [_reference_text(r) for r in _dicts(found)]


def _summary_sentences(record: Record, lang: str | None) -> list[dict[str, Any]] | None:
    summaries = record.get("summary")
    if not isinstance(summaries, dict) or not summaries:
        return None
    chosen = summaries.get(lang) if isinstance(lang, str) else None  # `lang` may be any JSON
    if chosen is None and lang == record.get("lang"):
        chosen = next(iter(summaries.values()))  # no summary in the detected language
    return _dicts(chosen.get("sentences")) if isinstance(chosen, dict) else None


def _summary(record: Record) -> str | None:
    sentences = _summary_sentences(record, record.get("lang"))
    return None if sentences is None else " ".join(str(s.get("text", "")) for s in sentences)


def summary_in(lang: str) -> Callable[[Record], str | None]:
    """The summary in `lang`: summarised in it, or the source summary's translation."""
    def summary(record: Record) -> str | None:
        own = _summary_sentences(record, lang)
        if own is not None:
            return " ".join(str(s.get("text", "")) for s in own)
        sentences = _summary_sentences(record, record.get("lang"))
        if not sentences:
            return None
        translated = [resolve(s, ["translations", lang]) for s in sentences]
        translated = [t.get("text") if isinstance(t, dict) else t for t in translated]
        return " ".join(str(t) for t in translated if t) or None
    return summary


def title_in(lang: str) -> Callable[[Record], Any]:
    return lambda record: _get(record, f"translations.{lang}.title")


def _notes(key: str) -> Callable[[Record], list[str] | None]:
    def notes(record: Record) -> list[str] | None:
        found = record.get(key)
        return None if found is None else [
            f"{n.get('stage')} {n.get('code')}: {n.get('message')}" for n in _dicts(found)]
    return notes


# Columns with a readable format of their own; any other name is a dotted path.
NAMED_COLUMNS: dict[str, Callable[[Record], Any]] = {
    "published": lambda r: _fields(r).get("published"),
    "dateline": _dateline,
    "people": _named("people", "role"),
    "organisations": _named("organisations", "acronym"),
    "places": _named("places", "country"),
    "countries": lambda r: _fields(r).get("countries"),
    "dates": _dates,
    "references": _references,
    "summary": _summary,
    "errors": _notes("errors"),
    "warnings": _notes("warnings"),
}

# title_<code> and summary_<code> (title_en, summary_fr, ...): the translation into that
# language; the default columns carry English's, `run --to` its own language's.
TRANSLATED_COLUMN = re.compile(r"(title|summary)_([a-z]{2,3})")


def default_columns(to: str = "en") -> tuple[str, ...]:
    return ("id", "source.path", "title", "lang", "published", "dateline", "people",
            "organisations", "places", "countries", "dates", "references", "summary",
            f"title_{to}", f"summary_{to}", "errors")


DEFAULT_COLUMNS = default_columns()


@dataclass(frozen=True)
class Column:
    name: str
    get: Callable[[Record], Any]


def parse_fields(fields: str | Iterable[str] | None) -> list[Column]:
    """Columns from `--fields` (comma-separated or a list); the default set for None."""
    if fields is None:
        names = list(DEFAULT_COLUMNS)
    else:
        names = fields.split(",") if isinstance(fields, str) else list(fields)
        names = [name.strip() for name in names]
    if not names or any(not name for name in names):
        raise ExportUsageError("--fields needs comma-separated names, e.g. "
                               "--fields id,title,fields.people.name")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ExportUsageError(f"--fields names a column twice: {', '.join(repeated)}")
    bad = [name for name in names if any(not part for part in name.split("."))]
    if bad:
        raise ExportUsageError(f"--fields: {bad[0]!r} is not a dotted path like fields.people.name")
    return [_column(name) for name in names]


def _column(name: str) -> Column:
    if name in NAMED_COLUMNS:
        return Column(name, NAMED_COLUMNS[name])
    if translated := TRANSLATED_COLUMN.fullmatch(name):
        kind, lang = translated.groups()
        return Column(name, title_in(lang) if kind == "title" else summary_in(lang))
    parts = name.split(".")
    return Column(name, lambda record: resolve(record, parts))


# --- cells ----------------------------------------------------------------------------


def cell_text(value: Any, separator: str = DEFAULT_SEPARATOR) -> str | None:
    """A value as one text cell: lists joined, dicts as compact JSON, None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return separator.join(cell_text(item, separator) or "" for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would run as a formula (OWASP).

    Plain numbers such as -5.3 or +216 are left alone: a spreadsheet reads them as
    numbers, never runs them, and an apostrophe would turn them into text.
    """
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def tsv_cell(text: str) -> str:
    """TSV has no quoting: backslash, tab and line breaks are written as \\\\ \\t \\n \\r."""
    return text.translate(_TSV_ESCAPES)


def record_id(record: Record) -> str:
    """The record's id, or a deterministic one: its text hash, raw line hash or JSON hash."""
    if record.get("id") not in (None, ""):
        return str(record["id"])
    if isinstance(record.get("sha256"), str) and record["sha256"]:
        return "sha256:" + record["sha256"]
    basis = record["raw"] if isinstance(record.get("raw"), str) else json.dumps(
        record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()


# --- writers --------------------------------------------------------------------------


class _Rows:
    """Counts rows and the bad input lines among them while a writer consumes records."""

    def __init__(self, records: Iterable[Record], stats: ExportStats):
        self.records = records
        self.stats = stats

    def __iter__(self) -> Iterator[Record]:
        for record in self.records:
            self.stats.rows += 1
            if is_read_failure(record):
                self.stats.bad_lines += 1
            yield record


def _text_rows(records: Iterable[Record], columns: list[Column],
               separator: str) -> Iterator[list[str | None]]:
    for record in records:
        yield [cell_text(column.get(record), separator) for column in columns]


def _write_delimited(stream: IO[bytes], records: Iterable[Record], columns: list[Column], *,
                     tsv: bool, separator: str, excel: bool) -> None:
    if excel:
        stream.write(UTF8_BOM)
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
    try:
        if tsv:
            def write(cells: list[str | None]) -> None:
                text.write("\t".join(tsv_cell(neutralise(c)) if c else "" for c in cells) + "\n")
        else:
            writer = csv.writer(text, lineterminator="\r\n")  # RFC 4180: CRLF, minimal quoting

            def write(cells: list[str | None]) -> None:
                writer.writerow([neutralise(c) if c else "" for c in cells])
        write([column.name for column in columns])
        for cells in _text_rows(records, columns, separator):
            write(cells)
        text.flush()
    finally:
        text.detach()  # the caller owns the binary stream


def _write_jsonl(stream: IO[bytes], records: Iterable[Record], columns: list[Column] | None
                 ) -> None:
    for record in records:
        if columns is not None:
            record = {column.name: column.get(record) for column in columns}
        stream.write(encode_line(record))


def parquet_schema(columns: list[Column]):
    """Every column a nullable string: the schema never depends on which values came first."""
    import pyarrow as pa

    return pa.schema([pa.field(column.name, pa.string(), nullable=True) for column in columns])


def _write_parquet(stream: IO[bytes], records: Iterable[Record], columns: list[Column], *,
                   separator: str, batch_size: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(columns)
    writer = pq.ParquetWriter(stream, schema, compression="zstd")
    try:
        for batch in chunks(_text_rows(records, columns, separator), batch_size):
            arrays = [pa.array([row[i] for row in batch], type=pa.string())
                      for i in range(len(columns))]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))  # one row group
    finally:
        writer.close()  # on failure too, while the stream is open; Output drops the file


def sql_name(name: str) -> str:
    """A column name usable in SQL without quotes: `source.path` -> `source_path`."""
    cleaned = re.sub(r"\W", "_", name)
    return "_" + cleaned if cleaned[:1].isdigit() else cleaned


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sqlite_columns(columns: list[Column]) -> list[Column]:
    """The table's columns: `id` first as the primary key, names made SQL-friendly."""
    renamed = [Column(sql_name(column.name), column.get) for column in columns]
    if not any(column.name == "id" for column in renamed):
        renamed.insert(0, Column("id", record_id))
    names = [column.name for column in renamed]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise ExportUsageError(f"--fields gives two SQLite columns the name {clashes[0]!r} "
                               "(dots and other marks become '_'); rename one")
    return [Column("id", record_id) if column.name == "id" else column for column in renamed]


def _prepare_table(db: sqlite3.Connection, table: str, columns: list[Column]) -> None:
    existing = db.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    if not existing:
        spec = ", ".join(f"{_quote(c.name)} TEXT" + (" PRIMARY KEY" if c.name == "id" else "")
                         for c in columns)
        db.execute(f"CREATE TABLE {_quote(table)} ({spec})")
        return
    if not any(row[1] == "id" and row[5] for row in existing):
        raise ExportUsageError(f"table {table!r} exists without an 'id' primary key; "
                               "export into a new table with --table NAME")
    have = {row[1] for row in existing}
    for column in columns:
        if column.name not in have:  # --fields grew since the last run
            db.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {_quote(column.name)} TEXT")


def _upsert_sql(table: str, columns: list[Column]) -> str:
    names = ", ".join(_quote(c.name) for c in columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{_quote(c.name)} = excluded.{_quote(c.name)}"
                        for c in columns if c.name != "id")
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return (f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks}) "
            f"ON CONFLICT(id) {conflict}")


def _begin(db: sqlite3.Connection, path: Path, table: str, columns: list[Column],
           flag: str = "-o") -> None:
    """Take the write lock and make the table fit the columns, before any record is read."""
    try:
        db.execute("BEGIN IMMEDIATE")
        _prepare_table(db, table, columns)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ExportLockedError(f"{path}: another process has been writing to this "
                                    f"database for over {SQLITE_WAIT_S} s; try again later"
                                    ) from None
        if failed := _write_failed(exc, flag, path):
            raise failed from None
        raise ExportUsageError(f"{flag} {path}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise ExportUsageError(f"{flag} {path}: {exc}; give a new file or an SQLite database"
                               ) from None


def _write_failed(exc: sqlite3.Error, flag: str, path: Path) -> OutputWriteError | None:
    """The failed write (exit 5) when SQLite's words say the disk is full or failing."""
    if not any(words in str(exc) for words in ("disk is full", "disk I/O", "readonly")):
        return None
    return OutputWriteError(f"{flag} {path}: could not write ({exc}); the database was "
                            "left as it was")


def _write_sqlite(path: Path, records: Iterable[Record], columns: list[Column], *, table: str,
                  separator: str, batch_size: int, flag: str = "-o") -> None:
    """Upsert rows by id in one transaction: a failure or Ctrl-C leaves the database as it was."""
    existed = path.exists()
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=SQLITE_WAIT_S)
    except sqlite3.Error as exc:
        raise ExportUsageError(f"{flag} {path}: {exc}") from None
    committed = False
    try:
        _begin(db, path, table, columns, flag)
        sql = _upsert_sql(table, columns)
        try:
            for batch in chunks(_text_rows(records, columns, separator), batch_size):
                db.executemany(sql, batch)
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if failed := _write_failed(exc, flag, path):
                raise failed from None
            raise
        committed = True
    finally:
        if not committed and db.in_transaction:
            db.execute("ROLLBACK")
        db.close()
        if not committed and not existed:
            for leftover in (path, Path(f"{path}-journal")):
                leftover.unlink(missing_ok=True)


# --- entry points ---------------------------------------------------------------------


def format_for(path: Path | str | None, format: str | None) -> str:
    """The format asked for, or the one the output file's suffix names, or csv (a suffix
    of another format, .xlsx or .json, is a usage error)."""
    if format:
        chosen = format.lower()
        if chosen not in FORMATS:
            raise ExportUsageError(f"--format {format!r}: choose one of {', '.join(FORMATS)}")
        return chosen
    if path is not None and str(path) != "-":
        suffix = Path(path).suffix.lower()
        if suffix in FOREIGN_SUFFIXES:
            raise ExportUsageError(
                f"-o {path}: export writes {', '.join(FORMATS)}, not {suffix[1:]}; use a "
                f"name ending in .csv (Excel opens it) or give --format to keep this name")
        return SUFFIX_FORMATS.get(suffix, "csv")
    return "csv"


def export_records(
    records: Iterable[Record],
    target: Path | str | IO[bytes] | None,
    *,
    format: str,
    fields: str | Iterable[str] | None = None,
    separator: str = DEFAULT_SEPARATOR,
    excel: bool = False,
    table: str = DEFAULT_TABLE,
    batch_size: int = DEFAULT_BATCH,
    flag: str = "-o",
) -> ExportStats:
    """Write records to `target` as csv, tsv, jsonl, parquet or sqlite; return counts.

    `target` is a path (written atomically: a temporary file renamed when complete; for
    sqlite, rows are upserted by `id` into `table` in one transaction), a binary stream
    the caller owns, or None for stdout. `fields` chooses and orders the columns (dotted
    paths or NAMED_COLUMNS; default DEFAULT_COLUMNS; for jsonl, default is the whole
    record). Raises ExportUsageError for bad options or a target no file can be written
    to (`flag` names the option in the message) before reading any record; a failed
    write raises toolkit.output.OutputWriteError; an exception from `records`
    propagates. Either way no output file is left behind.
    """
    format = format_for(None, format)
    if format == "jsonl" and fields is None:
        columns = None
    else:
        columns = parse_fields(fields)
    if excel and format not in ("csv", "tsv"):
        raise ExportUsageError("--excel (a UTF-8 byte-order mark) applies to csv and tsv only")
    if format == "sqlite" and not table.strip():
        raise ExportUsageError("--table needs a name, e.g. --table documents")
    try:
        limits.check("export_batch", batch_size)
    except ValueError as exc:
        raise ExportUsageError(str(exc)) from None
    is_path = isinstance(target, (str, os.PathLike))
    if format == "sqlite" and not is_path:
        raise ExportUsageError("sqlite needs an output file: -o FILE.sqlite")
    if is_path and (problem := output_problem(flag, target, regular_only=format == "sqlite")):
        raise ExportUsageError(problem)
    if format == "sqlite" and columns is not None:
        columns = _sqlite_columns(columns)
    stats = ExportStats(format=format, columns=[c.name for c in columns] if columns else [],
                        target=str(target) if is_path else None)
    rows = _Rows(records, stats)
    if format == "sqlite":
        _write_sqlite(Path(target), rows, columns, table=table, separator=separator,
                      batch_size=batch_size, flag=flag)
        return stats
    with _open_target(target, flag) as stream:
        if format == "jsonl":
            _write_jsonl(stream, rows, columns)
        elif format == "parquet":
            _write_parquet(stream, rows, columns, separator=separator, batch_size=batch_size)
        else:
            _write_delimited(stream, rows, columns, tsv=format == "tsv", separator=separator,
                             excel=excel)
    return stats


class _CallerStream:
    """A stream the caller owns, used like Output but left open."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream

    def __enter__(self) -> IO[bytes]:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.stream.flush()


def _open_target(target: Path | str | IO[bytes] | None, flag: str):
    if target is None or isinstance(target, (str, os.PathLike)):
        return Output(target, flag)
    return _CallerStream(target)


def export_command(
    *,
    input: Path | str | None,
    output: Path | str | None,
    format: str | None,
    fields: str | None,
    separator: str,
    excel: bool,
    table: str,
    progress: bool | None,
    quiet: bool,
) -> int:
    """Read JSON Lines and export them; return the exit status (CONTRACT.md).

    Raises ExportUsageError before reading anything when the options are wrong. A line
    that is not JSON is exported as a row whose `errors` cell says so, and the status
    is 1; Ctrl-C leaves no output file (or an untouched database) and returns 130.
    """
    chosen = format_for(output, format)
    to_stdout = is_stdout(output)
    if to_stdout and chosen not in STREAMABLE:
        raise ExportUsageError(f"{chosen} cannot go to stdout; give -o FILE")
    problem = usage_problem(input, None) or output_problem("-o", output,
                                                           regular_only=chosen == "sqlite")
    if problem:
        raise ExportUsageError(problem)
    if fields is not None or chosen != "jsonl":
        parse_fields(fields)  # usage errors before reading input
    report = Report(STAGE, quiet)
    meter = Progress(STAGE, progress, quiet)
    stream = open_input(input)

    def watched(records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            report.new_errors(record, known_errors(record))
            meter.tick()
            yield record

    def work() -> int:
        try:
            export_records(watched(read_records(stream, STAGE)), None if to_stdout else output,
                           format=chosen, fields=fields, separator=separator, excel=excel,
                           table=table)
        except ExportLockedError as exc:
            report.say(str(exc), essential=True)
            return EXIT_LOCKED
        finally:
            meter.close()
        report.close()
        return EXIT_ERRORS if report.codes else EXIT_OK

    try:
        return finish(STAGE, work, interrupted="no output file was left behind (a database "
                      "is left as it was)")
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()

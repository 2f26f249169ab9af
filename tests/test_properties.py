"""Property-based tests (Hypothesis): hostile inputs through every stage via the CLI.

Generated JSON values, byte strings, file names and file kinds are pushed through
ingest, detect, translate, summarize, extract, export (every format), show and run,
and the answers are judged by CONTRACT.md: one output record per input line (blank
lines aside), valid JSON out, a bad line kept in `raw`, fields a stage does not own
passed through in order, no traceback, an exit status from the contract table.

Deterministic and bounded for `make test` (profile "ci": derandomized, few examples,
no example database). To hunt for new cases, run with more, random examples:

    TOOLKIT_HYPOTHESIS=deep .venv/bin/python -m pytest tests/test_properties.py

(=shrink: the CI examples, shrunk to the smallest when one fails; =hunt: deep without the
explicit examples of classes already found, to find the next class; TOOLKIT_HYPOTHESIS_EXAMPLES
sets deep's count.)

Commands run in-process (CliRunner); a FIFO is watched by a thread that opens its
writing end when the toolkit opens it for reading, so a walk that opens one is caught,
not hung. Runs that need real file descriptors or a memory limit are subprocesses.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import resource
import socket
import sqlite3
import stat
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from support.hostile import (
    BAD_KINDS,
    SPECIAL_KINDS,
    Entry,
    as_object,
    counted,
    folder_entries,
    input_lines,
    join,
    raw_kept,
    records,
    runs_as_formula,
)
from support.hostile import lines as any_line
from support.jsonl_cli import TOOLKIT_BIN
from typer.testing import CliRunner

from toolkit.cli import app

pytest_plugins = ["support.argos_fixtures"]  # package_files: built once per session

# "ci" does not shrink a failing example (that can take minutes): run the test again with
# TOOLKIT_HYPOTHESIS=shrink for the minimal one, or =deep to hunt with random examples.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck), print_blob=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.register_profile("shrink", parent=settings.get_profile("ci"), phases=list(Phase))
settings.register_profile(
    "deep", parent=settings.get_profile("shrink"), derandomize=False,
    max_examples=int(os.environ.get("TOOLKIT_HYPOTHESIS_EXAMPLES", "400")))
# "hunt": deep, without the explicit examples, to find the next class of failure.
settings.register_profile("hunt", parent=settings.get_profile("deep"),
                          phases=[p for p in Phase if p is not Phase.explicit])
PROFILE = settings.get_profile(os.environ.get("TOOLKIT_HYPOTHESIS", "ci"))


def examples(n: int) -> settings:
    """Settings for a property: `n` examples in CI, the deep profile's count when hunting."""
    return settings(PROFILE, max_examples=max(n, PROFILE.max_examples if PROFILE.max_examples
                                              > 25 else 0))


# --- running commands -----------------------------------------------------------------

# Keys each command owns (may add or change); every other key passes through untouched.
OWNED = {
    "detect": {"lang", "lang_score", "paragraph_langs", "lang_params"},
    "translate": {"translations"},
    "summarize": {"summary"},
    "extract": {"fields"},
    "ingest": {"id", "sha256", "source", "title", "text"},
}
OWNED["run"] = set().union(*OWNED.values())
ARGS = {"detect": ["detect"], "translate": ["translate", "--no-cache"],
        "summarize": ["summarize"], "extract": ["extract"]}
# No translation package is installed: translate answers with a missing model (3).
STATUSES = {"translate": {0, 1, 3}}
RECORD_STAGES = ["detect", "translate", "summarize", "extract"]


@pytest.fixture(scope="module")
def isolated(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("props-home")
    (home / "packages").mkdir()
    return {"ARGOS_PACKAGES_DIR": str(home / "packages"), "XDG_CACHE_HOME": str(home / "c"),
            "XDG_DATA_HOME": str(home / "d"), "XDG_CONFIG_HOME": str(home / "cf"),
            "TOOLKIT_DEBUG": ""}


@pytest.fixture(autouse=True)
def _isolated_env(isolated, monkeypatch):
    for key, value in isolated.items():
        monkeypatch.setenv(key, value)


class Answer:
    def __init__(self, result):
        self.status = result.exit_code
        self.stdout: bytes = result.stdout_bytes
        self.stderr: str = result.stderr
        self.exception = result.exception

    def lines(self) -> list[bytes]:
        assert self.stdout.endswith(b"\n") or not self.stdout, self.stdout[-200:]
        return self.stdout.split(b"\n")[:-1]

    def records(self) -> list[dict]:
        out = []
        for line in self.lines():
            record = json.loads(line.decode("utf-8"))  # UTF-8, valid JSON
            assert isinstance(record, dict), line[:200]
            out.append(record)
        # One record per line for every reader, str.splitlines() included.
        assert len(self.stdout.decode("utf-8").splitlines()) == len(out)
        return out


def toolkit(args: list[str], input: bytes | None = None) -> Answer:
    """`toolkit ARGS` in-process; an exception that escapes is what a user sees as a
    traceback, so it fails the property (with the exception, for the report)."""
    answer = Answer(CliRunner().invoke(app, args, input=input))
    if answer.exception is not None and not isinstance(answer.exception, SystemExit):
        raise AssertionError(f"toolkit {args[0]}: {type(answer.exception).__name__} escaped: "
                             f"{answer.exception}") from answer.exception
    assert "Traceback" not in answer.stderr, answer.stderr[-2000:]
    return answer


def assert_status(stage: str, answer: Answer, *, bad_input: bool) -> None:
    allowed = STATUSES.get(stage, {0, 1})
    assert answer.status in allowed, (answer.status, answer.stderr[-1000:])
    if bad_input:  # a record with a new error: cron must hear of it
        assert answer.status != 0, answer.stderr[-1000:]


def assert_nothing_lost(stage: str, given: list[bytes], out: list[dict]) -> None:
    """One record per counted line, in order; a bad line keeps its raw text and an
    error; an object's fields that the stage does not own pass through, in order."""
    lines = counted(given)
    assert len(out) == len(lines), (len(out), len(lines))
    owned = OWNED[stage] | {"errors", "warnings"}
    for line, record in zip(lines, out):
        value = as_object(line)
        if value is None:
            assert record.get("raw") == raw_kept(line), (line[:200], record.get("raw"))
            assert record.get("errors"), line[:200]
            continue
        kept = [key for key in value if key not in owned]
        assert [key for key in record if key in kept] == kept, (line[:200], list(record))
        for key in kept:
            assert record[key] == value[key], (key, line[:200])


def has_bad_line(given: list[bytes]) -> bool:
    return any(as_object(line) is None for line in counted(given))


@contextlib.contextmanager
def scratch():
    with tempfile.TemporaryDirectory(prefix="props-") as folder:
        yield Path(folder)


STAGE_OPTIONS = st.sampled_from([[], [], ["--max-chars", "60"], ["--max-chars", "60", "--cut"]])


# --- every record stage: one line in, one record out ----------------------------------


@pytest.mark.parametrize("stage", RECORD_STAGES)
@examples(15)
@given(given=input_lines, options=STAGE_OPTIONS)
# A UTF-16 BOM opening the stream makes it UTF-16: the UTF-8 lines after it are one line.
@example(given=[b"\xff\xfe{\x00}\x00", b'{"text": "Bonjour."}'], options=[])
def test_record_stage_answers_every_line_once(stage, given, options):
    answer = toolkit([*ARGS[stage], *options], join(given))
    assert_status(stage, answer, bad_input=has_bad_line(given))
    assert_nothing_lost(stage, given, answer.records())


@examples(15)
@given(given=input_lines, options=STAGE_OPTIONS)
def test_ingest_of_a_jsonl_file_answers_every_line_once(given, options):
    with scratch() as folder:
        path = folder / "in.jsonl"
        path.write_bytes(join(given))
        answer = toolkit(["ingest", *options, str(path)])
    assert_status("ingest", answer, bad_input=has_bad_line(given))
    assert_nothing_lost("ingest", given, answer.records())


FIRST = b'{"id": "first", "text": "Bonjour."}'  # so stdin is read as JSON Lines


@examples(15)
@given(given=input_lines)
@example(given=[b'{"text": "a\rb"}'])
def test_ingest_of_stdin_answers_every_line_once(given):
    given = [FIRST, *given]
    answer = toolkit(["ingest", "-"], join(given))
    assert_status("ingest", answer, bad_input=has_bad_line(given))
    assert_nothing_lost("ingest", given, answer.records())


@examples(8)
@given(given=input_lines)
def test_run_of_a_jsonl_file_answers_every_line_once(given):
    with scratch() as folder:
        path = folder / "in.jsonl"
        path.write_bytes(join(given))
        answer = toolkit(["run", str(path), "--skip-missing-models", "--no-cache", "-n", "1"])
    assert_status("run", answer, bad_input=has_bad_line(given))
    assert_nothing_lost("run", given, answer.records())


# --- chains and re-runs ---------------------------------------------------------------


@examples(8)
@given(given=input_lines)
def test_the_whole_pipe_keeps_every_line(given):
    """ingest FILE | detect | translate | summarize | extract | export --format jsonl: the
    count stays; only the first stage meets bad lines, so later ones add none."""
    expected = len(counted(given))
    with scratch() as folder:
        (folder / "in.jsonl").write_bytes(join(given))
        data = toolkit(["ingest", str(folder / "in.jsonl")]).stdout
    for stage in RECORD_STAGES:
        answer = toolkit(ARGS[stage], data)
        assert answer.status in STATUSES.get(stage, {0, 1})
        out = answer.records()
        assert len(out) == expected, stage
        data = answer.stdout
    answer = toolkit(["export", "--format", "jsonl"], data)
    assert answer.status == 0, answer.stderr  # every line is a JSON object by now
    assert len(answer.records()) == expected


def run_twice(stage: str, given: list[bytes]) -> tuple[list[dict], list[dict]]:
    args = ["ingest", "-"] if stage == "ingest" else ARGS[stage]
    data = join([FIRST, *given]) if stage == "ingest" else join(given)
    first = toolkit(args, data)
    once = first.records()
    twice = toolkit(args, first.stdout).records()
    assert len(twice) == len(once)
    return once, twice


@pytest.mark.parametrize("stage", [*RECORD_STAGES, "ingest"])
@examples(8)
@given(given=input_lines)
def test_running_a_stage_again_changes_no_good_record(stage, given):
    """Output fed back: the same count; a record without errors stays without, and a
    stage that finds its own result with the same params leaves the record as it was."""
    for before, after in zip(*run_twice(stage, given)):
        if not before.get("errors"):
            assert not after.get("errors"), (before, after)
            assert after == before


@pytest.mark.parametrize("stage", [*RECORD_STAGES, "ingest"])
@examples(8)
@given(given=input_lines)
@example(given=[b'{"text": null}', b'{"text": ""}', b'{"text": "Bonjour tout le monde."}'])
def test_running_a_stage_again_repeats_no_error(stage, given):
    """A record that already carries this stage's error gets no second copy of it: the
    re-run finds nothing new (and so exits 0 for it)."""
    for before, after in zip(*run_twice(stage, given)):
        assert after.get("errors") == before.get("errors"), (before, after)


# --- translate with a real (tiny) package installed ---------------------------------


@pytest.fixture(scope="module")
def fr_en_packages(tmp_path_factory, package_files) -> Path:
    """A folder where a small real fr→en argostranslate package is installed (the
    session's packages, built once for every test file that needs one)."""
    from toolkit.models import install_package

    folder = tmp_path_factory.mktemp("props-models") / "packages"
    install_package(package_files[("fr", "en")], folder)
    return folder


@st.composite
def french_lines(draw) -> list[bytes]:
    """Records marked French (any text, any other fields) among hostile lines."""
    out = []
    for line in draw(st.lists(st.one_of(records(), any_line()), min_size=1, max_size=4)):
        if isinstance(line, dict):
            line = json.dumps({**line, "lang": "fr"}, ensure_ascii=False).encode("utf-8")
        out.append(line)
    return out


@examples(6)
@given(given=french_lines())
def test_translate_with_a_package_answers_every_line_once(given, fr_en_packages,
                                                          monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(fr_en_packages))
    answer = toolkit(["translate", "--to", "en", "--no-cache"], join(given))
    assert_status("translate", answer, bad_input=has_bad_line(given))
    out = answer.records()
    assert_nothing_lost("translate", given, out)
    for record in out:
        if record.get("lang") == "fr":  # fr→en is installed
            assert "missing_model" not in [e.get("code") for e in record.get("errors") or []
                                           if isinstance(e, dict)], record
        if isinstance(record.get("text"), str) and not record.get("errors"):
            assert isinstance(record["translations"]["en"]["sentences"], list), record


def test_class_max_chars_bounds_the_title(fr_en_packages, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(fr_en_packages))
    long_title = {"id": "t", "lang": "fr", "title": "Le ministre a reçu la délégation. " * 20,
                  "text": "Bonjour."}
    line = json.dumps(long_title, ensure_ascii=False).encode("utf-8")
    refused = toolkit(["translate", "--no-cache", "--max-chars", "100"], join([line]))
    record = refused.records()[0]
    assert "too_long" in [e["code"] for e in record.get("errors") or []], record
    assert refused.status == 1
    cut = toolkit(["translate", "--no-cache", "--max-chars", "100", "--cut"], join([line]))
    record = cut.records()[0]
    assert "cut" in [w["code"] for w in record.get("warnings") or []], record


# --- export, show ---------------------------------------------------------------------

FORMATS = ["csv", "tsv", "jsonl", "parquet", "sqlite"]


def exported_rows(fmt: str, folder: Path, answer: Answer) -> list[list[str | None]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(answer.stdout.decode("utf-8"), newline="")))[1:]
    if fmt == "tsv":
        return [line.split("\t") for line in answer.stdout.decode("utf-8").split("\n")[1:-1]]
    if fmt == "jsonl":
        return [[line] for line in answer.lines()]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(folder / "out.parquet")
        return [list(row.values()) for row in table.to_pylist()]
    with contextlib.closing(sqlite3.connect(folder / "out.sqlite")) as db:
        return [list(row) for row in db.execute("SELECT * FROM documents")]


@pytest.mark.parametrize("fmt", FORMATS)
@examples(10)
@given(given=input_lines)
def test_export_writes_one_row_per_line(fmt, given):
    with scratch() as folder:
        target = ["-o", str(folder / f"out.{fmt}")] if fmt in ("parquet", "sqlite") else []
        answer = toolkit(["export", "--format", fmt, *target], join(given))
        assert_status("export", answer, bad_input=has_bad_line(given))
        rows = exported_rows(fmt, folder, answer)
    lines = counted(given)
    if fmt == "sqlite":  # upserted by id: one row per distinct id
        from toolkit.export import record_id
        from toolkit.records import parse_line

        assert len(rows) == len({record_id(parse_line(line, 1)) for line in lines})
    else:
        assert len(rows) == len(lines)
    if fmt in ("csv", "tsv"):  # Promise 10: no cell a spreadsheet would run
        cells = [cell for row in rows for cell in row if cell]
        assert not [cell for cell in cells if runs_as_formula(cell)]


@examples(15)
@given(given=input_lines)
@example(given=[b'{"title": [1], "text": "x"}'])
def test_show_reads_anything(given):
    answer = toolkit(["show", "--width", "80"], join(given))
    assert answer.status in {0, 1}, answer.stderr
    assert answer.stdout.decode("utf-8")


# --- record streams in UTF-16 and UTF-32 ----------------------------------------------

WIDE = ["utf-16-le", "utf-16-be", "utf-32-le"]
WIDE_BOM = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00"}


@pytest.mark.parametrize("stage", ["detect", "ingest"])
@examples(6)
@given(values=st.lists(records(), min_size=1, max_size=4), encoding=st.sampled_from(WIDE))
@example(values=[{"text": "Bonjour."}], encoding="utf-16-le")
def test_wide_record_streams_read_as_records(stage, values, encoding):
    """PowerShell's `>` writes UTF-16LE with a BOM: the same records as in UTF-8."""
    text = "\n".join(json.dumps(v, ensure_ascii=False) for v in values) + "\n"
    outputs = []
    with scratch() as folder:
        for data in (text.encode("utf-8"), WIDE_BOM[encoding] + text.encode(encoding)):
            path = folder / "in.jsonl"
            path.write_bytes(data)
            args = ["ingest", str(path)] if stage == "ingest" else ["detect", "-i", str(path)]
            out = toolkit(args).records()
            outputs.append([{k: v for k, v in r.items() if k != "source"} for r in out])
    assert outputs[1] == outputs[0]


# --- folders: any file name, any kind of entry ----------------------------------------

TEXT = "Le ministre a reçu mardi à Tripoli une délégation. Les parties ont examiné l'accord."
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def build(folder: Path, entries: list[Entry], elsewhere: Path) -> list[bytes]:
    """Create the entries in `folder`; return the paths (bytes) of FIFOs to watch."""
    base = os.fsencode(folder)
    fifos = []
    for entry in entries:
        path = os.path.join(base, entry.name)
        suffix = os.path.splitext(entry.name)[1]
        if entry.kind == "text":
            body = {b".html": f"<p>{TEXT}</p>", b".md": f"# Titre\n\n{TEXT}"}.get(suffix, TEXT)
            _write(path, body.encode("utf-8"))
        elif entry.kind == "jsonl":
            _write(path, join(entry.lines))
        elif entry.kind == "empty-jsonl":
            _write(path, b"" if len(entry.name) % 2 else b"\n \n")
        elif entry.kind == "empty":
            _write(path, b"")
        elif entry.kind == "binary":
            _write(path, BINARY)
        elif entry.kind == "fifo":
            os.mkfifo(path)
            fifos.append(path)
        elif entry.kind == "socket":
            _bind_socket(path)
        elif entry.kind == "dangling":
            os.symlink(os.path.join(base, b"no such target"), path)
        elif entry.kind == "loop":
            os.symlink(path, path)
        elif entry.kind == "devnull":
            os.symlink(b"/dev/null", path)
        elif entry.kind == "link-to-text":
            target = elsewhere / f"target-{len(os.listdir(elsewhere))}.txt"
            target.write_text(TEXT, encoding="utf-8")
            os.symlink(os.fsencode(target), path)
        elif entry.kind == "subfolder":
            os.mkdir(path)
            _write(os.path.join(path, b"inside.txt"), TEXT.encode("utf-8"))
    return fifos


def _write(path: bytes, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)


def _bind_socket(path: bytes) -> None:
    """A UNIX socket file (its path may be longer than a sockaddr holds: bind beside it
    under a short name, then rename)."""
    folder = os.path.dirname(path)
    short = os.path.join(folder, b"s")
    here = os.getcwd()
    os.chdir(folder)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(b"s")
    finally:
        os.chdir(here)
    os.rename(short, path)


@contextlib.contextmanager
def fifo_watch(fifos: list[bytes]):
    """Opens a FIFO's writing end as soon as a reader has it open (and closes it: the
    reader sees end of file), so a walk that opens a FIFO is caught instead of hung."""
    opened: list[bytes] = []
    done = threading.Event()

    def watch():
        while not done.wait(0.005):
            for path in fifos:
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:
                    continue  # no reader: not opened (ENXIO)
                opened.append(path)
                os.close(fd)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield opened
    finally:
        done.set()
        thread.join()


def paths_of(records: list[dict]) -> list[str]:
    return [str((r.get("source") or {}).get("path")) for r in records
            if isinstance(r.get("source"), dict)]


def check_folder(entries: list[Entry], folder: Path, out: list[dict], answer: Answer) -> None:
    # An inbox with no document in it is one no_documents error record.
    expected = sum(entry.expected_records() for entry in entries) or 1
    assert len(out) == expected, (len(out), expected, [(e.name, e.kind) for e in entries])
    bad = [e for e in entries if e.kind in BAD_KINDS]
    failed = [r for r in out if r.get("errors")]
    assert len(failed) >= len(bad)
    assert_status("ingest", answer, bad_input=bool(bad))
    reported = paths_of(failed)
    for entry in bad:
        try:
            name = entry.name.decode("utf-8")
        except UnicodeDecodeError:
            continue  # how a name that is not UTF-8 is written is the toolkit's choice
        path = str(folder / name)
        assert path in reported, (entry.kind, path, reported)
        if entry.kind in SPECIAL_KINDS:  # not a regular file: not read as an empty one
            record = next(r for r in failed if r["source"]["path"] == path)
            assert "empty_file" not in [e.get("code") for e in record["errors"]], record


FOLDER_EXAMPLES = {
    "non-UTF-8 name": [Entry(b"caf\xe9.txt", "text")],
    "FIFO": [Entry(b"pipe.txt", "fifo")],
    "empty .jsonl": [Entry(b"empty.jsonl", "empty-jsonl")],
    "link to /dev/null": [Entry(b"null.txt", "devnull")],
}


def _folder_property(command: list[str], entries: list[Entry]) -> None:
    with scratch() as root:
        folder, elsewhere = root / "inbox", root / "elsewhere"
        folder.mkdir()
        elsewhere.mkdir()
        fifos = build(folder, entries, elsewhere)
        with fifo_watch(fifos) as opened:
            answer = toolkit([*command[:1], str(folder), *command[1:]])
        out = answer.records()
        assert not opened, f"a FIFO was opened: {opened}"
        check_folder(entries, folder, out, answer)


@examples(15)
@given(entries=folder_entries())
@example(entries=FOLDER_EXAMPLES["non-UTF-8 name"])
@example(entries=FOLDER_EXAMPLES["FIFO"])
@example(entries=FOLDER_EXAMPLES["empty .jsonl"])
@example(entries=FOLDER_EXAMPLES["link to /dev/null"])
def test_ingest_of_a_folder_reports_every_entry(entries):
    _folder_property(["ingest"], entries)


@examples(6)
@given(entries=folder_entries())
@example(entries=FOLDER_EXAMPLES["non-UTF-8 name"])
def test_run_of_a_folder_reports_every_entry(entries):
    _folder_property(["run", "--skip-missing-models", "--no-cache", "-n", "1"], entries)


@examples(10)
@given(entries=folder_entries(kinds=["text", "jsonl", "empty", "binary", "dangling", "loop",
                                     "subfolder", "link-to-text"], utf8_names=True))
def test_ingest_of_a_folder_with_utf8_names_and_regular_entries(entries):
    """The part of the folder property that holds today: names that are UTF-8, no special
    files, no empty .jsonl."""
    _folder_property(["ingest"], [e for e in entries if e.kind != "empty-jsonl"])


# --- outputs: -o, --report, --export write where a shell redirection would ------------

DOC_LINE = json.dumps({"id": "d", "text": TEXT}, ensure_ascii=False).encode("utf-8") + b"\n"
OUTPUT_COMMANDS = {
    "detect -o": lambda doc, target: ["detect", "-o", target],
    "ingest -o": lambda doc, target: ["ingest", doc, "-o", target],
    "export -o": lambda doc, target: ["export", "--format", "csv", "-o", target],
    "run -o": lambda doc, target: ["run", doc, "--skip-missing-models", "-n", "1", "-o", target],
    "run --report": lambda doc, target: ["run", doc, "--skip-missing-models", "-n", "1",
                                         "--report", target],
    "run --export": lambda doc, target: ["run", doc, "--skip-missing-models", "-n", "1",
                                         "--export", f"csv:{target}"],
}
TARGET_KINDS = ["file", "link-to-file", "dangling-link", "device", "link-to-device", "fifo"]


def _make_target(folder: Path, kind: str) -> Path:
    target = folder / "out.dat"
    if kind == "file":
        target.write_bytes(b"old\n")
    elif kind == "link-to-file":
        (folder / "real.dat").write_bytes(b"old\n")
        target.symlink_to("real.dat")
    elif kind == "dangling-link":
        target.symlink_to("real.dat")
    elif kind in ("device", "link-to-device"):
        device = folder / ("null" if kind == "link-to-device" else "out.dat")
        try:
            os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
        except PermissionError:
            pytest.skip("mknod needs root here")
        if kind == "link-to-device":
            target.symlink_to("null")
    elif kind == "fifo":
        os.mkfifo(target)
    return target


@contextlib.contextmanager
def fifo_reader(path: Path):
    """Reads what is written into a FIFO while the command runs."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    got = bytearray()
    done = threading.Event()

    def read():
        while True:
            # Once the command has ended, drain what it left in the pipe, then stop.
            ended = done.is_set()
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = b""
            got.extend(chunk)
            if not chunk:
                if ended:
                    break
                done.wait(0.01)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        done.set()
        thread.join()
        os.close(fd)


@pytest.mark.parametrize("kind", TARGET_KINDS)
@pytest.mark.parametrize("command", list(OUTPUT_COMMANDS))
def test_outputs_touch_only_what_was_named(command, kind, tmp_path):
    """Promise 11: a link keeps pointing where it pointed and its target gets the output;
    a device or FIFO is written through (or refused with exit 2), never replaced;
    nothing else appears in the folder."""
    doc = tmp_path / "doc.txt"
    doc.write_text(TEXT, encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    target = _make_target(folder, kind)
    before = sorted(os.listdir(folder))
    args = OUTPUT_COMMANDS[command](str(doc), str(target))
    with fifo_reader(target) if kind == "fifo" else contextlib.nullcontext(bytearray()) as got:
        answer = toolkit(args, DOC_LINE)
    assert answer.status in {0, 2}, answer.stderr
    assert sorted(os.listdir(folder)) == sorted({*before, "real.dat"} if kind == "dangling-link"
                                                else before)
    if "link" in kind:
        assert target.is_symlink(), "the link was replaced by a file"
        assert os.readlink(target) in ("real.dat", "null")
    if kind in ("device", "link-to-device"):
        assert stat.S_ISCHR(os.stat(target).st_mode)
    if kind == "fifo":
        assert stat.S_ISFIFO(os.lstat(target).st_mode)
        assert answer.status == 2 or got
    if kind in ("file", "link-to-file") or (kind == "dangling-link" and answer.status == 0):
        assert answer.status == 0, answer.stderr
        assert target.read_bytes() not in (b"", b"old\n")


# --- one plain example per class of failure found ---------------------------------------


def subprocess_toolkit(args: list[str], isolated: dict, *, memory: int | None = None,
                       timeout: int = 60, **kwargs) -> subprocess.CompletedProcess:
    def limit():
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, **isolated}
    try:
        return subprocess.run([str(TOOLKIT_BIN), *args], capture_output=True, env=env,
                              timeout=timeout, preexec_fn=limit, check=False, **kwargs)
    except subprocess.TimeoutExpired:
        pytest.fail(f"toolkit {' '.join(args)} still running after {timeout} s (hung)")


@pytest.mark.parametrize("command", [["ingest"], ["run", "--skip-missing-models"]])
def test_class_file_name_not_utf8(command, tmp_path):
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    (Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")))
     .write_text(TEXT, encoding="utf-8"))
    answer = toolkit([command[0], str(tmp_path), *command[1:]])
    out = answer.records()
    assert len(out) == 2  # the good document is not lost with the odd name
    assert answer.status in {0, 1}


def test_class_fifo_in_folder_walk(tmp_path):
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    with fifo_watch([os.fsencode(tmp_path / "pipe.txt")]) as opened:
        answer = toolkit(["ingest", str(tmp_path)])
    out = answer.records()
    assert not opened, "the FIFO was opened (a walk would hang on it until a writer came)"
    assert len(out) == 2 and answer.status == 1
    assert out[1]["source"]["path"].endswith("pipe.txt") and out[1]["errors"]


def test_class_link_to_dev_zero_in_folder_walk(tmp_path, isolated):
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    run = subprocess_toolkit(["ingest", str(tmp_path)], isolated, memory=600 << 20, timeout=60)
    assert b"Traceback" not in run.stderr, run.stderr[-500:]
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(out) == 2 and run.returncode == 1
    assert out[1]["errors"]


def test_class_empty_jsonl_is_an_error_record_like_an_empty_txt(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "empty.txt").write_bytes(b"")
    out = toolkit(["ingest", str(tmp_path)]).records()
    assert [r["source"]["path"].rsplit("/", 1)[1] for r in out] == ["empty.jsonl", "empty.txt"]
    assert all(r["errors"] for r in out)


def test_class_lone_cr_in_a_json_line_on_stdin():
    """JSON Lines end at LF only: a lone CR stays inside its line. Raw in a string it is a
    control character strict JSON refuses (as every stage does): one bad line, kept whole."""
    lines = [b'{"id": "a", "text": "one\rtwo"}', b'{"id": "b", "text": "Bonjour."}',
             b'{"id": "c", "text": "three"}\r{"id": "d"}']
    out = toolkit(["ingest", "-"], join(lines)).records()
    assert len(out) == 3
    assert out[0]["raw"] == lines[0].decode() and out[0]["errors"][0]["code"] == "bad_line"
    assert out[1]["id"] == "b"
    assert out[2]["raw"] == lines[2].decode()  # not split into c and d


# Smallest lines Hypothesis found that made show raise (a traceback, exit 1).
SHOW_CRASHES = [b'{"title": [1]}', b'{"id": true}', b'{"translations": 5}', b'{"errors": [1]}',
                b'{"errors": 3.5}', b'{"errors": "x"}', b'{"warnings": 5}',
                b'{"warnings": [null]}']


@pytest.mark.parametrize("line", SHOW_CRASHES)
def test_class_show_takes_any_json_value_types(line):
    answer = toolkit(["show", "--width", "80"], join([line, b"[]"]))
    assert answer.status in {0, 1} and answer.stdout


# Smallest lines Hypothesis found that made export raise (a traceback, exit 1).
EXPORT_CRASHES = [b'{"id": "a", "raw": "x", "errors": 1}',  # len() of errors: 1
                  b'{"id": "b", "lang": [1], "summary": {"x": 1}}']  # summary[lang]: unhashable


@pytest.mark.parametrize("line", EXPORT_CRASHES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_class_export_takes_any_json_value_types(fmt, line, tmp_path):
    if fmt == "jsonl" and b"lang" in line:
        pytest.skip("jsonl without --fields writes records whole: no summary column")
    answer = toolkit(["export", "--format", fmt, "-o", str(tmp_path / f"out.{fmt}")],
                     join([line]))
    assert answer.status in {0, 1}
    assert (tmp_path / f"out.{fmt}").exists()


def test_class_utf16_json_lines_with_a_bom():
    data = b"\xff\xfe" + '{"id": "a", "text": "Bonjour."}\n'.encode("utf-16-le")
    out = toolkit(["detect"], data).records()
    assert len(out) == 1 and out[0].get("id") == "a" and "raw" not in out[0]



"""Unattended runs: where output goes, how a failed write or a bug ends, option ranges.

One class of failure per section (issue 9): the one output path every command uses;
outputs that are devices, FIFOs, links, read-only or full; closed standard streams;
internal errors (exit 70, traceback only on request); numeric option ranges. Real file
descriptors matter here, so most tests run the installed `toolkit` in a subprocess.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.jsonl_cli import DOCS, TOOLKIT_BIN, invoke, jsonl
from typer.main import get_command

from toolkit import output
from toolkit.cli import app

pytest_plugins = ["support.argos_fixtures"]

FRENCH = {"id": "fr-1", "text": "Le ministre a reçu mardi la délégation libyenne à Tunis."}
ENGLISH = {"id": "en-1", "text": "The minister met the Libyan delegation in Tunis on Tuesday."}
OLD = b"the old output\n"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """Subprocess environment: no translation packages, a private cache."""
    home = tmp_path / "home"
    (home / "packages").mkdir(parents=True)
    return {**os.environ, "ARGOS_PACKAGES_DIR": str(home / "packages"),
            "XDG_CACHE_HOME": str(home / "cache"), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"), "TOOLKIT_DEBUG": ""}


@pytest.fixture
def records_file(tmp_path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(FRENCH, ENGLISH))
    return path


def toolkit(args: list[str], env: dict, shell_redirect: str = "", **kwargs):
    """Run the installed command; `shell_redirect` (e.g. '<&-') goes through bash."""
    if shell_redirect:
        line = " ".join(f"'{a}'" for a in [str(TOOLKIT_BIN), *args]) + " " + shell_redirect
        return subprocess.run(["bash", "-c", line], capture_output=True, env=env, timeout=120,
                              check=False, **kwargs)
    return subprocess.run([str(TOOLKIT_BIN), *args], capture_output=True, env=env,
                          timeout=120, check=False, **kwargs)


def one_line(stderr: bytes) -> str:
    """The stderr of a failed command: exactly one line, no traceback."""
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- 1. one output path -------------------------------------------------------------------

# Every command that writes, with the file it writes (None: stdout).
WRITERS = {
    "ingest": (["ingest", str(DOCS / "en"), "-o", "{out}"], "out.jsonl"),
    "detect": (["detect", "-i", "{in}", "-o", "{out}"], "out.jsonl"),
    "extract": (["extract", "-i", "{in}", "-o", "{out}"], "out.jsonl"),
    "export csv": (["export", "-i", "{in}", "-o", "{out}"], "out.csv"),
    "export tsv": (["export", "-i", "{in}", "-o", "{out}"], "out.tsv"),
    "export jsonl": (["export", "-i", "{in}", "-o", "{out}"], "out.jsonl"),
    "export parquet": (["export", "-i", "{in}", "-o", "{out}"], "out.parquet"),
    "run -o": (["run", str(DOCS / "en"), "--skip-missing-models", "-q", "-o", "{out}"],
               "out.jsonl"),
    "run --report": (["run", str(DOCS / "en"), "--skip-missing-models", "-q",
                      "-o", "{tmp}/records.jsonl", "--report", "{out}"], "report.json"),
    "run --export": (["run", str(DOCS / "en"), "--skip-missing-models", "-q",
                      "-o", "{tmp}/records.jsonl", "--export", "csv:{out}"], "table.csv"),
    "show": (["show", "-i", "{in}"], None),
    "models list": (["models", "list", "--json"], None),
    "doctor": (["doctor"], None),
}


@pytest.mark.parametrize("command", list(WRITERS))
def test_every_writer_goes_through_the_one_output_path(command, tmp_path, records_file,
                                                       monkeypatch, argos_env):
    """A disk that fills up, injected once in toolkit.output, fails every command the
    same way: exit 5, one line, the old file kept, no temporary file left."""
    args, name = WRITERS[command]
    target = tmp_path / name if name else None
    if target is not None:
        target.write_bytes(OLD)

    def disk_full(self, data):
        return self._output._call(lambda: _raise(OSError(errno.ENOSPC, "No space left")))

    monkeypatch.setattr(output.GuardedStream, "write", disk_full)
    filled = [a.format(out=target, tmp=tmp_path, **{"in": records_file}) for a in args]
    run = invoke(filled)
    assert run.exit_code == 5, run.stderr
    said = [line for line in run.stderr.splitlines() if "could not write" in line]
    assert len(said) == 1 and "No space left" in said[0]
    if target is not None:
        assert target.read_bytes() == OLD
        assert not [p for p in listing(tmp_path) if p.endswith(".tmp")]


def _raise(exc: Exception):
    raise exc


# --- 2. outputs: devices, FIFOs, links, what is replaced ----------------------------------


def test_o_dev_null_stays_a_device(env, records_file):
    """As root, -o /dev/null once replaced the device with a regular file."""
    before = os.stat("/dev/null")
    run = toolkit(["detect", "-i", str(records_file), "-o", "/dev/null"], env)
    assert run.returncode == 0, run.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


def test_a_fifo_as_output_is_written_through(env, records_file, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    run = toolkit(["detect", "-i", str(records_file), "-o", str(fifo)], env)
    reader.join(timeout=60)
    assert run.returncode == 0, run.stderr
    assert [json.loads(line)["id"] for line in received[0].splitlines()] == ["fr-1", "en-1"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert listing(tmp_path) == ["home", "in.jsonl", "pipe"]


def test_a_symlinked_output_keeps_pointing_and_its_target_gets_the_output(
        env, records_file, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    target = real / "today.jsonl"
    target.write_bytes(OLD)
    target.chmod(0o640)
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    run = toolkit(["detect", "-i", str(records_file), "-o", str(link)], env)
    assert run.returncode == 0, run.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == \
        ["fr-1", "en-1"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # as `>` would keep it
    assert listing(real) == ["today.jsonl"]


def test_a_socket_as_output_is_refused_before_work(env, records_file, tmp_path):
    import socket

    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        run = toolkit(["detect", "-i", str(records_file), "-o", str(path)], env)
    finally:
        server.close()
    assert run.returncode == 2
    assert "socket" in one_line(run.stderr)
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def make_kind(kind: str, tmp_path: Path) -> Path:
    """An output path of the given kind, in a folder of its own."""
    folder = tmp_path / "kinds"
    folder.mkdir()
    path = folder / "out"
    if kind == "regular":
        path.write_bytes(OLD)
    elif kind == "link to regular":
        (folder / "real").write_bytes(OLD)
        path.symlink_to(folder / "real")
    elif kind == "dangling link":
        path.symlink_to(folder / "not-yet")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to /dev/null":
        path.symlink_to("/dev/null")
    elif kind == "folder":
        path.mkdir()
    elif kind == "link to folder":
        (folder / "sub").mkdir()
        path.symlink_to(folder / "sub")
    elif kind == "link loop":
        path.symlink_to(folder / "out")
    elif kind == "missing parent":
        path = folder / "no" / "out"
    return path


# kind: (exit status for a streamed format, for sqlite, which needs a regular file and
# refuses one that is not a database)
KINDS = {"regular": (0, 2), "link to regular": (0, 2), "dangling link": (0, 0),
         "fifo": (0, 2), "link to /dev/null": (0, 2), "folder": (2, 2),
         "link to folder": (2, 2), "link loop": (2, 2), "missing parent": (2, 2)}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_only_what_you_named_is_touched(kind, fmt, env, records_file, tmp_path):
    """Every kind of output path, every writer: the status the table says, the path keeps
    its kind (a link stays a link, a FIFO a FIFO), no temporary file is left behind."""
    path = make_kind(kind, tmp_path)
    before = os.lstat(path) if os.path.lexists(path) else None
    received: list[bytes] = []
    reader = None
    if kind == "fifo" and fmt != "sqlite":
        reader = threading.Thread(target=lambda: received.append(path.read_bytes()))
        reader.start()
    args = ["detect", "-i", str(records_file)] if fmt == "jsonl" else \
        ["export", "-i", str(records_file), "--format", fmt]
    run = toolkit([*args, "-o", str(path)], env)
    if reader is not None:
        reader.join(timeout=60)
    expected = KINDS[kind][fmt == "sqlite"]
    assert run.returncode == expected, run.stderr
    if expected == 2:
        assert str(path) in one_line(run.stderr)
        if kind in ("regular", "link to regular"):
            assert Path(os.path.realpath(path)).read_bytes() == OLD
    if before is not None:
        after = os.lstat(path)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
        if not stat.S_ISREG(before.st_mode):
            assert after.st_ino == before.st_ino  # the same link, FIFO or folder
    if expected == 0 and kind != "link to /dev/null":
        written = received[0] if received else Path(os.path.realpath(path)).read_bytes()
        assert written and written != OLD
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith((".tmp", "-journal"))]
    assert leftovers == []


@pytest.mark.parametrize("flag", ["-o", "--report", "--export", "--state"])
def test_every_output_location_is_checked_before_any_work(flag, env, tmp_path):
    missing = tmp_path / "no" / "such"
    value = {"-o": f"{missing}/out.jsonl", "--report": f"{missing}/r.json",
             "--export": f"csv:{tmp_path}/out.csv/x.csv", "--state": f"{tmp_path}/file/state"}
    (tmp_path / "out.csv").write_bytes(OLD)  # a file where a folder is needed
    (tmp_path / "file").write_bytes(OLD)
    run = toolkit(["run", str(DOCS / "en"), "-o", str(tmp_path / "records.jsonl"),
                   flag, value[flag]], env)
    assert run.returncode == 2
    line = one_line(run.stderr)
    assert flag in line
    assert not (tmp_path / "records.jsonl").exists()  # no work was done
    assert (tmp_path / "out.csv").read_bytes() == OLD


def test_a_folder_given_as_output_file_is_bad_usage(env, records_file, tmp_path):
    for args in (["detect", "-i", str(records_file)], ["export", "-i", str(records_file)]):
        run = toolkit([*args, "-o", str(tmp_path)], env)
        assert run.returncode == 2 and "folder" in one_line(run.stderr)


def test_a_read_only_folder_is_bad_usage_before_work(env, records_file, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user (root) can write in a read-only folder anyway")
        run = toolkit(["detect", "-i", str(records_file), "-o", str(folder / "out.jsonl")], env)
    finally:
        folder.chmod(0o755)
    assert run.returncode == 2 and "cannot write" in one_line(run.stderr)


@contextmanager
def tmpfs(path: Path, options: str):
    """A tiny tmpfs mounted at path (needs root and a machine that allows it)."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_a_read_only_filesystem_is_bad_usage_before_work(env, records_file, tmp_path):
    with tmpfs(tmp_path / "ro", "ro,size=64k") as folder:
        run = toolkit(["run", str(DOCS / "en"), "-o", str(folder / "out.jsonl")], env)
        assert run.returncode == 2 and "read-only" in one_line(run.stderr)


@pytest.mark.parametrize("args,name", [
    (["detect"], "out.jsonl"),
    (["export", "--format", "csv"], "out.csv"),
    (["export", "--format", "sqlite"], "out.sqlite"),
])
def test_a_full_disk_exits_5_and_keeps_the_old_file(args, name, env, tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_bytes(jsonl(*[{**FRENCH, "id": f"r{i}", "lang": "fr"} for i in range(3000)]))
    with tmpfs(tmp_path / "full", "size=64k") as folder:
        target = folder / name
        if name.endswith(".sqlite"):  # a database that fits, then a disk with no room
            small = tmp_path / "small.jsonl"
            small.write_bytes(jsonl(FRENCH, ENGLISH))
            assert toolkit(["export", "-i", str(small), "-o", str(target)], env).returncode == 0
            fill(folder / "filler")
        else:
            target.write_bytes(OLD)
        old = target.read_bytes()
        run = toolkit([*args, "-i", str(big), "-o", str(target)], env)
        assert run.returncode == 5, run.stderr
        assert "could not write" in one_line(run.stderr)
        assert target.read_bytes() == old
        assert not [p for p in listing(folder) if p.endswith((".tmp", "-journal"))]


def fill(path: Path) -> None:
    """Fill the file system `path` is on, to the last byte."""
    try:
        with open(path, "wb", buffering=0) as stream:
            while True:
                stream.write(b"x" * 512)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC


@pytest.mark.parametrize("how", ["> /dev/full", ">&-", "-o /dev/full"])
def test_stdout_that_cannot_be_written_exits_5(how, env, records_file):
    if how.startswith("-o"):
        run = toolkit(["detect", "-i", str(records_file), *how.split()], env)
    else:
        run = toolkit(["detect", "-i", str(records_file)], env, shell_redirect=how)
    assert run.returncode == 5
    assert "could not write" in one_line(run.stderr) or "closed" in one_line(run.stderr)


def test_a_closed_stdout_does_not_matter_with_o(env, records_file, tmp_path):
    target = tmp_path / "out.jsonl"
    run = toolkit(["detect", "-i", str(records_file), "-o", str(target)], env,
                  shell_redirect=">&-")
    assert run.returncode == 0, run.stderr
    assert len(target.read_bytes().splitlines()) == 2


@pytest.mark.parametrize("args", [["detect"], ["export"], ["show"], ["ingest", "-"]])
def test_a_closed_stdin_is_bad_usage(args, env):
    run = toolkit(args, env, shell_redirect="<&-")
    assert run.returncode == 2
    assert "stdin is closed" in one_line(run.stderr)


@pytest.mark.parametrize("args", [["show", "-i", "{big}"], ["models", "list", "--json"],
                                  ["models", "pairs"], ["doctor"]])
def test_head_1_ends_quietly_for_every_command_that_prints(args, env, tmp_path,
                                                           package_files, monkeypatch):
    """The reader is gone before the command writes (what `| head -1` leaves)."""
    from toolkit.models import install_package

    monkeypatch.setenv("ARGOS_PACKAGES_DIR", env["ARGOS_PACKAGES_DIR"])
    for package in package_files.values():
        install_package(package)
    big = tmp_path / "big.jsonl"
    big.write_bytes(jsonl(*[{**FRENCH, "id": f"r{i}"} for i in range(50)]))
    process = subprocess.Popen([str(TOOLKIT_BIN), *[a.format(big=big) for a in args]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    process.stdout.close()
    stderr = process.stderr.read()
    process.stderr.close()
    # doctor may say 3 (a resource missing) whatever the reader does
    assert process.wait(timeout=120) in ((0, 3) if args[0] == "doctor" else (0,))
    assert b"Traceback" not in stderr and b"Exception" not in stderr
    assert b"Broken pipe" not in stderr and b"BrokenPipe" not in stderr


# --- 3. no traceback, ever ---------------------------------------------------------------

BROKEN_STAGE = """
import sys
import toolkit.extract

def broken(records, **options):
    for record in records:
        raise KeyError("a bug in a stage")
        yield record

toolkit.extract.extract_records = broken
sys.argv[0] = "toolkit"
from toolkit.cli import main
main()
"""


@pytest.mark.parametrize("debug", ["", "--debug", "TOOLKIT_DEBUG=1"])
def test_an_unexpected_exception_is_one_line_and_exit_70(debug, env, records_file, tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_bytes(OLD)
    if debug.startswith("TOOLKIT_DEBUG"):
        env = {**env, "TOOLKIT_DEBUG": "1"}
    args = [*(["--debug"] if debug == "--debug" else []), "extract", "-i", str(records_file),
            "-o", str(target)]
    run = subprocess.run([sys.executable, "-c", BROKEN_STAGE, *args], capture_output=True,
                         env=env, timeout=120, check=False)
    assert run.returncode == 70
    text = run.stderr.decode()
    first = text.splitlines()[0]
    assert first.startswith("toolkit extract: internal error at id fr-1: KeyError")
    assert "a bug in a stage" in first
    if debug:
        assert "Traceback" in text and "def broken" not in first
    else:
        assert one_line(run.stderr) == first and "--debug" in first
    assert target.read_bytes() == OLD


def test_a_crash_in_run_outside_the_stages_exits_70_in_one_line(monkeypatch, tmp_path):
    import toolkit.pipeline

    def broken(job):
        raise OSError(errno.EIO, "Input/output error")
        yield

    monkeypatch.setattr(toolkit.pipeline, "_ingest", broken)
    run = invoke(["run", str(DOCS / "en"), "-o", str(tmp_path / "out.jsonl")])
    assert run.exit_code == 70
    said = [line for line in run.stderr.splitlines() if "internal error" in line]
    assert len(said) == 1 and said[0].startswith("toolkit run: internal error in ingest: ")
    assert "OSError" in said[0] and "Input/output error" in said[0]
    assert listing(tmp_path) == []


ODD_VALUES = [None, 0, -1.5, True, "", "text", [], [None, 3, "x", {}], {}, {"x": [1]}]
FIELDS = ["id", "title", "text", "lang", "translations", "summary", "fields", "errors",
          "warnings", "source"]


def test_show_takes_any_json_value_types():
    records = [{field: value} for field in FIELDS for value in ODD_VALUES]
    records += [{"summary": {"fr": {"sentences": value}}, "lang": "fr"} for value in ODD_VALUES]
    records += [{"summary": {"fr": {"sentences": [value]}}, "lang": "fr",
                 "translations": {"en": value}} for value in ODD_VALUES]
    records += [{"fields": {key: value}} for key in ("people", "dates", "published", "title")
                for value in ODD_VALUES]
    records += [{"fields": {"people": [value], "dates": [value]}, "errors": [value]}
                for value in ODD_VALUES]
    run = invoke(["show", "--width", "200"], jsonl(*records))
    assert run.exit_code == 0, run.stderr
    assert run.stderr == ""


# --- 4. numeric option ranges ------------------------------------------------------------

OUT_OF_RANGE = [
    (["translate", "--threads", "20000"], "--threads"),
    (["translate", "--batch-size", "2000000"], "--batch-size"),
    (["translate", "--beam-size", "100000"], "--beam-size"),
    (["detect", "--max-chars", "0"], "--max-chars"),
    (["ingest", "-", "--max-chars", "99999999999"], "--max-chars"),
    (["summarize", "-n", "0"], "--sentences"),
    (["summarize", "--ratio", "1.5"], "--ratio"),
    (["show", "--width", "5"], "--width"),
    (["run", str(DOCS / "en"), "--threads", "20000"], "--threads"),
    (["run", str(DOCS / "en"), "--shard", "1/0"], "--shard"),
    (["run", str(DOCS / "en"), "--shard", "1/9999999999"], "--shard"),
]


@pytest.mark.parametrize("args,flag", OUT_OF_RANGE, ids=[" ".join(a[:3]) for a, _ in
                                                        OUT_OF_RANGE])
def test_an_out_of_range_number_is_bad_usage_in_one_line(args, flag, env, tmp_path):
    run = toolkit(args, env, input=jsonl(FRENCH), cwd=tmp_path)
    assert run.returncode == 2
    assert flag in one_line(run.stderr)
    assert run.stdout == b""


def test_every_numeric_option_of_every_command_has_a_range():
    """A new numeric option without min and max fails here, not in a user's cron job."""
    numeric, unbounded = [], []

    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")
        for param in command.params:
            if param.bare_type() in ("int", "float"):
                numeric.append(f"{path} {param.name}")
                if param.min is None or param.max is None:
                    unbounded.append(f"{path} {param.opts[0]}")

    walk(get_command(app), "toolkit")
    assert len(numeric) >= 10  # the walk sees them: translate, summarize, run, show...
    assert unbounded == []


def test_the_python_api_checks_the_same_ranges():
    from toolkit.summarize import summarize_records
    from toolkit.translate import translate_records

    with pytest.raises(ValueError, match="threads"):
        translate_records([], threads=20000)
    with pytest.raises(ValueError, match="beam_size"):
        translate_records([], beam_size=0)
    with pytest.raises(ValueError, match="sentences"):
        summarize_records([], sentences=10**9)

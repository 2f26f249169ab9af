"""CONTRACT.md across stages: every stage command, driven the way cron and shell scripts
drive it (real pipes to .venv/bin/toolkit, signals) and through the Python API.

Parametrised over the stages; a stage whose module or command is not there yet is
skipped with the reason, so this file runs now and keeps checking each stage once it
lands. No translation package is installed here (ARGOS_PACKAGES_DIR is an empty
folder): translate answers every record with a missing-model error (exit 3), which is
its contract on a machine without models.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main
from support.jsonl_cli import DOCS, TOOLKIT_BIN, codes
from typer.testing import CliRunner

from toolkit.cli import app

# stage -> (module, function, what the stage adds: the keys it may change)
RECORD_STAGES = {
    "detect": ("toolkit.detect", "detect_records",
               {"lang", "lang_score", "paragraph_langs", "lang_params"}),
    "translate": ("toolkit.translate", "translate_records", {"translations"}),
    "summarize": ("toolkit.summarize", "summarize_records", {"summary"}),
    "extract": ("toolkit.extract", "extract_records", {"fields"}),
}
PIPELINE_ORDER = ["detect", "translate", "summarize", "extract"]
# Status of a stage over records that include bad ones: translate has no model here.
BAD_BATCH_STATUS = {"detect": 1, "translate": 3, "summarize": 1, "extract": 1}
# Options each stage takes that make the run cheap and self-contained.
STAGE_ARGS = {"translate": ["--no-cache"]}
HEAVY = ("argostranslate", "stanza", "torch", "spacy", "ctranslate2", "sumy", "nltk",
         "dateparser", "pyarrow", "babel", "numpy", "py3langid", "pandas", "sklearn")
COMMANDS = set(typer.main.get_command(app).commands)


def _missing(stage: str) -> str | None:
    """Why a stage cannot be checked yet, or None. A stage whose module fails to import is
    not "missing": the error propagates and the tests fail (a broken stage is never a skip)."""
    module, function = {**{s: v[:2] for s, v in RECORD_STAGES.items()},
                        "ingest": ("toolkit.ingest", "ingest_records"),
                        "export": ("toolkit.export", "export_records")}[stage]
    getattr(importlib.import_module(module), function)
    if stage not in COMMANDS:
        return f"no `toolkit {stage}` command yet"
    return None


def stages(names) -> list:
    return [pytest.param(name, marks=pytest.mark.skipif(bool(_missing(name)),
                                                         reason=str(_missing(name))))
            for name in names]


def available(names) -> list[str]:
    return [name for name in names if not _missing(name)]


# --- inputs -------------------------------------------------------------------------

FR = ("Le ministre de l'Intérieur a reçu mardi à Tripoli une délégation de l'Organisation "
      "internationale pour les migrations. Les deux parties ont examiné les programmes de "
      "retour volontaire.\n\nM. Gheriani a salué un partenariat utile et concret.")
AR = ("استقبل وزير الخارجية يوم الثلاثاء سفير جمهورية تونس لدى ليبيا لبحث سبل تعزيز التعاون "
      "الثنائي بين البلدين.\n\nوأكد الجانبان أهمية تنسيق المواقف في المحافل الدولية.")
EN = ("The Ministry of Foreign Affairs said on Tuesday that the minister had met a United "
      "Nations delegation in Tripoli. Both sides discussed the return of displaced families.")


def dumps(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


GOOD = [
    {"z_first": 1, "id": "fr", "text": FR, "extra": {"k": [1, 2.5, None], "é": "ü"},
     "note": "نص"},
    {"id": "ar", "title": "وزير الخارجية يستقبل سفير تونس", "text": AR},
    {"id": "en", "text": EN, "tail": [True, False]},
]
# (raw line, what it is): every kind of line a user's file may hold.
MIXED_LINES = [
    (dumps(GOOD[0]), "good"),
    (b'{"id": "broken", "text": "unterminated', "not JSON"),
    (dumps({"id": "no-text", "title": "a record without text"}), "no text"),
    (dumps({"id": "number", "text": 5}), "text not a string"),
    (b'["an", "array", 5]', "a JSON array"),
    (b'"just a string"', "a JSON string"),
    (b'{"id": "latin-1", "text": "caf\xe9"}', "not UTF-8"),
    (b'{"id": "surrogate", "text": "half a pair \\ud800 here"}', "lone surrogate"),
    (dumps({"id": "odd-errors", "text": 7, "errors": "not a list", "warnings": None}),
     "errors not a list"),
    (dumps(GOOD[1]), "good"),
    (dumps({"id": "separators", "text": "One line\u2028still one line.\u2029 And more "
            "English words in a second sentence here."}), "Unicode line separators"),
    (dumps(GOOD[2]), "good"),
    (b"\xef\xbb\xbf" + dumps({"id": "bom", "text": EN}), "a BOM mid-file (files concatenated)"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply for Python's parser"),
    (b'{"id": "nan", "text": "NaN is no JSON number.", "score": NaN}', "NaN"),
    (b'{"id": "huge-number", "text": "Out of range.", "n": 1e999}', "a number out of range"),
]
MIXED = b"\n".join(line for line, _ in MIXED_LINES) + b"\n\n"  # a blank line is skipped


def as_object(line: bytes) -> dict | None:
    """The input line as the record a stage should pass through, or None (a bad line)."""
    try:
        value = json.loads(line.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


@pytest.fixture(scope="module")
def isolated(tmp_path_factory) -> dict[str, str]:
    """Environment for subprocesses: no translation packages, a private cache."""
    home = tmp_path_factory.mktemp("contract-home")
    (home / "packages").mkdir()
    env = dict(os.environ)
    env.update(ARGOS_PACKAGES_DIR=str(home / "packages"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    return env


@pytest.fixture(autouse=True)
def _same_env_in_process(isolated, monkeypatch):
    for key in ("ARGOS_PACKAGES_DIR", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(key, isolated[key])


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> Path:
    """The ar/fr/en fixture documents as records, plus the awkward records file."""
    from toolkit.ingest import ingest_paths

    path = tmp_path_factory.mktemp("contract-docs") / "docs.jsonl"
    folders = [str(DOCS / lang) for lang in ("ar", "fr", "en")]
    lines = [dumps(record) for record in ingest_paths(folders)]
    lines += (DOCS / "awkward" / "records.jsonl").read_bytes().splitlines()
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def toolkit(args: list[str], env: dict, *, input: bytes | None = None, **kwargs):
    return subprocess.run([str(TOOLKIT_BIN), *args], input=input, capture_output=True,
                          env=env, timeout=120, check=False, **kwargs)


def out_lines(stdout: bytes) -> list[bytes]:
    assert stdout.endswith(b"\n") or not stdout
    return stdout.split(b"\n")[:-1]


def assert_no_traceback(stderr: bytes | str) -> None:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text, text[-2000:]


# --- Promise 1: nothing is lost -----------------------------------------------------


@pytest.mark.parametrize("stage", stages(RECORD_STAGES))
def test_every_line_gives_one_record_and_fields_pass_through(stage, isolated):
    run = toolkit([stage, *STAGE_ARGS.get(stage, [])], isolated, input=MIXED)
    assert_no_traceback(run.stderr)
    assert run.returncode == BAD_BATCH_STATUS[stage]
    lines = out_lines(run.stdout)
    assert len(lines) == len(MIXED_LINES)
    # One record per line for every reader, str.splitlines() included.
    assert len(run.stdout.decode("utf-8").splitlines()) == len(MIXED_LINES)
    owned = RECORD_STAGES[stage][2] | {"errors", "warnings"}
    for (raw, what), line in zip(MIXED_LINES, lines):
        record = json.loads(line)
        for kind in ("errors", "warnings"):
            entries = record.get(kind)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):  # an input's own odd value is kept as it was
                    assert set(entry) == {"stage", "code", "message"}, (what, entry)
        given = as_object(raw)
        if given is None:
            assert record["raw"] == raw.decode("utf-8", "replace"), what
            assert codes(record) == ["bad_line"], what
            continue
        assert [key for key in record if key in given] == list(given), what
        for key, value in given.items():
            if key not in owned:
                assert record[key] == value, (what, key)


def test_awkward_records_through_every_stage_in_one_pipe(isolated):
    """records.jsonl through the real chain of processes: 5 lines in, 5 lines out; a bad
    line and a record without text carry only the error of the first stage that saw them."""
    chain = [[stage, *STAGE_ARGS.get(stage, [])] for stage in available(PIPELINE_ORDER)]
    if not chain:
        pytest.skip("no record stage available yet")
    chain.append(["export", "--format", "jsonl"] if not _missing("export") else ["detect"])
    source = DOCS / "awkward" / "records.jsonl"
    processes = []
    upstream = source.open("rb")
    for args in chain:
        process = subprocess.Popen([str(TOOLKIT_BIN), *args], stdin=upstream,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=isolated)
        upstream.close()
        upstream = process.stdout
        processes.append(process)
    output = upstream.read()
    upstream.close()
    for process in processes:
        process.wait(timeout=120)
        assert_no_traceback(process.stderr.read())
        process.stderr.close()
    raw_lines = source.read_bytes().splitlines()
    records = [json.loads(line) for line in out_lines(output)]
    assert len(records) == len(raw_lines) == 5
    first = chain[0][0]
    assert records[1]["raw"] == raw_lines[1].decode("utf-8")
    assert records[1]["errors"] == [{"stage": first, "code": "bad_line",
                                     "message": records[1]["errors"][0]["message"]}]
    assert [e["code"] for e in records[2]["errors"]] == ["no_text"]
    assert records[2]["errors"][0]["stage"] == first
    assert records[2]["source"] == {"note": "text key is missing on purpose"}
    assert records[4]["raw"] == raw_lines[4].decode("utf-8")
    assert records[0]["title"] == json.loads(raw_lines[0])["title"]
    assert processes[0].returncode == 1  # the first stage found new errors
    assert all(p.returncode in (0, 3) for p in processes[1:])  # later ones found none new


# --- Promise 2: exit statuses -------------------------------------------------------

BAD_USAGE = {
    "ingest": [["--max-chars", "0", "x.txt"], ["-o", "no/such/folder/out.jsonl", "x.txt"],
               ["--nope", "x.txt"]],
    "detect": [["--max-chars", "0"], ["--max-chars", "many"], ["-i", "no-such-file.jsonl"],
               ["-o", "no/such/folder/out.jsonl"], ["--nope"]],
    "translate": [["--device", "tpu"], ["--beam-size", "0"], ["--to", ""],
                  ["-i", "no-such-file.jsonl"], ["-o", "no/such/folder/out.jsonl"]],
    "summarize": [["--method", "nope"], ["--ratio", "2"], ["-n", "0"],
                  ["-n", "2", "--ratio", "0.5"], ["--on", "XX"], ["-i", "no-such-file.jsonl"]],
    "extract": [["--max-chars", "0"], ["-i", "no-such-file.jsonl"],
                ["-o", "no/such/folder/out.jsonl"]],
    "export": [["--format", "nope"], ["--format", "parquet"], ["-i", "no-such-file.jsonl"],
               ["-o", "no/such/folder/out.csv"], ["--fields", ""]],
}


@pytest.mark.parametrize("stage", stages(BAD_USAGE))
def test_bad_usage_exits_2_with_one_line(stage, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in BAD_USAGE[stage]:
        result = CliRunner().invoke(app, [stage, *args], input=dumps(GOOD[2]) + b"\n")
        assert result.exit_code == 2, (args, result.stderr, result.exception)
        assert result.stdout_bytes == b"", args
        assert_no_traceback(result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"toolkit {stage}"), (args, lines)
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere


@pytest.mark.parametrize("stage", stages(["detect", "summarize", "extract"]))
def test_good_records_exit_0_even_with_warnings(stage):
    unknown = {"id": "digits", "text": "12345 67890 ..."}  # detect: und, a warning
    lines = b"\n".join(dumps(r) for r in [*copy.deepcopy(GOOD), unknown]) + b"\n"
    result = CliRunner().invoke(app, [stage], input=lines)
    assert result.exit_code == 0, result.stderr
    assert len(out_lines(result.stdout_bytes)) == 4


# --- Promise 5: quiet stdout, `| head -1` -------------------------------------------


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    """~1 MB of records: far more than a pipe holds, so `head -1` closes it early."""
    path = tmp_path_factory.mktemp("contract-big") / "big.jsonl"
    lines = [dumps({**GOOD[i % 3], "id": f"r{i}"}) for i in range(2400)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


HEAD_ONE = {stage: [stage, *STAGE_ARGS.get(stage, [])] for stage in RECORD_STAGES}
HEAD_ONE.update({"ingest": ["ingest"], "export": ["export"]})


@pytest.mark.parametrize("stage", stages(HEAD_ONE))
def test_head_1_ends_quietly(stage, big_input, isolated):
    args = [*HEAD_ONE[stage], str(big_input)] if stage == "ingest" else \
        [*HEAD_ONE[stage], "-i", str(big_input)]
    process = subprocess.Popen([str(TOOLKIT_BIN), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=isolated)
    first = process.stdout.readline()
    process.stdout.close()  # what `head -1` does after its line
    stderr = process.stderr.read()
    process.stderr.close()
    status = process.wait(timeout=120)
    assert first.strip()
    if stage != "export":
        assert isinstance(json.loads(first), dict)
    assert_no_traceback(stderr)
    assert b"Exception" not in stderr and b"Broken pipe" not in stderr
    assert status == 0


# --- Promise 6: deterministic, UTF-8, Arabic readable -------------------------------

DETERMINISM = {stage: [stage, *STAGE_ARGS.get(stage, [])] for stage in RECORD_STAGES}
DETERMINISM.update({"export": ["export"], "ingest": ["ingest", str(DOCS)]})


@pytest.mark.parametrize("stage", stages(DETERMINISM))
def test_byte_identical_across_hash_seeds(stage, documents, isolated):
    args = DETERMINISM[stage] + ([] if stage == "ingest" else ["-i", str(documents)])
    outputs = [toolkit(args, {**isolated, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")]
    assert outputs[0] and outputs[0] == outputs[1]
    text = outputs[0].decode("utf-8")  # valid UTF-8
    assert re.search("[\u0600-\u06ff]{3}", text)  # Arabic written as Arabic
    assert not re.search(r"\\u06[0-9a-f]{2}", text)


# --- Promise 7: fast start ----------------------------------------------------------


def imported_modules(args: list[str], env: dict, stdin: bytes | None = None) -> set[str]:
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "toolkit", *args],
                         input=stdin, capture_output=True, env=env, timeout=60, check=False)
    names = set()
    for line in run.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize("args", [
    ["--help"], ["ingest", "--help"], ["detect", "--help"], ["translate", "--help"],
    ["summarize", "--help"], ["extract", "--help"], ["export", "--help"], ["run", "--help"],
    ["ingest", str(DOCS / "en")], ["export", "--format", "csv"],
], ids=" ".join)
def test_help_and_model_free_stages_import_nothing_heavy(args, isolated, documents):
    if args[0] not in COMMANDS and args[0] != "--help":
        pytest.skip(f"no `toolkit {args[0]}` command yet")
    stdin = documents.read_bytes() if args[0] == "export" else None
    heavy = imported_modules(args, isolated, stdin) & set(HEAVY)
    assert not heavy, f"`toolkit {' '.join(args)}` imports {sorted(heavy)}"


# --- Promises 8 and 9: --max-chars, --cut, a 10 MB line -----------------------------


@pytest.mark.parametrize("stage", stages(["ingest", *RECORD_STAGES]))
def test_max_chars_refuses_and_cut_warns(stage):
    long = {"id": "long", "text": ("Le ministre a reçu la délégation à Tripoli. " * 40).strip()}
    lines = dumps(GOOD[2]) + b"\n" + dumps(long) + b"\n"
    base = [stage, *STAGE_ARGS.get(stage, []), "--max-chars", "300"]
    base += ["-"] if stage == "ingest" else []
    refused = CliRunner().invoke(app, base, input=lines)
    short_out, long_out = [json.loads(x) for x in out_lines(refused.stdout_bytes)]
    assert "too_long" in codes(long_out) and "too_long" not in codes(short_out)
    assert long_out["text"] == long["text"]  # the record keeps its text
    cut = CliRunner().invoke(app, [*base, "--cut"], input=lines)
    _, long_cut = [json.loads(x) for x in out_lines(cut.stdout_bytes)]
    assert "too_long" not in codes(long_cut)
    assert "cut" in codes(long_cut, "warnings")


@pytest.mark.parametrize("stage", stages(["ingest", *RECORD_STAGES]))
def test_a_10_mb_line_is_refused_in_one_line_and_the_batch_goes_on(stage, tmp_path,
                                                                   isolated):
    huge = {"id": "huge", "text": "Le ministre a reçu la délégation. " * 310_000}
    lines = [dumps(GOOD[0]), dumps(huge), dumps(GOOD[2])]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    args = [stage, *STAGE_ARGS.get(stage, [])]
    run = toolkit([*args, str(source)] if stage == "ingest" else [*args, "-i", str(source)],
                  isolated)
    assert_no_traceback(run.stderr)
    records = [json.loads(line) for line in out_lines(run.stdout)]
    assert [r["id"] for r in records] == ["fr", "huge", "en"]
    assert "too_long" in codes(records[1])
    assert "too_long" not in codes(records[0]) + codes(records[2])
    said = [line for line in run.stderr.decode().splitlines() if "--max-chars" in line]
    assert len(said) == 1 and ("huge" in said[0] or "line 2" in said[0])  # names it
    assert run.returncode == (3 if stage == "translate" else 1)


STALL_ARGS = {"detect": ["detect", "--force"], "summarize": ["summarize"],
              "extract": ["extract"]}


@pytest.mark.parametrize("stage", stages(STALL_ARGS))
def test_a_long_one_line_text_under_max_chars_does_not_stall(stage, tmp_path, isolated):
    """480,000 characters in one line (no paragraph breaks: a stripped web page), under
    the default --max-chars: the stage must get through it, as every splitter call and
    sentence graph did not (minutes each); the timeout only says it did not hang."""
    rng = random.Random(5)
    words = ["ministre", "délégation", "coopération", "Tripoli", "accord", "sécurité",
             "frontière", "migration", "programme", "réunion", "conseil", "projet", "le",
             "la", "les", "des", "avec"]
    sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(6, 18))).capitalize()
                 + "." for _ in range(5000)]
    source = tmp_path / "in.jsonl"
    source.write_bytes(dumps({"id": "one-line", "lang": "fr", "text": " ".join(sentences)})
                       + b"\n" + dumps(GOOD[2]) + b"\n")
    run = toolkit([*STALL_ARGS[stage], "-i", str(source)], isolated)
    assert_no_traceback(run.stderr)
    assert run.returncode == 0
    long_out, short_out = [json.loads(line) for line in out_lines(run.stdout)]
    key = {"detect": "lang", "summarize": "summary", "extract": "fields"}[stage]
    assert key in long_out and key in short_out


# --- Promise 4: -o is atomic, Ctrl-C leaves nothing ---------------------------------

SIGINT_ARGS = {stage: [stage, *STAGE_ARGS.get(stage, [])] for stage in RECORD_STAGES}
SIGINT_ARGS.update({"ingest": ["ingest", "-"], "export": ["export", "--format", "csv"]})


@pytest.mark.parametrize("stage", stages(SIGINT_ARGS))
def test_ctrl_c_mid_run_exits_130_and_leaves_no_file(stage, tmp_path, isolated):
    """The stage has opened its output and written records when Ctrl-C comes, while it
    waits for more input: exit 130, neither the output nor its temporary file remains."""
    interrupt_mid_run(stage, signal.SIGINT, tmp_path, isolated)


@pytest.mark.parametrize("stage", stages(["detect", "ingest", "export"]))
def test_sigterm_from_a_cron_timeout_cleans_up_like_ctrl_c(stage, tmp_path, isolated):
    interrupt_mid_run(stage, signal.SIGTERM, tmp_path, isolated)


def interrupt_mid_run(stage: str, signum: int, tmp_path: Path, isolated: dict) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / ("out.csv" if stage == "export" else "out.jsonl")
    process = subprocess.Popen([str(TOOLKIT_BIN), *SIGINT_ARGS[stage], "-o", str(target)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=isolated)
    try:
        body = b"".join(dumps({**GOOD[i % 3], "id": f"r{i}"}) + b"\n" for i in range(60))
        process.stdin.write(body)
        process.stdin.flush()
        deadline = time.monotonic() + 60
        while not any(folder.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(folder.iterdir()), "the stage never opened its output"
        time.sleep(0.5)  # let it work through what it was given
        process.send_signal(signum)
        status = process.wait(timeout=60)
        stderr = process.stderr.read()
    finally:
        process.kill() if process.poll() is None else None
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()
    assert status == 130, stderr.decode()
    assert_no_traceback(stderr)
    assert list(folder.iterdir()) == []


# --- the Python API mirrors the CLI -------------------------------------------------

API_OPTIONS = {"translate": {"cache": None}, "summarize": {"sentences": 2}}
CLI_OPTIONS = {"translate": ["--no-cache"], "summarize": ["-n", "2"]}


@pytest.mark.parametrize("stage", stages(RECORD_STAGES))
def test_python_api_gives_what_the_command_gives(stage):
    module, function, _ = RECORD_STAGES[stage]
    stage_records = getattr(importlib.import_module(module), function)
    given = copy.deepcopy(GOOD)
    produced = list(stage_records(given, **API_OPTIONS.get(stage, {})))
    assert len(produced) == len(GOOD)
    assert all(out is into for out, into in zip(produced, given))  # the same dicts
    lines = b"\n".join(dumps(r) for r in GOOD) + b"\n"
    result = CliRunner().invoke(app, [stage, *CLI_OPTIONS.get(stage, [])], input=lines)
    assert [json.loads(x) for x in out_lines(result.stdout_bytes)] == produced


def _never_read():
    raise AssertionError("a record was read before the options were checked")
    yield


@pytest.mark.parametrize("stage",
                         stages(["ingest", "detect", "translate", "summarize", "extract"]))
def test_python_api_refuses_a_bad_max_chars_before_reading(stage):
    module, function = ("toolkit.ingest", "ingest_records") if stage == "ingest" else \
        RECORD_STAGES[stage][:2]
    stage_records = getattr(importlib.import_module(module), function)
    for bad in (0, -5, "1000", None):
        with pytest.raises(ValueError, match="max_chars"):
            list(stage_records(_never_read(), max_chars=bad))


@pytest.mark.parametrize("stage", stages(["ingest"]))
def test_ingest_records_is_ingest_of_json_lines_on_stdin(stage):
    from toolkit.ingest import ingest_records

    given = [{"title": " Titre  ", "text": "Le  texte.\r\nSuite."}, *copy.deepcopy(GOOD)]
    produced = list(ingest_records(copy.deepcopy(given)))
    lines = b"\n".join(dumps(r) for r in given) + b"\n"
    result = CliRunner().invoke(app, ["ingest", "-"], input=lines)
    assert [json.loads(x) for x in out_lines(result.stdout_bytes)] == produced
    assert produced[0]["text"] == "Le texte.\nSuite." and produced[0]["sha256"]


@pytest.mark.parametrize("stage", stages(["export"]))
def test_export_records_writes_what_export_writes(stage, tmp_path):
    from toolkit.export import export_records

    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(dumps(r) for r in GOOD) + b"\n")
    export_records(copy.deepcopy(GOOD), tmp_path / "api.csv", format="csv")
    result = CliRunner().invoke(app, ["export", "-i", str(source), "-o",
                                      str(tmp_path / "cli.csv")])
    assert result.exit_code == 0
    assert (tmp_path / "api.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()


# The README (length, commands, its Python example): tests/test_readme.py.


# --- Promise 3: offline -------------------------------------------------------------

REFUSE_NETWORK = '''\
import os, socket
def _refuse(*args, **kwargs):
    with open(os.environ["NETWORK_ATTEMPTS"], "a") as log:
        log.write(repr(args[1:] or args) + "\\n")
    raise OSError("network access attempted")
socket.socket.connect = socket.socket.connect_ex = _refuse
socket.create_connection = socket.getaddrinfo = _refuse
'''

OFFLINE_ARGS = {stage: [stage] for stage in RECORD_STAGES}
OFFLINE_ARGS.update({"ingest": ["ingest", str(DOCS)], "export": ["export", "--format", "csv"]})


@pytest.fixture(scope="module")
def with_models(isolated, tmp_path_factory) -> dict[str, str]:
    """The isolated environment with small real ar→en and fr→en packages installed."""
    try:
        from support.argos_package import build_package

        from toolkit.models import install_package
    except Exception as exc:  # noqa: BLE001 - the package builder is still being written
        pytest.skip(f"cannot build test packages yet ({type(exc).__name__}: {exc})")
    folder = tmp_path_factory.mktemp("contract-models")
    packages = folder / "packages"
    for pair in (("ar", "en"), ("fr", "en")):
        install_package(build_package(folder, *pair), packages)
    return {**isolated, "ARGOS_PACKAGES_DIR": str(packages),
            "XDG_CACHE_HOME": str(folder / "cache")}


@pytest.mark.parametrize("stage", stages(OFFLINE_ARGS))
def test_no_stage_opens_a_network_connection(stage, documents, tmp_path, request):
    """Each stage in a fresh process whose sockets refuse to connect (and log the try);
    translate with installed packages, so its whole path runs."""
    env = request.getfixturevalue("with_models" if stage == "translate" else "isolated")
    (tmp_path / "sitecustomize.py").write_text(REFUSE_NETWORK, encoding="utf-8")
    attempts = tmp_path / "attempts.log"
    env = {**env, "PYTHONPATH": str(tmp_path), "NETWORK_ATTEMPTS": str(attempts)}
    args = OFFLINE_ARGS[stage] + ([] if stage == "ingest" else ["-i", str(documents)])
    run = toolkit(args, env)
    assert_no_traceback(run.stderr)
    assert run.stdout
    assert not attempts.exists(), attempts.read_text()
    if stage == "translate":
        records = [json.loads(line) for line in out_lines(run.stdout)]
        translated = [r for r in records if "en" in (r.get("translations") or {})]
        assert len(translated) >= 11  # the ar, fr and en fixture documents

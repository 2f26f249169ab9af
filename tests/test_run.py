"""`toolkit run`: the whole job in one process, state, resume, lock, shards, Dask, doctor."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.run_corpus import DOCS, make_corpus
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.state import RunLock, shard_of

pytest_plugins = ["support.argos_fixtures"]
ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
LANG_FOLDERS = [str(DOCS / lang) for lang in ("ar", "fr", "en")]
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["run", *args])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def assert_complete(record: dict, to: str = "en") -> None:
    """Translation (when not already in `to`), summary and fields, and no errors."""
    assert not record.get("errors"), record.get("errors")
    if record["lang"] != to:
        translation = record["translations"][to]
        assert translation["text"] and translation["sentences"]
    summary = record["summary"][record["lang"]]
    assert summary["sentences"]
    assert isinstance(record["fields"], dict)


# --- the job ----------------------------------------------------------------------------


def test_run_translates_summarizes_and_extracts_offline(installed, no_network, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run(*LANG_FOLDERS, "--to", "en", "-n", "2", "-o", str(out))
    assert result.exit_code == 0, result.output
    records = read_jsonl(out)
    assert len(records) == sum(len(list(Path(f).glob("*.txt"))) for f in LANG_FOLDERS)
    for record in records:
        assert_complete(record)
        assert len(record["summary"][record["lang"]]["sentences"]) <= 2
    arabic = next(r for r in records if r["lang"] == "ar")
    chosen = arabic["summary"]["ar"]["sentences"][0]
    assert chosen["translations"]["en"] == \
        arabic["translations"]["en"]["sentences"][chosen["index"]]["target"]
    assert "records written" in result.stderr and "translate" in result.stderr


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the real seeds are not on this machine")
def test_seeds_each_get_translation_summary_and_fields(installed, no_network, tmp_path):
    out = tmp_path / "seeds.jsonl"
    result = run(str(SEEDS), "--to", "en", "-o", str(out))
    assert result.exit_code == 0, result.output
    records = read_jsonl(out)
    assert len(records) == 5
    for record in records:
        assert_complete(record)


def test_missing_model_fails_every_record_with_exit_3(argos_env, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run(str(DOCS / "fr"), "-o", str(out))
    assert result.exit_code == 3
    records = read_jsonl(out)
    assert records and all(
        any(e["code"] == "missing_model" for e in r["errors"]) for r in records)
    assert all(r["summary"] and "fields" in r for r in records)


def test_skip_missing_models_warns_once_and_exits_0(argos_env, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run(*LANG_FOLDERS, "--skip-missing-models", "-o", str(out))
    assert result.exit_code == 0, result.output
    notices = [line for line in result.stderr.splitlines() if "toolkit models install" in line]
    assert len(notices) == 1, result.stderr
    for record in read_jsonl(out):
        assert not record.get("errors")
        if record["lang"] != "en":
            assert [w["code"] for w in record["warnings"]] == ["missing_model"]
        assert record["summary"] and isinstance(record["fields"], dict)


def test_translate_summary_translates_only_title_and_summary(installed, tmp_path):
    full, light = tmp_path / "all.jsonl", tmp_path / "summary.jsonl"
    report_all, report_summary = tmp_path / "all.json", tmp_path / "summary.json"
    assert run(str(DOCS / "fr"), "-o", str(full), "--report", str(report_all)).exit_code == 0
    result = run(str(DOCS / "fr"), "--translate", "summary", "-o", str(light),
                 "--report", str(report_summary))
    assert result.exit_code == 0, result.output
    for record in read_jsonl(light):
        translation = record["translations"]["en"]
        assert translation["scope"] == "summary" and translation["title"]
        assert "text" not in translation and "sentences" not in translation
        chosen = record["summary"]["fr"]["sentences"]
        assert [p["index"] for p in translation["summary_sentences"]] == \
            [s["index"] for s in chosen]
        for sentence, pair in zip(chosen, translation["summary_sentences"]):
            assert sentence["translations"]["en"] == pair["target"]
            assert pair["source"] == sentence["text"]
    cost_all = json.loads(report_all.read_text())["translate"]["characters"]
    cost_summary = json.loads(report_summary.read_text())["translate"]["characters"]
    assert 0 < cost_summary < cost_all / 2


def test_to_is_read_as_translate_reads_it(installed, tmp_path):
    """--to EN translates into `en`: the summary sentences get their translation."""
    out = tmp_path / "out.jsonl"
    result = run(str(DOCS / "fr"), "--to", "EN", "--translate", "summary", "-o", str(out))
    assert result.exit_code == 0, result.output
    for record in read_jsonl(out):
        assert record["translations"]["en"]["summary_sentences"]
        assert all(s["translations"]["en"] for s in record["summary"]["fr"]["sentences"])


def test_export_and_json_report(argos_env, tmp_path):
    out, csv, report = tmp_path / "out.jsonl", tmp_path / "today.csv", tmp_path / "r.json"
    result = run(str(DOCS / "en"), "-o", str(out), "--export", f"csv:{csv}",
                 "--report", str(report))
    assert result.exit_code == 0, result.output
    assert len(csv.read_text("utf-8").splitlines()) > len(read_jsonl(out))  # header + rows
    data = json.loads(report.read_text())
    assert data["exit_status"] == 0 and data["records"]["written"] == len(read_jsonl(out))
    assert set(data["stages"]) == {"ingest", "detect", "translate", "summarize", "extract"}


def test_export_columns_carry_the_run_s_target_language(installed, tmp_path):
    import csv

    out, table = tmp_path / "out.jsonl", tmp_path / "today.csv"
    result = run(str(DOCS / "en"), "--to", "fr", "-o", str(out), "--export", f"csv:{table}")
    assert result.exit_code == 0, result.output
    with table.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert "title_fr" in rows[0] and "summary_fr" in rows[0] and "title_en" not in rows[0]
    assert all(row["title_fr"] and row["summary_fr"] for row in rows if row["title"])


def test_bad_usage_exits_2(tmp_path):
    assert run(str(DOCS), "--resume").exit_code == 2
    assert run(str(DOCS), "--shard", "4/3").exit_code == 2
    assert run(str(DOCS), "--translate", "some").exit_code == 2
    assert run(str(DOCS), "--export", "xlsx:out.xlsx").exit_code == 2
    missing = tmp_path / "no" / "such"
    for args in (["-o", f"{missing}/out.jsonl"], ["--report", f"{missing}/r.json"],
                 ["--export", f"csv:{missing}/t.csv"]):
        result = run(str(DOCS / "en"), *args)
        assert result.exit_code == 2 and "folder does not exist" in result.stderr


# --- state: incremental runs --------------------------------------------------------------


def test_an_empty_state_argument_is_bad_usage_not_the_current_folder(tmp_path, monkeypatch):
    """`--state "$STATE"` with STATE unset: exit 2, no lock or database left in the cwd."""
    monkeypatch.chdir(tmp_path)
    result = run(str(DOCS / "en"), "--state", "", "-o", "out.jsonl")
    assert result.exit_code == 2 and result.stderr.startswith("toolkit run: --state ''")
    assert list(tmp_path.iterdir()) == []


def test_rerun_over_unchanged_folder_does_no_work(argos_env, tmp_path):
    docs = tmp_path / "docs"
    make_corpus(docs, 12)
    state, first, second = tmp_path / "state", tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    report = tmp_path / "report.json"
    common = ["--skip-missing-models", "--state", str(state), "--report", str(report)]
    assert run(str(docs), "-o", str(first), *common).exit_code == 0
    assert json.loads(report.read_text())["records"]["processed"] == 12

    assert run(str(docs), "-o", str(second), *common).exit_code == 0
    data = json.loads(report.read_text())
    assert data["records"] == {"written": 12, "processed": 0, "reused": 12, "ingested": 12}
    assert all(data["stages"][s]["records"] == 0 for s in ("detect", "summarize", "extract"))
    assert second.read_bytes() == first.read_bytes()


def test_new_and_edited_files_only_are_processed(argos_env, tmp_path):
    docs = tmp_path / "docs"
    paths = make_corpus(docs, 6)
    state, report = tmp_path / "state", tmp_path / "report.json"
    common = ["--skip-missing-models", "--state", str(state), "--report", str(report)]
    assert run(str(docs), "-o", str(tmp_path / "1.jsonl"), *common).exit_code == 0

    paths[0].write_text(paths[0].read_text("utf-8") + "\nOne more line.\n", "utf-8")
    make_corpus(tmp_path / "more", 7)[-1].rename(docs / "new.txt")
    full = tmp_path / "full.jsonl"
    assert run(str(docs), "-o", str(full), *common).exit_code == 0
    data = json.loads(report.read_text())["records"]
    assert (data["processed"], data["reused"], data["written"]) == (2, 5, 7)

    new_only = tmp_path / "new.jsonl"
    (docs / "newer.txt").write_text("A headline\n\nA body sentence here.\n", "utf-8")
    assert run(str(docs), "-o", str(new_only), "--only-new", *common).exit_code == 0
    assert [Path(r["source"]["path"]).name for r in read_jsonl(new_only)] == ["newer.txt"]


def test_params_change_redoes_the_documents(argos_env, tmp_path):
    state, report = tmp_path / "state", tmp_path / "report.json"
    common = ["--skip-missing-models", "--state", str(state), "--report", str(report),
              "-o", str(tmp_path / "out.jsonl")]
    assert run(str(DOCS / "en"), *common).exit_code == 0
    assert run(str(DOCS / "en"), "-n", "1", *common).exit_code == 0
    assert json.loads(report.read_text())["records"]["reused"] == 0


def test_a_replaced_ner_model_redoes_the_documents(argos_env, tmp_path, monkeypatch):
    from toolkit import pipeline

    state, report = tmp_path / "state", tmp_path / "report.json"
    common = ["--skip-missing-models", "--state", str(state), "--report", str(report),
              "-o", str(tmp_path / "out.jsonl")]
    assert run(str(DOCS / "en"), *common).exit_code == 0
    assert run(str(DOCS / "en"), *common).exit_code == 0
    assert json.loads(report.read_text())["records"]["reused"] > 0  # nothing changed
    monkeypatch.setattr(pipeline, "ner_fingerprint", lambda: "retrained")
    assert run(str(DOCS / "en"), *common).exit_code == 0
    assert json.loads(report.read_text())["records"]["reused"] == 0


def test_resume_counts_the_interrupted_runs_documents_as_new(argos_env, tmp_path):
    from toolkit.ingest import ingest_paths
    from toolkit.pipeline import RunConfig, run_documents
    from toolkit.state import State

    config = RunConfig(skip_missing_models=True)
    documents = list(ingest_paths(LANG_FOLDERS))

    def only_new(resume: bool, upto: int) -> list[str]:
        state = State(tmp_path / "state", config.params())  # never finished: interrupted
        try:
            return [record["id"] for record, _ in run_documents(
                [dict(d) for d in documents[:upto]], config, state=state, only_new=True,
                resume=resume)]
        finally:
            state.close()

    assert len(only_new(False, 3)) == 3
    assert only_new(False, len(documents)) == [d["id"] for d in documents[3:]]
    assert only_new(True, len(documents)) == [d["id"] for d in documents]


def test_a_stage_crashing_on_one_document_does_not_stop_the_run(argos_env, monkeypatch):
    from toolkit import pipeline
    from toolkit.ingest import ingest_paths

    real = pipeline.stage_function

    def crashing(stage):
        function = real(stage)
        if stage != "extract":
            return function

        def extract_records(records, **options):
            for record in function(records, **options):
                if "02_" in record["id"]:
                    raise IndexError("list index out of range")
                yield record
        return extract_records

    monkeypatch.setattr(pipeline, "stage_function", crashing)
    documents = list(ingest_paths([str(DOCS / "en")]))
    config = pipeline.RunConfig(skip_missing_models=True)
    out = [record for record, _ in pipeline.run_documents(documents, config)]
    assert [r["id"] for r in out] == [d["id"] for d in documents]
    crashed = [r for r in out if r.get("errors")]
    assert [r["id"] for r in crashed] == [d["id"] for d in documents if "02_" in d["id"]]
    assert crashed[0]["errors"][-1]["stage"] == "extract"
    assert crashed[0]["errors"][-1]["code"] == "internal_error"
    assert all("fields" in r for r in out if r not in crashed)


# --- interruptions ------------------------------------------------------------------------


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "toolkit", "run", *args]


def _stored(state: Path) -> int:
    try:
        with sqlite3.connect(state / "state.sqlite") as db:
            return db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


def _start_and_kill(args: list[str], state: Path, sig: int, at_least: int) -> subprocess.Popen:
    process = subprocess.Popen(_cli(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _stored(state) < at_least:
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "the run stored nothing in time"
        time.sleep(0.02)
    process.send_signal(sig)
    process.wait(timeout=60)
    return process


def test_kill_9_then_resume_equals_an_uninterrupted_run(installed, tmp_path):
    docs = tmp_path / "docs"
    count = 200
    make_corpus(docs, count)
    out, state = tmp_path / "out.jsonl", tmp_path / "state"
    args = [str(docs), "--to", "en", "-o", str(out), "--state", str(state), "--no-cache"]
    _start_and_kill(args, state, signal.SIGKILL, at_least=20)
    assert not out.exists(), "a killed run left an output file"
    done_before = _stored(state)
    assert 0 < done_before < count

    resumed = subprocess.run(_cli(*args, "--resume", "--report", str(tmp_path / "r.json")),
                             check=False, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert not list(tmp_path.glob(".out.jsonl.*.tmp")), "the killed run's temporary file stayed"
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["records"]["reused"] >= done_before
    assert report["records"]["processed"] <= count - done_before

    reference = tmp_path / "reference.jsonl"
    plain = subprocess.run(_cli(str(docs), "--to", "en", "-o", str(reference), "--no-cache"),
                           check=False, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    assert out.read_bytes() == reference.read_bytes()


def test_interrupt_exits_130_and_writes_nothing(argos_env, tmp_path):
    docs = tmp_path / "docs"
    make_corpus(docs, 600)
    out, state = tmp_path / "out.jsonl", tmp_path / "state"
    process = _start_and_kill([str(docs), "--skip-missing-models", "-o", str(out),
                               "--state", str(state)], state, signal.SIGINT, at_least=1)
    assert process.returncode == 130
    assert "interrupted" in process.stderr.read().decode()
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl.*"))


# --- the lock ---------------------------------------------------------------------------


def test_a_second_run_is_refused_while_the_lock_is_held(argos_env, tmp_path):
    state = tmp_path / "state"
    with RunLock(state):
        result = run(str(DOCS / "en"), "--skip-missing-models", "--state", str(state),
                     "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 4
    assert f"pid {os.getpid()}" in result.stderr and "--wait" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_wait_waits_for_the_lock(argos_env, tmp_path):
    state = tmp_path / "state"
    lock = RunLock(state)
    lock.__enter__()
    threading.Timer(0.5, lock.__exit__, args=(None, None, None)).start()
    result = run(str(DOCS / "en"), "--skip-missing-models", "--state", str(state), "--wait",
                 "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.jsonl").exists()


# --- scale-out --------------------------------------------------------------------------


def test_shards_are_disjoint_and_complete(argos_env, tmp_path):
    docs = tmp_path / "docs"
    make_corpus(docs, 30)
    ids = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard{k}.jsonl"
        result = run(str(docs), "--shard", f"{k}/3", "--skip-missing-models", "-o", str(out))
        assert result.exit_code == 0, result.output
        ids.append({r["id"] for r in read_jsonl(out)})
    assert all(ids) and not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    whole = tmp_path / "whole.jsonl"
    assert run(str(docs), "--skip-missing-models", "-o", str(whole)).exit_code == 0
    assert ids[0] | ids[1] | ids[2] == {r["id"] for r in read_jsonl(whole)}
    assert shard_of("ar/00001_x.txt", 3) == shard_of("ar/00001_x.txt", 3)


def test_dask_partitions_equal_the_plain_run(installed, tmp_path):
    pytest.importorskip("dask.bag")
    from toolkit.pipeline import RunConfig
    from toolkit.scale import run_dataset

    plain = tmp_path / "plain.jsonl"
    assert run(*LANG_FOLDERS, "--no-cache", "-o", str(plain)).exit_code == 0
    ingested = runner.invoke(app, ["ingest", *LANG_FOLDERS])
    lines = ingested.stdout.splitlines()
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in range(3):
        (parts / f"part-{i}.jsonl").write_text("\n".join(lines[i::3]) + "\n", "utf-8")

    written = run_dataset(str(parts / "part-*.jsonl"), str(tmp_path / "out" / "part-*.jsonl"),
                          RunConfig(to="en", translate={"cache": None}), scheduler="sync")
    assert len(written) == 3
    by_id = {}
    for path in written:
        for record in read_jsonl(Path(path)):
            by_id[record["id"]] = record
    expected = read_jsonl(plain)
    assert [by_id[r["id"]] for r in expected] == expected


# --- doctor -----------------------------------------------------------------------------


def test_doctor_says_what_is_missing_with_exit_3(argos_env):
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 3
    assert "MISSING translate ar->en" in result.stdout
    assert "toolkit models install" in result.stdout


def test_doctor_ready_with_packages_and_pivots(installed):
    result = runner.invoke(app, ["doctor", "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0, [c for c in data["checks"] if not c["ok"]]
    assert {"from": "ar", "to": "fr", "pivot": "en",
            "packages": ["translate-ar_en-1_0", "translate-en_fr-1_0"]} in data["pairs"]
    assert data["versions"]["argostranslate"] and data["versions"]["toolkit"]
    pivot = runner.invoke(app, ["doctor", "--to", "fr", "--from", "ar"])
    assert pivot.exit_code == 0 and "pivot en" in pivot.stdout


def test_doctor_reads_language_codes_as_translate_does(installed):
    spelled = runner.invoke(app, ["doctor", "--to", "EN", "--from", "AR,fr-FR"])
    assert spelled.exit_code == 0 and "ok      translate ar->en" in spelled.stdout
    for wrong in (["--to", ""], ["--to", "e1"], ["--from", ","]):
        refused = runner.invoke(app, ["doctor", *wrong])
        assert refused.exit_code == 2 and refused.stdout == "", wrong
        assert refused.stderr.startswith("toolkit doctor: --") and refused.stderr.count("\n") == 1


def test_doctor_does_not_import_argostranslate_translate(installed):
    code = ("import sys; from toolkit.doctor import diagnose; diagnose(); "
            "print('argostranslate.translate' in sys.modules, 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_show_prints_a_table_and_says_translation_was_skipped(argos_env, tmp_path):
    out = tmp_path / "out.jsonl"
    assert run(str(DOCS / "fr"), "--skip-missing-models", "-o", str(out)).exit_code == 0
    shown = runner.invoke(app, ["show", "-i", str(out), "--width", "120"])
    assert shown.exit_code == 0
    header = shown.stdout.splitlines()[0]
    assert all(name in header for name in ("title", "lang", "date", "people", "summary"))
    assert "not translated into en" in shown.stdout and "toolkit models install" in shown.stdout

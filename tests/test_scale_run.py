"""`toolkit run --scheduler`: the chain on a Dask cluster (a LocalCluster of 2 worker
processes here) gives the single-process output, and the client keeps state and resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.run_corpus import make_corpus
from typer.testing import CliRunner

from toolkit.cli import app

pytest_plugins = ["support.argos_fixtures"]
pytest.importorskip("distributed")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["run", *args])


def test_local_cluster_equals_single_process_and_keeps_state(installed, tmp_path):
    docs = tmp_path / "docs"
    make_corpus(docs, 100)  # two chunks of 64: both in flight at once
    plain, spread = tmp_path / "plain.jsonl", tmp_path / "spread.jsonl"
    assert run(str(docs), "--no-cache", "-q", "-o", str(plain)).exit_code == 0
    state, report = tmp_path / "state", tmp_path / "report.json"
    result = run(str(docs), "--no-cache", "--scheduler", "local:2", "--state", str(state),
                 "--report", str(report), "-o", str(spread))
    assert result.exit_code == 0, result.output
    assert "2 Dask worker(s)" in result.stderr
    assert spread.read_bytes() == plain.read_bytes()  # same order, not only same records
    summary = json.loads(report.read_text())
    assert summary["records"]["processed"] == 100
    assert summary["stages"]["translate"]["records"] == 100  # the workers' meters came back

    again = tmp_path / "again.jsonl"
    result = run(str(docs), "--no-cache", "--scheduler", "local:2", "--state", str(state),
                 "--only-new", "--report", str(report), "-o", str(again), "-q")
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == b""
    assert json.loads(report.read_text())["records"]["reused"] == 100


def test_bad_or_unreachable_scheduler_is_one_line(argos_env, tmp_path, monkeypatch):
    from toolkit import scale

    monkeypatch.setattr(scale, "CONNECT_TIMEOUT_S", 2)
    docs = tmp_path / "docs"
    make_corpus(docs, 2)
    result = run(str(docs), "--scheduler", "local:x")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("toolkit run: --scheduler 'local:x': expected local or "
                                     "local:N with N from 1 to 256 worker processes")
    out = tmp_path / "out.jsonl"
    result = run(str(docs), "--scheduler", "tcp://127.0.0.1:9", "-o", str(out), "-q",
                 "--skip-missing-models")
    assert result.exit_code == 3
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert not Path(out).exists()

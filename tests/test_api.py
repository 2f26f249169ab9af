"""The Python API: `from toolkit import ingest, ..., run, digest`, through plain Python."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys

import pytest
from support.jsonl_cli import DOCS, invoke

import toolkit
import toolkit.api

NAMES = ("ingest", "detect", "translate", "summarize", "extract", "export", "run", "digest")


def python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    return done.stdout


def test_import_toolkit_loads_no_stage():
    loaded = json.loads(python("import sys, toolkit; "
                               "print(__import__('json').dumps(sorted(sys.modules)))"))
    assert [name for name in loaded if name.startswith("toolkit")] == ["toolkit"]


def test_every_name_imports_and_documents_an_example():
    from toolkit import detect, digest, export, extract, ingest, run, summarize, translate

    for function in (ingest, detect, translate, summarize, extract, export, run, digest):
        assert callable(function)
    for name in NAMES:
        assert "Example:" in (getattr(toolkit.api, name).__doc__ or ""), name


@pytest.mark.parametrize("name", ["run", "ingest"])
def test_help_shows_the_example(name):
    shown = python(f"import toolkit; help(toolkit.{name})")
    assert "Example:" in shown and f"toolkit.{name}(" in shown


def test_a_stage_module_stays_a_module():
    import toolkit.export as module
    from toolkit import export

    assert export is module and callable(module.export_records)


def test_the_examples_in_the_docstrings_run():
    failed, tried = doctest.testmod(toolkit.api, optionflags=doctest.ELLIPSIS)
    assert tried >= 10 and failed == 0


def test_the_chain_in_python_gives_what_the_pipes_give():
    from toolkit import detect, extract, ingest, summarize

    records = list(extract(summarize(detect(ingest(DOCS / "fr")), sentences=2)))
    ingested = invoke(["ingest", str(DOCS / "fr")])
    detected = invoke(["detect"], input=ingested.stdout)
    summarized = invoke(["summarize", "-n", "2"], input=detected.stdout)
    extracted = invoke(["extract"], input=summarized.stdout)
    assert records == extracted.records and len(records) >= 3


def test_run_yields_the_records_of_toolkit_run_and_prints_nothing(tmp_path, capfd,
                                                                  monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "no-packages"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    records = list(toolkit.run(DOCS / "fr", skip_missing_models=True,
                               options={"summarize": {"sentences": 2}}))
    assert capfd.readouterr() == ("", "")
    out = tmp_path / "run.jsonl"
    cli = invoke(["run", str(DOCS / "fr"), "--skip-missing-models", "-n", "2", "-q", "--no-cache",
                  "-o", str(out)])
    assert cli.exit_code == 0
    expected = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert records == expected


def test_run_with_state_gives_only_new_documents_the_second_time(tmp_path, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "no-packages"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = list(toolkit.run(DOCS / "fr", state=tmp_path / "state", skip_missing_models=True))
    again = list(toolkit.run(DOCS / "fr", state=tmp_path / "state", skip_missing_models=True,
                             only_new=True))
    assert first and again == []


@pytest.mark.parametrize("options", [{"state": ""}, {"only_new": True}, {"resume": True}])
def test_run_refuses_state_options_without_a_state_folder(options, tmp_path, monkeypatch):
    """As `toolkit run` exits 2: only_new without a state would quietly give everything."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="state"):
        next(toolkit.run(DOCS / "fr", **options))
    assert list(tmp_path.iterdir()) == []


def test_run_refuses_an_unknown_stage_option():
    with pytest.raises(ValueError, match="unknown stage"):
        next(toolkit.run(DOCS / "fr", options={"transalte": {}}))

"""The record layer's promises (CONTRACT.md), seen through `toolkit detect` and the API."""

from __future__ import annotations

import json
import subprocess

import pytest
from support.jsonl_cli import TOOLKIT_BIN, codes, invoke, jsonl

from toolkit import records
from toolkit.records import add_error, run_stage, write_records

FRENCH = {"id": "a", "text": "Le ministre des Affaires étrangères a reçu mardi l'ambassadeur "
          "de Tunisie à Tripoli pour examiner la coopération entre les deux pays."}
ARABIC = {"id": "b", "text": "استقبل وزير الخارجية يوم الثلاثاء سفير جمهورية تونس لدى ليبيا "
          "لبحث سبل تعزيز التعاون الثنائي بين البلدين."}


def test_good_bad_and_textless_lines_give_three_records_and_exit_1():
    run = invoke(["detect"], jsonl(FRENCH, "this is not json", {"id": "c", "title": "no text"}))
    assert run.exit_code == 1
    good, bad, textless = run.records
    assert good["lang"] == "fr" and "errors" not in good
    assert bad["raw"] == "this is not json" and codes(bad) == ["bad_line"]
    assert textless["title"] == "no text" and codes(textless) == ["no_text"]
    assert "lang" not in textless
    assert "line 2" in run.stderr


def test_fields_pass_through_in_order():
    record = {"z_first": 1, "id": "a", "text": FRENCH["text"], "extra": {"k": [1, 2]}}
    (out,) = invoke(["detect"], jsonl(record)).records
    assert list(out)[:4] == ["z_first", "id", "text", "extra"]
    assert out["extra"] == {"k": [1, 2]} and out["z_first"] == 1


def test_arabic_is_written_readable_and_output_is_byte_identical(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl(ARABIC, FRENCH))
    first = invoke(["detect", "-i", str(source)])
    second = invoke(["detect", "-i", str(source)])
    assert first.stdout == second.stdout
    assert "استقبل وزير الخارجية".encode() in first.stdout
    assert b"\\u06" not in first.stdout


def test_output_file_appears_only_when_complete(tmp_path):
    target = tmp_path / "out.jsonl"
    run = invoke(["detect", "-o", str(target)], jsonl(FRENCH))
    assert run.exit_code == 0 and run.stdout == b""
    assert json.loads(target.read_text("utf-8"))["lang"] == "fr"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_ctrl_c_in_a_stage_leaves_no_output_file(tmp_path):
    target = tmp_path / "out.jsonl"

    def interrupted(stream):
        for n, record in enumerate(stream):
            if n == 2:
                raise KeyboardInterrupt
            yield record

    status = write_records("detect", interrupted(iter([dict(FRENCH)] * 5)), output=target)
    assert status == records.EXIT_INTERRUPTED
    assert list(tmp_path.iterdir()) == []


def test_a_crash_in_a_stage_leaves_no_output_file(tmp_path):
    target = tmp_path / "out.jsonl"

    def broken(stream):
        yield from stream
        raise RuntimeError("stage bug")

    with pytest.raises(RuntimeError):
        write_records("detect", broken(iter([dict(FRENCH)])), output=target)
    assert list(tmp_path.iterdir()) == []


def test_missing_resource_error_gives_exit_3_over_1(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl(FRENCH, ARABIC, "not json"))

    def needs_a_model(stream):
        for record in stream:
            if record.get("id") == "b":
                add_error(record, "translate", "missing_model",
                          "no ar->en model; run: toolkit models install ar en")
            yield record

    out = tmp_path / "out.jsonl"
    assert run_stage("translate", needs_a_model, input=source, output=out) == 3
    assert "toolkit models install ar en" in capsys.readouterr().err
    assert len(out.read_text("utf-8").splitlines()) == 3


def test_closed_pipe_ends_without_traceback(tmp_path):
    source = tmp_path / "many.jsonl"
    source.write_bytes(jsonl(*[{**FRENCH, "id": str(n)} for n in range(3000)]))
    pipeline = f"'{TOOLKIT_BIN}' detect -i '{source}' | head -1"
    done = subprocess.run(["bash", "-c", pipeline], capture_output=True, timeout=120,
                          check=False)
    assert json.loads(done.stdout)["id"] == "0"
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr


def test_a_lone_surrogate_from_a_python_caller_is_written_as_text(tmp_path):
    """UTF-8 cannot carry a lone surrogate: the record is still written, whole, with it
    shown as text (`\\xHH` for a byte os.fsdecode kept, as ingest shows a file name)."""
    target = tmp_path / "out.jsonl"
    given = [{"id": "a", "text": "caf\udce9", "note\ud800": "x"}, {"id": "b", "text": "été"}]
    status = write_records("detect", iter(given), output=target)
    assert status == 0
    out = [json.loads(line) for line in target.read_bytes().decode("utf-8").splitlines()]
    assert out == [{"id": "a", "text": "caf\\xe9", "note\\ud800": "x"},
                   {"id": "b", "text": "été"}]


def test_a_re_run_adds_no_error_it_already_has():
    record = add_error({"text": ""}, "summarize", "empty_text", "nothing to summarise")
    again = add_error(record, "summarize", "empty_text", "nothing to summarise")
    assert again["errors"] == [{"stage": "summarize", "code": "empty_text",
                                "message": "nothing to summarise"}]
    other = add_error(record, "translate", "empty_text", "nothing to summarise")
    assert len(other["errors"]) == 2  # the same code from another stage is another error


def test_a_re_run_over_old_bad_lines_and_errors_exits_0():
    first = invoke(["summarize"], b'{"text": ""}\nnot json\n')
    assert first.exit_code == 1
    again = invoke(["summarize"], first.stdout)
    assert again.exit_code == 0, again.stderr
    assert again.stdout == first.stdout


@pytest.mark.parametrize("args", [["ingest", "-"], ["export", "--format", "csv"]])
def test_errors_a_record_comes_with_are_not_new(args):
    """An error from an earlier stage is carried, not reported again; a line the reader
    cannot parse is new."""
    old = {"id": "y", "text": "Bonjour.",
           "errors": [{"stage": "detect", "code": "odd_code", "message": "from before"}]}
    carried = invoke(args, jsonl(old))
    assert carried.exit_code == 0, carried.stderr
    assert "odd_code" not in carried.stderr
    with_bad = invoke(args, jsonl(old, "not json"))
    assert with_bad.exit_code == 1
    assert "1 bad_line" in with_bad.stderr and "odd_code" not in with_bad.stderr

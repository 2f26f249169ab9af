"""`toolkit export`: tables a user opens in a spreadsheet or loads into a database."""

import csv
import io
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.export import (
    ExportUsageError,
    export_records,
    neutralise,
    parse_fields,
    resolve,
)

runner = CliRunner()


def arabic_record(**changes):
    record = {
        "id": "docs/ar.txt#1",
        "sha256": "ab" * 32,
        "source": {"path": "docs/ar.txt", "encoding": "utf-8", "bytes": 120, "article": 1},
        "title": "اجتماع مجلس الوزراء",
        "text": "طرابلس 5 مايو 2025. ناقش المجلس القرار رقم (298) لسنة 2025.",
        "lang": "ar",
        "translations": {"en": {"title": "Cabinet meeting", "text": "Tripoli, 5 May 2025.\tEnd.",
                                "sentences": [{"source": "s", "target": "t", "flags": []}]}},
        "summary": {"ar": {"method": "lsa", "sentences": [
            {"index": 0, "text": "طرابلس 5 مايو 2025.", "translations": {"en": "Tripoli, 5 May."}},
            {"index": 1, "text": "ناقش المجلس القرار.", "translations": {"en": "The council met."}},
        ]}},
        "fields": {
            "title": "اجتماع مجلس الوزراء",
            "published": "2025-05-05",
            "dates": [{"text": "5 مايو 2025", "iso": "2025-05-05", "start": 7, "end": 18}],
            "dateline": {"place": "طرابلس", "agency": None},
            "people": [{"name": "عبد الحميد الدبيبة", "role": "رئيس الحكومة", "name_en": None},
                       {"name": "خليفة القائدي", "role": None, "name_en": None}],
            "organisations": [{"name": "مكتب تنسيق الشؤون الإنسانية", "acronym": "OCHA"}],
            "places": [{"name": "طرابلس", "country": "LY"}],
            "countries": ["LY", "FR"],
            "references": [{"type": "decree", "number": 298, "year": 2025,
                            "text": "القرار رقم (298) لسنة 2025"}],
        },
    }
    record.update(changes)
    return record


def write_jsonl(path, records, extra_lines=()):
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_csv(path, encoding="utf-8"):
    with open(path, newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle))


def export(tmp_path, records, *args, extra_lines=()):
    source = write_jsonl(tmp_path / "in.jsonl", records, extra_lines)
    return runner.invoke(app, ["export", "-i", str(source), *args])


# --- columns --------------------------------------------------------------------------


def test_dotted_paths_map_over_lists_and_keep_items_aligned():
    record = arabic_record()
    assert resolve(record, ["fields", "people", "name"]) == ["عبد الحميد الدبيبة", "خليفة القائدي"]
    assert resolve(record, ["fields", "people", "role"]) == ["رئيس الحكومة", None]
    assert resolve(record, ["summary", "ar", "sentences", "text"]) == [
        "طرابلس 5 مايو 2025.", "ناقش المجلس القرار."]
    assert resolve(record, ["fields", "people", "1", "name"]) == "خليفة القائدي"
    assert resolve(record, ["fields", "nothing", "here"]) is None
    assert resolve(record, ["title", "deeper"]) is None


def test_fields_order_list_joining_and_separator(tmp_path):
    out = tmp_path / "out.csv"
    fields = "fields.countries,id,fields.people.name,fields.people.role,translations.en.text"
    result = export(tmp_path, [arabic_record()], "--fields", fields, "--separator", "; ",
                    "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert list(rows[0]) == fields.split(",")
    assert rows[0]["fields.countries"] == "LY; FR"
    assert rows[0]["fields.people.name"] == "عبد الحميد الدبيبة; خليفة القائدي"
    assert rows[0]["fields.people.role"] == "رئيس الحكومة; "
    assert rows[0]["translations.en.text"] == "Tripoli, 5 May 2025.\tEnd."


def test_default_columns_are_readable(tmp_path):
    out = tmp_path / "out.csv"
    assert export(tmp_path, [arabic_record()], "-o", str(out)).exit_code == 0
    row = read_csv(out)[0]
    assert list(row)[:4] == ["id", "source.path", "title", "lang"]
    assert row["people"] == "عبد الحميد الدبيبة (رئيس الحكومة) | خليفة القائدي"
    assert row["organisations"] == "مكتب تنسيق الشؤون الإنسانية (OCHA)"
    assert row["places"] == "طرابلس (LY)"
    assert row["published"] == "2025-05-05"
    assert row["references"] == "القرار رقم (298) لسنة 2025"
    assert row["summary"] == "طرابلس 5 مايو 2025. ناقش المجلس القرار."
    assert row["summary_en"] == "Tripoli, 5 May. The council met."
    assert row["title_en"] == "Cabinet meeting"
    assert row["errors"] == ""


def test_translated_columns_exist_for_any_target_language(tmp_path):
    sentences = [{"index": 0, "text": "طرابلس 5 مايو 2025.", "translations": {"fr": "Tripoli."}}]
    record = arabic_record(translations={"fr": {"title": "Conseil des ministres"}},
                           summary={"ar": {"method": "lsa", "sentences": sentences}})
    out = tmp_path / "out.csv"
    result = export(tmp_path, [record], "--fields", "id,title_fr,summary_fr,title_en", "-o",
                    str(out))
    assert result.exit_code == 0, result.output
    row = read_csv(out)[0]
    assert (row["title_fr"], row["summary_fr"], row["title_en"]) == (
        "Conseil des ministres", "Tripoli.", "")


def test_dicts_become_compact_json(tmp_path):
    stream = io.BytesIO()
    export_records([arabic_record()], stream, format="csv", fields="source")
    row = next(csv.DictReader(io.StringIO(stream.getvalue().decode("utf-8"))))
    assert json.loads(row["source"])["path"] == "docs/ar.txt"
    assert ", " not in row["source"]


@pytest.mark.parametrize("fields", ["id,,title", "id,title,id", "id,fields..people"])
def test_bad_field_lists_are_usage_errors(tmp_path, fields):
    result = export(tmp_path, [arabic_record()], "--fields", fields)
    assert result.exit_code == 2
    with pytest.raises(ExportUsageError):
        parse_fields(fields)


# --- CSV and TSV ----------------------------------------------------------------------


def test_formula_title_exports_as_inert_text(tmp_path):
    out = tmp_path / "out.csv"
    records = [arabic_record(id="f1", title='=HYPERLINK("x")'),
               arabic_record(id="f2", title="@SUM(A1)"), arabic_record(id="f3", title="-2+3"),
               arabic_record(id="f4", title="\tcmd"), arabic_record(id="f5", title="-5.3")]
    assert export(tmp_path, records, "--fields", "id,title", "-o", str(out)).exit_code == 0
    titles = [row["title"] for row in read_csv(out)]
    assert titles == ["'=HYPERLINK(\"x\")", "'@SUM(A1)", "'-2+3", "'\tcmd", "-5.3"]


def test_neutralise_rules():
    for formula in ("=1+1", "+cmd|' /C calc'!A0", "-1+1", "@A1", "\t=1", "\r=1"):
        assert neutralise(formula).startswith("'")
    for plain in ("-5.3", "+216", "2025-05-05", "Tripoli", "1e3", "a=b"):
        assert neutralise(plain) == plain


def test_csv_follows_rfc_4180(tmp_path):
    out = tmp_path / "out.csv"
    record = arabic_record(title='Un "titre", sur\ndeux lignes')
    assert export(tmp_path, [record], "--fields", "id,title", "-o", str(out)).exit_code == 0
    data = out.read_bytes()
    assert data == b'id,title\r\ndocs/ar.txt#1,"Un ""titre"", sur\ndeux lignes"\r\n'


def test_excel_adds_bom_and_arabic_survives(tmp_path):
    out = tmp_path / "out.csv"
    assert export(tmp_path, [arabic_record()], "--excel", "-o", str(out)).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert not data[3:].startswith(b"\xef\xbb\xbf")
    assert read_csv(out, encoding="utf-8-sig")[0]["title"] == "اجتماع مجلس الوزراء"
    plain = tmp_path / "plain.csv"
    assert export(tmp_path, [arabic_record()], "-o", str(plain)).exit_code == 0
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")


def test_tsv_escapes_tabs_and_newlines(tmp_path):
    record = arabic_record(title="a\tb\nc\\d")
    result = export(tmp_path, [record], "--format", "tsv",
                    "--fields", "id,title,translations.en.text")
    assert result.exit_code == 0
    lines = result.stdout.split("\n")
    assert lines[0] == "id\ttitle\ttranslations.en.text"
    assert lines[1].split("\t") == ["docs/ar.txt#1", "a\\tb\\nc\\\\d", "Tripoli, 5 May 2025.\\tEnd."]
    assert lines[2:] == [""]


# --- JSON Lines -----------------------------------------------------------------------


def test_jsonl_keeps_whole_records_or_flat_selected_values(tmp_path):
    records = [arabic_record(), arabic_record(id="two", fields=None)]
    whole = export(tmp_path, records, "--format", "jsonl")
    assert whole.exit_code == 0
    assert [json.loads(line) for line in whole.stdout.splitlines()] == records
    flat = export(tmp_path, records, "--format", "jsonl", "--fields", "id,fields.countries,people")
    rows = [json.loads(line) for line in flat.stdout.splitlines()]
    assert rows[0] == {"id": "docs/ar.txt#1", "fields.countries": ["LY", "FR"],
                       "people": ["عبد الحميد الدبيبة (رئيس الحكومة)", "خليفة القائدي"]}
    assert rows[1] == {"id": "two", "fields.countries": None, "people": None}


# --- Parquet --------------------------------------------------------------------------


def test_parquet_round_trip_and_stable_schema(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    full, empty = tmp_path / "full.parquet", tmp_path / "empty.parquet"
    assert export(tmp_path, [arabic_record()] * 3, "-o", str(full)).exit_code == 0
    bare = {"id": "bare", "title": "t"}
    assert export(tmp_path, [bare], "--format", "parquet", "-o", str(empty)).exit_code == 0
    assert pq.read_schema(full) == pq.read_schema(empty)
    rows = pq.read_table(full).to_pylist()
    assert len(rows) == 3 and rows[0]["countries"] == "LY | FR"
    assert rows[0]["title"] == "اجتماع مجلس الوزراء"
    assert pq.read_table(empty).to_pylist()[0]["people"] is None


def test_parquet_written_in_row_groups(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out.parquet"
    records = ({"id": str(n), "title": f"t{n}"} for n in range(25))
    stats = export_records(records, out, format="parquet", fields="id,title", batch_size=10)
    assert stats.rows == 25
    assert pq.ParquetFile(out).metadata.num_row_groups == 3
    assert pq.read_table(out).column("id").to_pylist() == [str(n) for n in range(25)]


@pytest.mark.parametrize("format", ["parquet", "sqlite"])
def test_file_formats_refuse_stdout(tmp_path, format):
    result = export(tmp_path, [arabic_record()], "--format", format)
    assert result.exit_code == 2
    assert "-o FILE" in result.output


# --- SQLite ---------------------------------------------------------------------------


def query(path, sql):
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_sqlite_upserts_by_id_without_duplicates(tmp_path):
    db = tmp_path / "docs.sqlite"
    first = [arabic_record(), arabic_record(id="b", title="B")]
    assert export(tmp_path, first, "-o", str(db)).exit_code == 0
    second = [arabic_record(title="عنوان جديد"), arabic_record(id="c", title="C")]
    assert export(tmp_path, second, "-o", str(db)).exit_code == 0
    rows = query(db, "SELECT id, title, countries FROM documents ORDER BY id")
    assert rows == [("b", "B", "LY | FR"), ("c", "C", "LY | FR"),
                    ("docs/ar.txt#1", "عنوان جديد", "LY | FR")]


def test_sqlite_adds_columns_when_fields_grow(tmp_path):
    db = tmp_path / "docs.db"
    assert export(tmp_path, [arabic_record()], "--fields", "id,title", "-o", str(db)).exit_code == 0
    result = export(tmp_path, [arabic_record(title="new")],
                    "--fields", "id,title,source.path,fields.people.name", "-o", str(db))
    assert result.exit_code == 0
    assert query(db, "SELECT id, title, source_path, fields_people_name FROM documents") == [
        ("docs/ar.txt#1", "new", "docs/ar.txt", "عبد الحميد الدبيبة | خليفة القائدي")]


def test_sqlite_gives_records_without_id_a_stable_id(tmp_path):
    db = tmp_path / "docs.sqlite"
    records = [{"title": "no id", "text": "x"}, {"title": "hashed", "sha256": "cd" * 32}]
    for _ in range(2):
        assert export(tmp_path, records, "--fields", "title", "-o", str(db)).exit_code == 0
    rows = query(db, "SELECT id, title FROM documents ORDER BY title")
    assert len(rows) == 2
    assert rows[0] == ("sha256:" + "cd" * 32, "hashed")
    assert rows[1][0].startswith("sha256:") and len(rows[1][0]) == 7 + 64


def test_sqlite_refuses_a_table_without_id_key(tmp_path):
    db = tmp_path / "docs.sqlite"
    query(db, "CREATE TABLE documents (title TEXT)")
    result = export(tmp_path, [arabic_record()], "-o", str(db))
    assert result.exit_code == 2
    assert "--table" in result.output
    assert export(tmp_path, [arabic_record()], "--table", "news", "-o", str(db)).exit_code == 0
    assert query(db, "SELECT count(*) FROM news") == [(1,)]


# --- bad input, atomic output ---------------------------------------------------------


def test_bad_input_line_is_exported_with_its_error_and_exit_1(tmp_path):
    out = tmp_path / "out.csv"
    result = export(tmp_path, [arabic_record()], "-o", str(out), extra_lines=["{not json"])
    assert result.exit_code == 1
    rows = read_csv(out)
    assert len(rows) == 2
    assert "bad_line" in rows[1]["errors"] and "line 2" in rows[1]["errors"]
    assert "line 2" in result.stderr


def test_upstream_errors_are_exported_but_do_not_fail_export(tmp_path):
    record = arabic_record(errors=[{"stage": "translate", "code": "missing_model",
                                    "message": "no ar->en model"}])
    result = export(tmp_path, [record])
    assert result.exit_code == 0
    assert "translate missing_model: no ar->en model" in result.stdout


def failing_records(after):
    for n in range(after):
        yield arabic_record(id=f"r{n}")
    raise RuntimeError("the input broke mid-stream")


@pytest.mark.parametrize(("format", "name"), [("csv", "out.csv"), ("tsv", "out.tsv"),
                                              ("jsonl", "out.jsonl"), ("parquet", "out.parquet"),
                                              ("sqlite", "out.sqlite")])
def test_interrupted_export_leaves_no_file(tmp_path, format, name):
    with pytest.raises(RuntimeError):
        export_records(failing_records(30), tmp_path / name, format=format, batch_size=10)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_sqlite_upsert_leaves_database_as_it_was(tmp_path):
    db = tmp_path / "docs.sqlite"
    export_records([arabic_record(id="keep", title="old")], db, format="sqlite")
    with pytest.raises(RuntimeError):
        export_records(failing_records(30), db, format="sqlite", batch_size=10)
    assert query(db, "SELECT id, title FROM documents") == [("keep", "old")]


def test_api_returns_stats_and_validates_before_reading(tmp_path):
    stats = export_records([arabic_record()] * 4, tmp_path / "x.tsv", format="tsv",
                           fields=["id", "title"])
    assert (stats.rows, stats.columns, stats.format) == (4, ["id", "title"], "tsv")

    def never():
        raise AssertionError("read before the options were checked")
        yield

    for bad in ({"format": "xls"}, {"format": "parquet", "excel": True},
                {"format": "csv", "fields": "a,a"}):
        with pytest.raises(ExportUsageError):
            export_records(never(), tmp_path / "y", **bad)
    with pytest.raises(ExportUsageError):
        export_records(never(), io.BytesIO(), format="sqlite")


@pytest.mark.parametrize("name", ["today.xlsx", "today.json", "Today.XLS"])
def test_a_suffix_of_another_format_is_refused_unless_format_is_given(tmp_path, name):
    result = export(tmp_path, [arabic_record()], "-o", str(tmp_path / name))
    assert result.exit_code == 2
    assert "--format" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / name).exists()
    assert export(tmp_path, [arabic_record()], "-o", str(tmp_path / name),
                  "--format", "csv").exit_code == 0
    assert (tmp_path / name).read_text("utf-8-sig").startswith("id,")


def test_an_empty_sqlite_table_name_is_refused(tmp_path):
    result = export(tmp_path, [arabic_record()], "-o", str(tmp_path / "x.sqlite"), "--table", " ")
    assert result.exit_code == 2 and "--table" in result.output
    assert not (tmp_path / "x.sqlite").exists()


def test_an_unknown_suffix_such_as_a_dated_name_still_writes_csv(tmp_path):
    target = tmp_path / "export-2026.12.01"
    assert export(tmp_path, [arabic_record()], "-o", str(target)).exit_code == 0
    assert target.read_text("utf-8-sig").startswith("id,")


def test_format_follows_output_suffix_and_output_is_deterministic(tmp_path):
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert export(tmp_path, [arabic_record()], "-o", str(first)).exit_code == 0
    assert export(tmp_path, [arabic_record()], "-o", str(second)).exit_code == 0
    assert first.read_bytes()[:4] == b"PAR1"
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("name", ["out.csv", "out.sqlite"])
def test_ctrl_c_exits_130_and_leaves_no_file(tmp_path, monkeypatch, name):
    import toolkit.export

    def interrupted(stream, stage):
        yield arabic_record()
        raise KeyboardInterrupt

    monkeypatch.setattr(toolkit.export, "read_records", interrupted)
    source = write_jsonl(tmp_path / "in.jsonl", [arabic_record()])
    result = runner.invoke(app, ["export", "-i", str(source), "-o", str(tmp_path / name)])
    assert result.exit_code == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_reads_stdin_and_writes_stdout():
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in
                      [arabic_record(), arabic_record(id="b", title="B")]) + "\n"
    result = runner.invoke(app, ["export", "--fields", "id,title"], input=lines)
    assert result.exit_code == 0
    expected = "id,title\r\ndocs/ar.txt#1,اجتماع مجلس الوزراء\r\nb,B\r\n"
    assert result.stdout_bytes == expected.encode("utf-8")


def test_sqlite_locked_by_another_writer_exits_4_and_bad_target_exits_2(tmp_path, monkeypatch):
    import toolkit.export

    db = tmp_path / "docs.sqlite"
    export_records([arabic_record(title="old")], db, format="sqlite")
    monkeypatch.setattr(toolkit.export, "SQLITE_WAIT_S", 0.1)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        result = export(tmp_path, [arabic_record(title="new")], "-o", str(db))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 4
    assert query(db, "SELECT title FROM documents") == [("old",)]
    not_a_db = tmp_path / "notes.sqlite"
    not_a_db.write_text("hello")
    result = export(tmp_path, [arabic_record()], "-o", str(not_a_db))
    assert result.exit_code == 2 and "not a database" in result.stderr
    assert not_a_db.read_text() == "hello"

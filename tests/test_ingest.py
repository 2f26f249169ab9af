"""`toolkit ingest`: paths, encodings, normalisation, boilerplate, titles, articles, errors."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from support.jsonl_cli import AWKWARD, DOCS, SEEDS, codes, invoke, jsonl

from toolkit.ingest import decode_bytes, ingest_paths

needs_fixtures = pytest.mark.skipif(not AWKWARD.is_dir(), reason="fixtures/docs not present")

FRENCH = ("Élection municipale à Sfax\n\nLe président de la Chambre a présenté mardi le "
          "programme : « Nous accueillerons 150 exposants », a-t-il déclaré. L’œuvre "
          "coûtera 12 000 €.\nLa foire ouvrira ses portes à l’Hôtel de ville.\n")
ARABIC = ("وزارة الصحة تطلق حملة وطنية للتطعيم\n\nأطلقت وزارة الصحة الليبية، صباح يوم الأحد، "
          "حملة وطنية للتطعيم ضد الحصبة تستهدف نحو مليون طفل في المدارس.\nوقال مدير المركز "
          "الوطني لمكافحة الأمراض إن الحملة تستمر أسبوعين.\n")


def ingest(*args: str, input: bytes | None = None):
    return invoke(["ingest", *args], input)


def one(path) -> dict:
    (record,) = ingest(str(path)).records
    return record


# --- encodings ------------------------------------------------------------------------

TWINS = ["ar_cp1256", "ar_utf16", "ar_utf8_bom", "fr_cp1252", "fr_latin1"]


@needs_fixtures
@pytest.mark.parametrize("name", TWINS)
def test_legacy_encoded_fixture_reads_as_its_utf8_twin(name):
    legacy, twin = one(AWKWARD / f"{name}.txt"), one(AWKWARD / f"{name}.utf8.txt")
    assert (legacy["title"], legacy["text"]) == (twin["title"], twin["text"])
    assert legacy["sha256"] == twin["sha256"]
    assert twin["source"]["encoding"] == "utf-8"


@pytest.mark.parametrize(("text", "encoding", "reported"), [
    (FRENCH, "cp1252", "cp1252"), (FRENCH, "latin-1", "cp1252"), (ARABIC, "cp1256", "cp1256"),
    (ARABIC, "utf-16", "utf-16-le"), (ARABIC, "utf-8-sig", "utf-8-sig"),
    (FRENCH, "utf-16-be", "utf-16-be"), ("Décret n° 45 : l'État paie.\n", "cp1252", "cp1252"),
    ("قرار رقم 45 لسنة 2024\n", "cp1256", "cp1256"),
])
def test_generated_twins_read_identically(tmp_path, text, encoding, reported):
    if encoding == "latin-1":
        text = text.replace("’", "'").replace("œ", "oe").replace("€", "EUR")
    legacy, twin = tmp_path / "legacy.txt", tmp_path / "twin.txt"
    legacy.write_bytes(text.encode(encoding))
    twin.write_bytes(text.encode("utf-8"))
    first, second = ingest(str(legacy), str(twin)).records
    assert (first["title"], first["text"]) == (second["title"], second["text"])
    assert first["source"]["encoding"] == reported


def test_undecodable_bytes_are_refused():
    assert decode_bytes(bytes(range(0x80, 0x100)) * 4) is None


# --- awkward files: one-line errors, the batch goes on --------------------------------


@needs_fixtures
def test_awkward_folder_gives_error_records_and_carries_on():
    run = ingest(str(AWKWARD))
    assert run.exit_code == 1
    by_id = {r.get("id"): r for r in run.records}
    assert codes(by_id[str(AWKWARD / "empty.txt")]) == ["empty_file"]
    assert codes(by_id[str(AWKWARD / "blank.txt")]) == ["empty_file"]
    assert codes(by_id[str(AWKWARD / "binary.txt")]) == ["binary_file"]
    assert "text" not in by_id[str(AWKWARD / "binary.txt")]
    assert by_id[str(AWKWARD / "two_articles.txt")]["text"]  # later files still ingested
    assert "Traceback" not in run.stderr
    assert f"{AWKWARD / 'binary.txt'}: binary file" in run.stderr


@needs_fixtures
def test_binary_file_with_any_name_is_refused():
    (record,) = ingest(str(AWKWARD / "binary.bin")).records
    assert codes(record) == ["binary_file"] and record["source"]["path"].endswith("binary.bin")


def test_missing_path_is_an_error_record_and_others_go_on(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(FRENCH, "utf-8")
    run = ingest(str(tmp_path / "nope.txt"), str(good))
    missing, found = run.records
    assert codes(missing) == ["not_found"] and missing["id"] == str(tmp_path / "nope.txt")
    assert found["title"] == "Élection municipale à Sfax"
    assert run.exit_code == 1


def test_ten_megabyte_line_is_refused_in_one_line_and_batch_goes_on(tmp_path):
    huge, small = tmp_path / "huge.txt", tmp_path / "small.txt"
    huge.write_bytes(b"word " * (2 * 1024 * 1024))
    small.write_text(FRENCH, "utf-8")
    run = ingest(str(huge), str(small))
    refused, fine = run.records
    assert codes(refused) == ["too_long"] and "text" not in refused
    assert fine["text"]
    said = [line for line in run.stderr.splitlines() if "huge.txt" in line]
    assert len(said) == 1 and "--max-chars" in said[0]
    assert run.exit_code == 1


def test_cut_keeps_the_start_with_a_warning(tmp_path):
    long = tmp_path / "long.txt"
    long.write_text("Une phrase assez longue pour le test. " * 100, "utf-8")
    (record,) = ingest("--max-chars", "500", "--cut", str(long)).records
    assert len(record["text"]) <= 500 and codes(record, "warnings") == ["cut"]


# --- normalisation, titles, boilerplate ------------------------------------------------


def test_text_is_nfc_without_tatweel_or_presentation_forms(tmp_path):
    doc = tmp_path / "forms.txt"
    doc.write_text("عنوان الخبر هنا\n\nقال الوزيـــر إن \ufefb\ufee7\ufe98\ufea8\ufe8e\ufe91\ufe8e\ufe95 "
                   "ستجرى قريبا. Cafe\u0301 cre\u0300me.\n", "utf-8")
    text = one(doc)["text"]
    assert "\u0640" not in text and "الوزير" in text and "لانتخابات" in text
    assert not any(0xFB50 <= ord(c) <= 0xFDFF or 0xFE70 <= ord(c) <= 0xFEFF for c in text)
    assert unicodedata.is_normalized("NFC", text) and "Café crème" in text


@needs_fixtures
def test_presentation_forms_fixture_matches_its_normalised_twin():
    forms, plain = one(AWKWARD / "presentation_forms.txt"), one(AWKWARD / "normalised.txt")
    assert (forms["title"], forms["text"]) == (plain["title"], plain["text"])


def test_record_shape_title_out_of_text_and_sha256(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text(FRENCH, "utf-8")
    record = one(doc)
    assert list(record) == ["id", "sha256", "source", "title", "text"]
    assert record["id"] == str(doc)
    assert record["source"] == {"path": str(doc), "kind": "txt", "encoding": "utf-8",
                                "bytes": len(FRENCH.encode()), "article": None}
    assert record["title"] == "Élection municipale à Sfax"
    assert not record["text"].startswith("Élection")
    # one paragraph per line, as the seeds are written
    assert record["text"].split("\n\n")[1] == "La foire ouvrira ses portes à l’Hôtel de ville."
    expected = hashlib.sha256(f"{record['title']}\n\n{record['text']}".encode()).hexdigest()
    assert record["sha256"] == expected


def test_hard_wrapped_paragraph_is_joined(tmp_path):
    doc = tmp_path / "wrapped.txt"
    doc.write_text("The ministry said on Monday that the new border post would open\n"
                   "next month after a delay of several weeks caused by the\n"
                   "late delivery of equipment from abroad.\n", "utf-8")
    assert one(doc)["text"].count("\n") == 0


def test_first_sentence_is_not_taken_for_a_headline(tmp_path):
    doc = tmp_path / "body.txt"
    doc.write_text("شارك وزير الخارجية، أمس، في أعمال المؤتمر الذي تنظمه الوزارة.\n\n"
                   "وحضر المؤتمر عدد من السفراء.\n", "utf-8")
    record = one(doc)
    assert record["title"] is None and record["text"].startswith("شارك وزير الخارجية")


@needs_fixtures
def test_footer_marker_ends_the_article():
    record = one(DOCS / "ar" / "06_arab_league_cairo_footer.txt")
    for furniture in ("المزيد من الكاتب", "اترك تعليقاً", "شارك هذا المقال", "طباعة",
                      "وزارة الصحة تطلق حملة", "البريد الإلكتروني"):
        assert furniture not in record["text"]
    assert record["text"].endswith("وإعداد تقرير بشأنه.")


def test_boilerplate_lines_dropped_in_french_and_english(tmp_path):
    doc = tmp_path / "fr.txt"
    doc.write_text("Titre de l'article du jour\n\nPartager sur Facebook\nLe ministre a reçu "
                   "l'ambassadeur.\nImprimer\nLire aussi\nLe texte continue ici.\n"
                   "Plus de l'auteur\nUn autre titre sans rapport\n", "utf-8")
    text = one(doc)["text"]
    assert text == "Le ministre a reçu l'ambassadeur.\n\nLe texte continue ici."
    doc.write_text("Headline of the day here\n\nShare\nThe minister met the envoy.\nRead more\n"
                   "Leave a Reply\nYour email address will not be published.\n", "utf-8")
    assert one(doc)["text"] == "The minister met the envoy."


# --- articles -------------------------------------------------------------------------


@needs_fixtures
def test_split_articles_two_headlines():
    assert len(ingest(str(AWKWARD / "two_articles.txt")).records) == 1
    first, second = ingest("--split-articles", str(AWKWARD / "two_articles.txt")).records
    assert first["id"].endswith("two_articles.txt#1") and second["source"]["article"] == 2
    assert first["title"] and second["title"] and first["title"] != second["title"]
    assert second["title"] not in first["text"]


@needs_fixtures
def test_split_articles_run_together_wakana_stories():
    records = ingest("--split-articles", str(AWKWARD / "run_together.txt")).records
    assert len(records) == 3
    assert records[0]["title"] and records[1]["title"] is None
    assert records[1]["text"].startswith("وكان") and records[2]["text"].startswith("وكان")


def test_background_wakana_qad_paragraph_does_not_split(tmp_path):
    body = "واجتمع الوزير بالسفير في طرابلس لبحث العلاقات الثنائية بين البلدين الشقيقين. " * 2
    doc = tmp_path / "one.txt"
    doc.write_text(f"الوزير يستقبل السفير\n{body}\n{body}\n"
                   f"وكان الوزير قد أكد في وقت سابق أهمية التعاون بين البلدين في كل المجالات.\n"
                   f"{body}\n", "utf-8")
    assert len(ingest("--split-articles", str(doc)).records) == 1


# --- formats --------------------------------------------------------------------------


@needs_fixtures
def test_html_visible_article_text_only():
    record = one(AWKWARD / "page.html")
    assert record["title"] == "ليبيا وإيطاليا توقعان مذكرة تفاهم في مجال البحث والتطوير الصناعي"
    text = record["text"]
    assert "(R&D)" in text and "250 مليون" in text and "إن المذكرة" in text
    for hidden in ("dataLayer", "نص يكتبه السكربت", "قالب الصفحة", "الرئيسية", "شارك هذا",
                   "جميع الحقوق", "font-family"):
        assert hidden not in text


@needs_fixtures
def test_html_meta_charset_is_honoured():
    record = one(AWKWARD / "page_cp1256.html")
    assert record["source"]["encoding"] == "cp1256" and "المجلس الرئاسي" in record["text"]


def test_html_split_on_article_elements(tmp_path):
    page = tmp_path / "two.html"
    page.write_text("<html><body><nav>Menu</nav><article><h1>First story</h1><p>One.</p>"
                    "</article><article><h2>Second story</h2><p>Two.</p></article>"
                    "<footer>(c)</footer></body></html>", "utf-8")
    assert [r["text"] for r in ingest(str(page)).records] == ["One.\n\nSecond story\n\nTwo."]
    first, second = ingest("--split-articles", str(page)).records
    assert (first["title"], first["text"]) == ("First story", "One.")
    assert (second["title"], second["text"]) == ("Second story", "Two.")


@needs_fixtures
def test_markdown_marks_dropped():
    record = one(AWKWARD / "notes.md")
    assert record["title"] == "Analyst notes: second phase of the municipal elections"
    for mark in ("**", "](", "`", "# ", "- "):
        assert mark not in record["text"]


def test_jsonl_passthrough(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl({"id": "keep-me", "lang": "fr", "text": "Bonjour\u00a0 le monde"},
                           {"text": "sans id"}, "{broken", {"id": "x", "title": "no text"},
                           {"title": 5}))
    run = ingest(str(path))
    kept, numbered, broken, textless, anonymous = run.records
    assert list(kept)[:3] == ["id", "lang", "text"] and kept["id"] == "keep-me"
    assert kept["text"] == "Bonjour le monde" and kept["sha256"]
    assert numbered["id"] == f"{path}:2"
    assert broken["raw"] == "{broken" and codes(broken) == ["bad_line"]
    assert broken["source"] == {"path": str(path), "kind": "jsonl", "line": 3}
    assert codes(textless) == ["no_text"] and textless["title"] == "no text"
    # an error row says where it came from, as a good record does (an export shows it)
    assert textless["id"] == "x" and textless["source"]["line"] == 4
    assert anonymous["id"] == f"{path}:5"
    assert anonymous["source"] == {"path": str(path), "kind": "jsonl", "line": 5}
    assert run.exit_code == 1


@needs_fixtures
def test_jsonl_fixture():
    records = ingest(str(AWKWARD / "records.jsonl")).records
    assert [r.get("id") for r in records] == ["rec-1", None, "rec-3", "rec-4", None]
    assert [codes(r) for r in records] == [[], ["bad_line"], ["no_text"], [], ["bad_line"]]


# --- paths ----------------------------------------------------------------------------


@needs_fixtures
def test_glob_and_folder_walk_sorted():
    records = ingest(str(DOCS / "fr" / "*.txt")).records
    names = [r["id"].rsplit("/", 1)[1] for r in records]
    assert names == sorted(names) and len(names) >= 3
    walked = ingest(str(DOCS)).records
    paths = [r["source"]["path"] for r in walked if r.get("source", {}).get("path")]
    assert not any(p.endswith("README.md") for p in paths)
    assert paths.index(str(DOCS / "ar" / "01_tunisia_ambassador.txt")) < paths.index(
        str(DOCS / "fr" / "01_lana_consulaire_egypte.txt"))


def test_glob_matching_nothing_is_an_error(tmp_path):
    (record,) = ingest(str(tmp_path / "*.txt")).records
    assert codes(record) == ["no_documents"]


def test_an_empty_argument_is_not_the_current_folder(tmp_path, monkeypatch):
    """`toolkit ingest "$INBOX"` with INBOX unset: one not_found record, nothing read."""
    (tmp_path / "note.txt").write_text("A document that must not be read.\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    result = ingest("")
    (record,) = result.records
    assert codes(record) == ["not_found"] and result.exit_code == 1
    assert "id '': an empty argument" in result.stderr


def test_stdin_document_id_is_a_content_hash():
    first = ingest("-", input=ARABIC.encode()).records[0]
    again = ingest("-", input=ARABIC.encode()).records[0]
    assert first["id"] == again["id"] and len(first["id"]) == 16
    assert first["source"]["path"] == "-" and first["title"] == "وزارة الصحة تطلق حملة وطنية للتطعيم"


def test_stdin_jsonl_is_passed_through():
    records = ingest("-", input=jsonl({"id": "s1", "text": "Salut"}, {"text": "Encore"})).records
    assert records[0]["id"] == "s1" and len(records[1]["id"]) == 16


def test_python_api_yields_records():
    records = list(ingest_paths([str(DOCS / "nope")]))
    assert codes(records[0]) == ["not_found"]


# --- the seeds (present on the team's machines) ---------------------------------------

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds not present")


@needs_seeds
def test_seeds_ingest_and_detect():
    ingested = ingest(str(SEEDS))
    assert ingested.exit_code == 0
    detected = invoke(["detect"], ingested.stdout).records
    assert len(detected) == 5
    assert sorted(r["lang"] for r in detected) == ["ar", "ar", "ar", "ar", "fr"]
    seed001 = next(r for r in detected if "/001_" in r["id"])
    assert "المزيد من الكاتب" not in seed001["text"] and "اترك تعليقاً" not in seed001["text"]


@needs_seeds
def test_seeds_split_articles():
    records = ingest("--split-articles", str(SEEDS)).records
    per_file: dict[str, int] = {}
    for record in records:
        name = record["source"]["path"].rsplit("/", 1)[1][:3]
        per_file[name] = per_file.get(name, 0) + 1
    assert per_file == {"000": 1, "001": 1, "002": 3, "003": 2, "004": 1}

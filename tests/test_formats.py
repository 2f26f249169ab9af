"""`toolkit ingest` of what analysts receive: e-mail (.eml, mbox), Word (.docx), PDF."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from support.jsonl_cli import DOCS, codes, invoke, jsonl

pytest_plugins = ["support.argos_fixtures"]
needs_docs = pytest.mark.skipif(not DOCS.is_dir(), reason="fixtures/docs not present")


def ingest(*args: str):
    return invoke(["ingest", *args])


def _message(subject="Communiqué : port de Misrata", body=None, html=None, charset="utf-8"):
    message = EmailMessage()
    message["From"] = "Bureau de presse <presse@example.ly>"
    message["To"] = "desk@example.org"
    message["Subject"] = subject
    message["Date"] = "Wed, 09 Oct 2024 14:05:00 +0200"
    message["Message-ID"] = "<abc123@example.ly>"
    if body is not None:
        message.set_content(body, charset=charset)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message


@needs_docs
def test_eml_body_is_one_record_with_headers_and_each_attachment_its_own(tmp_path):
    french = (DOCS / "fr" / "05_port_misrata.txt").read_text("utf-8")
    arabic = (DOCS / "ar" / "01_tunisia_ambassador.txt").read_bytes()
    message = _message(body=french, html="<p>version <b>HTML</b> ignorée</p>")
    message.add_attachment(arabic, maintype="text", subtype="plain", filename="بيان.txt")
    message.add_attachment(b"\x89PNG\r\n\x1a\n" + bytes(200), maintype="image",
                           subtype="png", filename="logo.png")
    path = tmp_path / "mail.eml"
    path.write_bytes(bytes(message))
    run = ingest(str(path))
    assert run.exit_code == 0
    body, attachment = run.records
    assert body["id"] == str(path)
    assert body["source"]["kind"] == "eml"
    assert body["source"]["from"] == "Bureau de presse <presse@example.ly>"
    assert body["source"]["date"] == "2024-10-09T14:05:00+02:00"
    assert body["title"] == "Communiqué : port de Misrata"
    assert "410.000 conteneurs" in body["text"] and "ignorée" not in body["text"]
    assert codes(body, "warnings") == ["attachment_not_read"]
    assert "logo.png" in body["warnings"][0]["message"]
    # the attachment reads as the same file on disk does, and points to its message
    alone = ingest(str(DOCS / "ar" / "01_tunisia_ambassador.txt")).records[0]
    assert attachment["source"]["parent"] == body["id"]
    assert attachment["source"]["kind"] == "txt"
    assert (attachment["title"], attachment["text"]) == (alone["title"], alone["text"])


def test_html_only_body_goes_through_the_html_path(tmp_path):
    html = ("<html><body><script>track()</script><nav>Accueil | Contact</nav>"
            "<p>Le ministère a annoncé lundi la réouverture du poste frontalier.</p>"
            "<p>Les voyageurs pourront passer dès mardi.</p></body></html>")
    path = tmp_path / "html.eml"
    path.write_bytes(bytes(_message(html=html)))
    (record,) = ingest(str(path)).records
    assert record["text"] == ("Le ministère a annoncé lundi la réouverture du poste "
                              "frontalier.\n\nLes voyageurs pourront passer dès mardi.")


def test_legacy_arabic_charset_in_the_message_is_decoded(tmp_path):
    text = "أعلنت الوزارة اليوم عن افتتاح المعبر الحدودي أمام المسافرين."
    path = tmp_path / "ar.eml"
    path.write_bytes(bytes(_message(subject="بيان صحفي", body=text, charset="windows-1256")))
    (record,) = ingest(str(path)).records
    assert (record["title"], record["text"]) == ("بيان صحفي", text)


def test_mbox_gives_one_record_per_message_in_order(tmp_path):
    first = bytes(_message(subject="Premier", body="Premier message du bureau de presse."))
    second = (b"From: agence@example.ly\nSubject: Second\n"
              b"Date: Thu, 10 Oct 2024 10:00:00 +0000\n\nDeuxieme message.\n"
              b">From the desk, with thanks.\n")
    path = tmp_path / "inbox.mbox"
    path.write_bytes(b"From presse@example.ly Wed Oct  9 14:05:00 2024\n" + first + b"\n"
                     b"From agence@example.ly Thu Oct 10 10:00:00 2024\n" + second)
    records = ingest(str(path)).records
    assert [r["id"] for r in records] == [f"{path}:1", f"{path}:2"]
    assert [r["title"] for r in records] == ["Premier", "Second"]
    assert [r["source"]["kind"] for r in records] == ["mbox", "mbox"]
    assert records[1]["source"]["date"] == "2024-10-10T10:00:00+00:00"
    assert records[1]["text"].endswith("From the desk, with thanks.")


def test_message_with_only_an_attachment_gives_the_attachment(tmp_path):
    message = _message(body="")
    message.add_attachment("Communiqué du ministère.\n\nLe ministère a annoncé la réouverture "
                           "du poste frontalier de Ras Jedir.", filename="communique.txt")
    path = tmp_path / "only.eml"
    path.write_bytes(bytes(message))
    (record,) = ingest(str(path)).records
    assert record["id"] == f"{path}/communique.txt"
    assert record["source"]["parent"] == str(path)


def test_message_without_text_or_attachment_is_an_error_and_batch_goes_on(tmp_path):
    (tmp_path / "a_empty.eml").write_bytes(bytes(_message(body="   \n")))
    (tmp_path / "b.txt").write_text("Le ministère a annoncé la réouverture du poste.", "utf-8")
    run = ingest(str(tmp_path))
    assert run.exit_code == 1
    empty, text = run.records
    assert codes(empty) == ["empty_file"] and empty["source"]["kind"] == "eml"
    assert text["text"].startswith("Le ministère")


def test_email_over_the_size_limit_is_refused_in_one_line(tmp_path):
    path = tmp_path / "big.eml"
    path.write_bytes(bytes(_message(body="Texte. " * 400_000)))
    run = ingest("--max-chars", "1000", str(path))
    (record,) = run.records
    assert codes(record) == ["too_long"] and "--max-chars" in record["errors"][0]["message"]


# --- Word ---------------------------------------------------------------------------

FORMATS = DOCS.parent / "formats"
OFFICE = FORMATS / "libreoffice"
CHROME = FORMATS / "chromium"
needs_formats = pytest.mark.skipif(not FORMATS.is_dir(), reason="fixtures/formats not present")
FIXTURE_TEXTS = sorted(DOCS.glob("[a-z][a-z]/*.txt")) if DOCS.is_dir() else []


def _same_as_text(path, fixture) -> tuple[dict, dict]:
    (record,) = ingest(str(path)).records
    (text,) = ingest(str(fixture)).records
    return record, text


@needs_formats
@pytest.mark.parametrize("fixture", FIXTURE_TEXTS, ids=lambda p: f"{p.parent.name}_{p.stem}")
def test_docx_saved_by_libreoffice_reads_as_its_text(fixture):
    record, text = _same_as_text(OFFICE / f"{fixture.parent.name}_{fixture.stem}.docx", fixture)
    assert record["source"]["kind"] == "docx"
    assert (record["title"], record["text"]) == (text["title"], text["text"])


@needs_formats
def test_docx_table_rows_are_text_rows_in_place():
    (record,) = ingest(str(OFFICE / "fr_table.docx")).records
    assert record["title"] == "Trafic des ports au premier semestre"
    assert record["text"].split("\n\n") == [
        "Le tableau suivant donne le trafic de conteneurs des trois ports principaux.",
        "Port | Conteneurs (EVP) | Variation", "Misrata | 410.000 | +12,4 %",
        "Benghazi | 96.500 | +3,1 %", "Tripoli | 188.200 | -2,7 %",
        "Source : autorité portuaire."]


def test_old_doc_and_broken_docx_are_one_line_errors_and_batch_goes_on(tmp_path):
    (tmp_path / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    (tmp_path / "b.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "c.txt").write_text("Le ministère a annoncé la réouverture du poste.", "utf-8")
    run = ingest(str(tmp_path))
    assert run.exit_code == 1
    doc, docx, text = run.records
    assert codes(doc) == ["old_word_format"] and ".docx" in doc["errors"][0]["message"]
    assert codes(docx) == ["bad_docx"] and docx["source"]["kind"] == "docx"
    assert "\n" not in doc["errors"][0]["message"] + docx["errors"][0]["message"]
    assert text["text"].startswith("Le ministère")


@needs_formats
def test_docx_attached_to_an_email_points_to_its_message(tmp_path):
    message = _message(body="Veuillez trouver ci-joint le communiqué.")
    message.add_attachment((OFFICE / "fr_table.docx").read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml."
                           "document", filename="trafic.docx")
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(message))
    body, attachment = ingest(str(path)).records
    assert attachment["source"]["kind"] == "docx"
    assert attachment["source"]["parent"] == body["id"] == str(path)
    assert attachment["title"] == "Trafic des ports au premier semestre"


# --- PDF ----------------------------------------------------------------------------

PRODUCERS = ["chromium", "libreoffice"]


def _flat(records) -> str:
    from toolkit.ingest import normalise_text

    return " ".join(normalise_text(" ".join(f"{r.get('title') or ''} {r.get('text', '')}"
                                            for r in records)).split())


def _likeness(pdf_records, fixtures) -> float:
    """The share of characters the PDF's text has in common with its source texts, read
    as .txt files, after white space is normalised (difflib's ratio)."""
    from difflib import SequenceMatcher

    source = _flat(r for fixture in fixtures for r in ingest(str(fixture)).records)
    return SequenceMatcher(None, source, _flat(pdf_records), autojunk=False).ratio()


@needs_formats
@pytest.mark.parametrize("producer", PRODUCERS)
@pytest.mark.parametrize("fixture", FIXTURE_TEXTS, ids=lambda p: f"{p.parent.name}_{p.stem}")
def test_pdf_printed_from_a_fixture_reads_as_its_text(producer, fixture):
    path = FORMATS / producer / f"{fixture.parent.name}_{fixture.stem}.pdf"
    records = ingest(str(path)).records
    (text,) = ingest(str(fixture)).records
    assert [r["source"]["kind"] for r in records] == ["pdf"]
    assert records[0]["title"] == text["title"]
    assert _likeness(records, [fixture]) >= 0.98


@needs_formats
def test_pdf_running_header_and_footer_of_every_page_are_gone():
    # Chromium's own header (date, document title) and footer (file URL, page n/N)
    run = ingest(str(CHROME / "fr_running_header_footer.pdf"))
    (record,) = run.records
    assert "Revue de presse" not in record["text"] + record["title"]
    assert "file:" not in record["text"] and "/3" not in record["text"]
    assert _likeness(run.records, sorted((DOCS / "fr").glob("*.txt"))) >= 0.98


@needs_formats
def test_pdf_arabic_header_and_page_number_footer_are_gone():
    run = ingest(str(OFFICE / "ar_running_header_footer.pdf"))
    (record,) = run.records
    assert "وكالة الأنباء الليبية -" not in record["text"] + record["title"]
    assert "صفحة" not in record["text"]
    assert _likeness(run.records, sorted((DOCS / "ar").glob("*.txt"))) >= 0.98


@needs_formats
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_pdf_two_columns_read_one_after_the_other(lang):
    run = ingest(str(CHROME / f"{lang}_two_columns.pdf"))
    assert _likeness(run.records, sorted((DOCS / lang).glob("*.txt"))[:2]) >= 0.98


@needs_formats
def test_split_articles_cuts_a_pdf_at_its_headings():
    records = ingest("--split-articles", str(CHROME / "fr_running_header_footer.pdf")).records
    titles = [ingest(str(p)).records[0]["title"] for p in sorted((DOCS / "fr").glob("*.txt"))]
    assert [r["title"] for r in records] == titles
    assert [r["source"]["article"] for r in records] == [1, 2, 3, 4, 5]


@needs_formats
def test_pdf_without_text_layer_is_an_error_and_the_batch_goes_on(tmp_path):
    (tmp_path / "a_scan.pdf").write_bytes((CHROME / "scan_image_only.pdf").read_bytes())
    (tmp_path / "b_broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    (tmp_path / "c.txt").write_text("Le ministère a annoncé la réouverture du poste.", "utf-8")
    run = ingest(str(tmp_path))
    assert run.exit_code == 1
    scan, broken, text = run.records
    assert codes(scan) == ["no_text_layer"] and "OCR" in scan["errors"][0]["message"]
    assert codes(broken) == ["bad_pdf"]
    assert text["text"].startswith("Le ministère")


def test_line_end_hyphen_joins_a_word_but_not_a_name():
    from toolkit.formats.pdf import Line, _joined

    def line(text):
        return Line([], 0, 0, 0, text)

    assert _joined([line("la réhabili-"), line("tation du port")]) == "la réhabilitation du port"
    assert _joined([line("le président Jean-"), line("Pierre Ben Ali")]) == \
        "le président Jean- Pierre Ben Ali"
    assert _joined([line("les 2023-"), line("2024 budgets")]) == "les 2023- 2024 budgets"


@needs_formats
def test_pdf_attached_to_an_email_is_its_own_record(tmp_path):
    message = _message(body="Ci-joint le communiqué de la MANUL.")
    message.add_attachment((CHROME / "fr_04_resolution_2755_manul.pdf").read_bytes(),
                           maintype="application", subtype="pdf", filename="manul.pdf")
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(message))
    body, pdf = ingest(str(path)).records
    assert (pdf["source"]["kind"], pdf["source"]["parent"]) == ("pdf", body["id"])
    assert pdf["source"]["date"] == "2024-10-09T14:05:00+02:00"
    assert _likeness([pdf], [DOCS / "fr" / "04_resolution_2755_manul.txt"]) >= 0.98


@needs_formats
def test_pdf_and_docx_piped_to_stdin_are_read_as_such():
    for path in (CHROME / "fr_05_port_misrata.pdf", OFFICE / "fr_05_port_misrata.docx"):
        (record,) = invoke(["ingest", "-"], path.read_bytes()).records
        assert record["title"].startswith("Le port de Misrata"), path
        assert record["source"]["kind"] == path.suffix[1:]


@needs_formats
def test_run_over_an_inbox_of_txt_pdf_docx_and_eml(argos_env, tmp_path):
    """One record per document and per attachment, with the fields the .txt gives."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fixture = DOCS / "en" / "02_lana_misrata_berth.txt"
    (inbox / "a.txt").write_bytes(fixture.read_bytes())
    (inbox / "b.pdf").write_bytes((CHROME / "en_02_lana_misrata_berth.pdf").read_bytes())
    (inbox / "c.docx").write_bytes((OFFICE / "en_02_lana_misrata_berth.docx").read_bytes())
    message = _message(subject="LANA: Misrata berth", body=fixture.read_text("utf-8"))
    message.add_attachment((OFFICE / "en_02_lana_misrata_berth.docx").read_bytes(),
                           maintype="application", subtype="octet-stream",
                           filename="berth.docx")
    (inbox / "d.eml").write_bytes(bytes(message))
    out = tmp_path / "out.jsonl"
    run = invoke(["run", str(inbox), "--to", "en", "--skip-missing-models", "-o", str(out)])
    assert run.exit_code == 0, run.stderr
    import json

    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["source"]["kind"] for r in records] == ["txt", "pdf", "docx", "eml", "docx"]
    text = records[0]
    for record in records[1:]:
        assert set(record) == set(text)
        assert record["lang"] == "en"
        assert [(p["name"], p["role"]) for p in record["fields"]["people"]] == \
            [(p["name"], p["role"]) for p in text["fields"]["people"]]
        assert record["fields"]["countries"] == text["fields"]["countries"]


@needs_formats
def test_pdf_with_a_scanned_page_among_text_pages_warns_and_keeps_the_text(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    for part in (CHROME / "fr_05_port_misrata.pdf", CHROME / "scan_image_only.pdf"):
        writer.append(str(part))
    path = tmp_path / "mixed.pdf"
    with open(path, "wb") as stream:
        writer.write(stream)
    run = ingest(str(path))
    assert run.exit_code == 0
    (record,) = run.records
    assert codes(record, "warnings") == ["pages_without_text"]
    assert "page(s) 2 of 2" in record["warnings"][0]["message"]
    assert _likeness([record], [DOCS / "fr" / "05_port_misrata.txt"]) >= 0.98


def _visual_line(visual: str) -> list:
    from toolkit.formats.pdf import Glyph

    return [Glyph(char, float(i), i + 1.0, 10.0) for i, char in enumerate(visual)]


@pytest.mark.parametrize(("visual", "rtl", "logical"), [
    # Arabic words drawn right to left; Latin names and numbers inside stay left to right
    ("سلبارط John Smith راز", True, "زار John Smith طرابلس"),
    ("ةئملاب 12,4 غلب", True, "بلغ 12,4 بالمئة"),
    ("ةئملاب ٤١ غلب", True, "بلغ ٤١ بالمئة"),
    # a bracket glyph as Chromium maps it (the shape drawn): mirrored back
    ("(OCHA) بتكم", True, "مكتب (OCHA)"),
    # must not fire: a left-to-right line keeps its order; only its Arabic runs turn
    ("le quotidien طسولا a écrit", False, "le quotidien الوسط a écrit"),
    ("le Bureau (OCHA) a publié 2025-2026", False, "le Bureau (OCHA) a publié 2025-2026"),
])
def test_visual_lines_read_in_logical_order(visual, rtl, logical):
    from toolkit.formats.pdf import _logical_text

    assert _logical_text(_visual_line(visual), rtl) == logical


@needs_formats
def test_docx_running_header_and_footer_are_not_text():
    (record,) = ingest(str(OFFICE / "ar_running_header_footer.docx")).records
    assert "وكالة الأنباء الليبية -" not in record["text"] + record["title"]
    assert "صفحة" not in record["text"]
    assert _likeness([record], sorted((DOCS / "ar").glob("*.txt"))) >= 0.98


@needs_formats
def test_attachment_sent_without_a_name_is_read_by_its_content_type(tmp_path):
    message = _message(body="Ci-joint.")
    message.add_attachment((CHROME / "fr_05_port_misrata.pdf").read_bytes(),
                           maintype="application", subtype="pdf")
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(message))
    _body, pdf = ingest(str(path)).records
    assert pdf["id"] == f"{path}/attachment-1.pdf" and pdf["source"]["kind"] == "pdf"
    assert pdf["title"].startswith("Le port de Misrata")


def test_the_message_date_is_the_publication_date_when_the_text_gives_none(tmp_path):
    body = ("Le ministre de l'Economie a inauguré hier le nouveau terminal du port.\n\n"
            "Les travaux ont duré deux ans.")
    path = tmp_path / "mail.eml"
    path.write_bytes(bytes(_message(body=body)))
    records = ingest(str(path)).records
    (record,) = invoke(["extract"], jsonl(*records)).records
    assert record["fields"]["published"] == "2024-10-09"
    assert [d["iso"] for d in record["fields"]["dates"]] == ["2024-10-08"]  # "hier"


def test_a_dated_dispatch_keeps_its_own_date_over_the_message_date(tmp_path):
    body = ("Tripoli 16 novembre 2023 /LANA/ - Le ministre a reçu hier l'ambassadeur.\n\n"
            "Les deux parties ont examiné la coopération.")
    path = tmp_path / "mail.eml"
    path.write_bytes(bytes(_message(body=body)))
    (record,) = invoke(["extract"], jsonl(*ingest(str(path)).records)).records
    assert record["fields"]["published"] == "2023-11-16"

"""`toolkit detect`: languages of the fixtures, mixed documents, skipping, start-up cost."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.jsonl_cli import AWKWARD, DOCS, codes, invoke, jsonl

from toolkit.detect import detect_language, detect_records, paragraph_languages

needs_fixtures = pytest.mark.skipif(not AWKWARD.is_dir(), reason="fixtures/docs not present")


def detect(*records: dict, args: tuple[str, ...] = ()):
    return invoke(["detect", *args], jsonl(*records))


@needs_fixtures
@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_fixture_documents_get_their_language(lang):
    ingested = invoke(["ingest", str(DOCS / lang)])
    records = invoke(["detect"], ingested.stdout).records
    assert len(records) >= 3
    assert [r["lang"] for r in records] == [lang] * len(records)
    assert all(0.5 <= r["lang_score"] <= 1 for r in records)
    assert all(r["paragraph_langs"] == [] for r in records)


@needs_fixtures
def test_mixed_document_lists_a_language_per_paragraph():
    ingested = invoke(["ingest", str(AWKWARD / "mixed.txt")])
    (record,) = invoke(["detect"], ingested.stdout).records
    assert [p["lang"] for p in record["paragraph_langs"]] == ["ar", "fr", "en"]
    assert [p["index"] for p in record["paragraph_langs"]] == [0, 1, 2]


def test_short_text_is_und_with_a_warning_not_an_error():
    run = detect({"id": "s", "text": "OK 42"})
    (record,) = run.records
    assert record["lang"] == "und" and codes(record, "warnings") == ["unknown_language"]
    assert run.exit_code == 0


def test_api_functions():
    assert detect_language("Le ministre a reçu l'ambassadeur de Tunisie à Tripoli.")[0] == "fr"
    lang, score = detect_language("استقبل وزير الخارجية سفير جمهورية تونس لدى ليبيا أمس.")
    assert lang == "ar" and 0 < score <= 1
    assert detect_language("") == ("und", 0.0)
    found = paragraph_languages("The minister met the ambassador in Tripoli today.\n\n"
                                "Le ministre a reçu l'ambassadeur à Tripoli hier.")
    assert [p["lang"] for p in found] == ["en", "fr"]


def test_detected_record_is_skipped_unless_forced():
    (first,) = detect({"id": "a", "text": "The minister met the ambassador in Tripoli today."}
                      ).records
    first["lang"] = "xx"  # pretend the earlier run said something else
    assert detect(first).records[0]["lang"] == "xx"
    assert detect(first, args=("--force",)).records[0]["lang"] == "en"


def test_a_lang_given_by_the_user_is_kept():
    (record,) = detect({"id": "a", "lang": "fr", "text": "The minister met the envoy today."}
                       ).records
    assert record["lang"] == "fr" and "lang_params" not in record


def test_failed_upstream_record_passes_untouched():
    failed = {"id": "f", "source": {"path": "x.txt"},
              "errors": [{"stage": "ingest", "code": "empty_file", "message": "empty"}]}
    run = detect(failed)
    assert run.records == [failed] and run.exit_code == 0


def test_too_long_text_is_refused_or_cut():
    text = "Le ministre a reçu l'ambassadeur de Tunisie à Tripoli. " * 20
    (refused,) = detect({"id": "a", "text": text}, args=("--max-chars", "100")).records
    assert codes(refused) == ["too_long"] and "lang" not in refused
    (cut,) = detect({"id": "a", "text": text}, args=("--max-chars", "100", "--cut")).records
    assert cut["lang"] == "fr" and codes(cut, "warnings") == ["cut"]


def test_generator_yields_one_record_per_input_in_order():
    inputs = [{"id": str(n), "text": "Bonjour tout le monde, ceci est un texte."} for n in range(5)]
    assert [r["id"] for r in detect_records(iter(inputs))] == ["0", "1", "2", "3", "4"]


HEAVY = ("argostranslate", "stanza", "torch", "spacy", "ctranslate2", "py3langid")


def test_importing_cli_ingest_detect_pulls_in_nothing_heavy():
    code = "import toolkit.cli, toolkit.ingest, toolkit.detect"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, check=True)
    imported = {line.split("|")[-1].strip().split(".")[0]
                for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "toolkit" in imported
    assert imported.isdisjoint(HEAVY), imported & set(HEAVY)

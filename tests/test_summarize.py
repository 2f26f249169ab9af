"""toolkit summarize: sumy's methods offline for Arabic, French and English."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support.summary_docs import (
    SEED_LABELS,
    SEEDS,
    fixture_records,
    label_path,
    read_labels,
    record_for,
)
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.sentences import split_sentences
from toolkit.summarize import METHODS, method_for, summarize_records

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _refuse_network(*args, **kwargs):
    raise OSError("network access attempted during an offline test")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network and no NLTK data, the way the toolkit runs on an offline machine."""
    import nltk

    empty = tmp_path / "nltk_data"
    empty.mkdir()
    monkeypatch.setenv("NLTK_DATA", str(empty))
    monkeypatch.setattr(nltk.data, "path", [str(empty)])
    monkeypatch.setattr(socket.socket, "connect", _refuse_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse_network)
    monkeypatch.setattr(socket, "create_connection", _refuse_network)


def seed_records() -> list[dict]:
    if not SEEDS.is_dir() or not SEED_LABELS.exists():
        return []
    return [record_for(label_path(label), label["lang"]) for label in read_labels(SEED_LABELS)]


def summarize_one(record: dict, **options) -> dict:
    return next(summarize_records([record], **options))


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def read_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assert_verbatim(summary: dict, text: str, lang: str, most: int = 3) -> None:
    sentences = split_sentences(text, lang)
    indices = [s["index"] for s in summary["sentences"]]
    assert 1 <= len(indices) <= most
    assert indices == sorted(set(indices))
    for entry in summary["sentences"]:
        assert entry["text"] == sentences[entry["index"]].text
        assert entry["text"] in text


# --- every method, every language, offline ----------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_every_method_gives_one_to_three_verbatim_sentences_offline(offline, method):
    records = fixture_records() + seed_records()
    assert {r["lang"] for r in records} >= {"ar", "fr", "en"}
    for record in summarize_records(records, method=method, sentences=3):
        assert "errors" not in record, record["errors"]
        summary = record["summary"][record["lang"]]
        assert summary["method"] == method_for(method, record["lang"])
        assert summary["params"]["method"] == method
        assert_verbatim(summary, record["text"], record["lang"])


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")
def test_seeds_in_arabic_and_french_get_summaries(offline):
    records = list(summarize_records(seed_records()))
    assert {r["lang"] for r in records} == {"ar", "fr"}
    for record in records:
        assert len(record["summary"][record["lang"]]["sentences"]) == 3


def test_cli_in_a_fresh_process_needs_no_network_and_no_nltk_data(tmp_path):
    """The stage imported from scratch, sockets refused, NLTK_DATA empty; twice with
    different hash seeds: byte-identical output."""
    source = tmp_path / "in.jsonl"
    source.write_text(jsonl(fixture_records()), encoding="utf-8")
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    script = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise OSError('network access attempted')\n"
        "socket.socket.connect = socket.socket.connect_ex = refuse\n"
        "socket.create_connection = refuse\n"
        "from toolkit.cli import app\n"
        "sys.argv = ['toolkit', 'summarize', '-i', sys.argv[1]]\n"
        "app()\n"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "NLTK_DATA": str(empty), "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script, str(source)], check=False,
                              capture_output=True, env=env, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr.decode()
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    records = read_jsonl(outputs[0].decode("utf-8"))
    assert len(records) == len(fixture_records())
    assert all(len(r["summary"][r["lang"]]["sentences"]) == 3 for r in records)


# --- edges ------------------------------------------------------------------------------


def test_a_document_shorter_than_n_returns_all_its_sentences():
    record = {"title": "Brief", "text": "Le port a rouvert lundi. Les navires attendent.",
              "lang": "fr"}
    summary = summarize_one(record, sentences=5)["summary"]["fr"]
    assert [s["index"] for s in summary["sentences"]] == [0, 1]


def test_the_title_is_never_a_summary_sentence():
    title = "Tripoli port reopens to container ships"
    text = (f"{title}\n\nTripoli port reopened to container ships on Monday. "
            "Container ships queued at the port of Tripoli. The weather was mild. "
            "Officials said the Tripoli port would expand.")
    for method in METHODS:
        record = {"title": title, "text": text, "lang": "en"}
        summary = summarize_one(record, sentences=3, method=method)["summary"]["en"]
        assert title not in [s["text"] for s in summary["sentences"]], method
        assert 0 not in [s["index"] for s in summary["sentences"]], method


def test_empty_text_is_an_error_entry_and_the_batch_goes_on():
    records = [{"id": "a", "text": "  \n", "lang": "en"},
               {"id": "b", "text": "One sentence here. And another.", "lang": "en"}]
    result = runner.invoke(app, ["summarize"], input=jsonl(records))
    assert result.exit_code == 1
    first, second = read_jsonl(result.stdout)
    assert first["errors"][0]["code"] == "empty_text"
    assert "summary" not in first
    assert len(second["summary"]["en"]["sentences"]) == 2


def test_unknown_language_falls_back_with_a_warning():
    record = {"text": "Der Hafen wurde geöffnet. Schiffe warten. Der Minister sprach. "
                      "Der Hafen soll wachsen.", "lang": "de"}
    out = summarize_one(record, sentences=2)
    assert out["warnings"][0]["code"] == "unsupported_language"
    assert_verbatim(out["summary"]["de"], record["text"], "de", most=2)


def test_ratio_takes_a_share_of_the_sentences():
    text = " ".join(f"Sentence number {word} is here." for word in
                    ["one", "two", "three", "four", "five", "six", "seven", "eight"])
    summary = summarize_one({"text": text, "lang": "en"}, ratio=0.5)["summary"]["en"]
    assert len(summary["sentences"]) == 4
    assert summary["params"]["ratio"] == 0.5


def test_the_same_record_gives_the_same_summary_twice():
    records = fixture_records()
    first = [r["summary"] for r in summarize_records(json.loads(json.dumps(records)))]
    second = [r["summary"] for r in summarize_records(json.loads(json.dumps(records)))]
    assert first == second


# --- translations -----------------------------------------------------------------------


def translated_record() -> dict:
    """An Arabic record with a hand-made English translation, sentence pairs aligned."""
    source = ["وصل الوزير إلى تونس يوم الاثنين.", "بحث الوزير مع نظيره التونسي فتح المعبر.",
              "اتفق الوزيران على فتح المعبر أمام الشاحنات.", "الطقس كان معتدلا.",
              "سيعقد الوزيران اجتماعا جديدا حول المعبر في طرابلس."]
    target = ["The minister arrived in Tunis on Monday.",
              "The minister discussed opening the crossing with his Tunisian counterpart.",
              "The two ministers agreed to open the crossing to lorries.",
              "The weather was mild.",
              "The two ministers will hold a new meeting on the crossing in Tripoli."]
    return {
        "id": "t1", "title": "الوزير في تونس", "text": " ".join(source), "lang": "ar",
        "translations": {"en": {
            "title": "The minister in Tunis", "text": " ".join(target),
            "sentences": [{"source": s, "target": t, "flags": []} for s, t in zip(source, target)],
        }},
    }


def test_a_source_summary_carries_the_aligned_translated_sentences():
    record = translated_record()
    pairs = record["translations"]["en"]["sentences"]
    summary = summarize_one(record, sentences=2)["summary"]["ar"]
    assert len(summary["sentences"]) == 2
    for entry in summary["sentences"]:
        assert entry["text"] == pairs[entry["index"]]["source"]
        assert entry["translations"] == {"en": pairs[entry["index"]]["target"]}


def test_misaligned_pairs_are_left_out_with_a_warning():
    record = translated_record()
    del record["translations"]["en"]["sentences"][-1]
    out = summarize_one(record, sentences=2)
    assert out["warnings"][0]["code"] == "misaligned_translation"
    assert all(e["translations"] == {} for e in out["summary"]["ar"]["sentences"])


def test_on_en_summarises_the_english_translation():
    record = translated_record()
    english = record["translations"]["en"]
    summary = summarize_one(record, sentences=2, on="en")["summary"]
    assert list(summary) == ["en"]
    assert_verbatim(summary["en"], english["text"], "en", most=2)
    for entry in summary["en"]["sentences"]:
        assert entry["translations"] == {"ar": english["sentences"][entry["index"]]["source"]}


def test_on_all_summarises_the_source_and_every_translation():
    summary = summarize_one(translated_record(), sentences=2, on="all")["summary"]
    assert list(summary) == ["ar", "en"]


def test_on_en_without_a_translation_is_an_error_entry():
    result = runner.invoke(app, ["summarize", "--on", "en"],
                           input=jsonl([{"text": "Bonjour. Au revoir.", "lang": "fr"}]))
    assert result.exit_code == 1
    assert read_jsonl(result.stdout)[0]["errors"][0]["code"] == "no_translation"


# --- the command ------------------------------------------------------------------------


def test_cli_summarizes_fixtures_with_the_chosen_options(tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["summarize", "-n", "2", "--method", "textrank", "-o", str(out)],
                           input=jsonl(fixture_records()))
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert "\\u06" not in written  # Arabic stays readable
    records = read_jsonl(written)
    for record in records:
        summary = record["summary"][record["lang"]]
        assert summary["method"] == "textrank"
        assert_verbatim(summary, record["text"], record["lang"], most=2)


@pytest.mark.parametrize("args", [["--method", "nope"], ["-n", "2", "--ratio", "0.3"],
                                  ["--ratio", "1.5"], ["--on", "English"], ["-n", "0"]])
def test_cli_refuses_bad_usage_with_status_2(args):
    result = runner.invoke(app, ["summarize", *args], input=jsonl(fixture_records()[:1]))
    assert result.exit_code == 2
    assert result.stdout == ""


def test_cli_skips_a_summary_made_with_the_same_options_unless_forced():
    record = fixture_records()[0]
    first = runner.invoke(app, ["summarize"], input=jsonl([record]))
    done = read_jsonl(first.stdout)[0]
    done["summary"][done["lang"]]["sentences"] = []  # would be redone if not skipped
    again = runner.invoke(app, ["summarize"], input=jsonl([done]))
    assert read_jsonl(again.stdout)[0]["summary"][done["lang"]]["sentences"] == []
    forced = runner.invoke(app, ["summarize", "--force"], input=jsonl([done]))
    assert len(read_jsonl(forced.stdout)[0]["summary"][done["lang"]]["sentences"]) == 3
    other = runner.invoke(app, ["summarize", "-n", "1"], input=jsonl([done]))
    assert len(read_jsonl(other.stdout)[0]["summary"][done["lang"]]["sentences"]) == 1


def test_lexrank_picks_what_sumys_own_lexrank_picks():
    """The toolkit's LexRank only builds sumy's matrix in a stable order: same choices."""
    from sumy.summarizers.lex_rank import LexRankSummarizer

    from toolkit.summarize import build_document, language_kit, summarize_text

    for record in fixture_records():
        kit = language_kit(record["lang"])
        document, _ = build_document(record["text"], record["lang"], record["title"],
                                     kit.tokenizer)
        original = LexRankSummarizer(kit.stemmer)
        original.stop_words = kit.stop_words
        expected = [s.index for s in original(document, 3)]
        assert summarize_text(record["text"], record["lang"], title=record["title"],
                              method="lexrank") == expected


def test_a_record_without_lang_uses_the_detected_language(monkeypatch):
    import toolkit.summarize as sm

    record = {"text": "Le port a rouvert lundi. Les navires attendent. Le ministre a parlé. "
                      "Le port va grandir."}
    monkeypatch.setattr(sm, "detected_language", lambda text: "fr")
    assert list(summarize_one(dict(record), sentences=2)["summary"]) == ["fr"]
    monkeypatch.setattr(sm, "detected_language", lambda text: None)
    out = summarize_one(dict(record), sentences=2)
    assert list(out["summary"]) == ["und"]
    assert out["warnings"][0]["code"] == "unsupported_language"


REPEATED = ("The minister opened the new port in Misrata today. Trade grew strongly this year "
            "says the report. Fishermen protested against the new fees in the harbour. Trade "
            "grew strongly this year says the report. Weather was sunny and calm.")


@pytest.mark.parametrize("method", ["lsa", "lexrank", "textrank", "luhn", "reduction"])
def test_a_repeated_sentence_is_chosen_at_its_first_place(method):
    """Equal texts get ratings equal up to rounding; the earlier one wins (LSA's SVD gave
    the later copy a rating larger in the 16th digit)."""
    from toolkit.summarize import summarize_text

    for count in (1, 2):
        chosen = summarize_text(REPEATED, "en", sentences=count, method=method)
        assert 3 not in chosen or 1 in chosen, (method, chosen)


def test_equal_sentence_texts_stay_two_sentences():
    """sumy's Sentence is equal to any sentence with the same text, so its rating dict
    keeps one of them; the toolkit's sentences are told apart by their index."""
    from toolkit.summarize import summarize_text

    chosen = summarize_text(REPEATED, "en", sentences=4, method="lexrank")
    assert len(chosen) == 4 and len(set(chosen)) == 4


def test_lead_skips_a_dateline_standing_alone_but_not_a_short_first_sentence():
    from toolkit.summarize import summarize_text

    dated = "TRIPOLI, 5 March.\nThe port reopened today after repairs. Ships queued. Trade resumed."
    assert summarize_text(dated, "en", sentences=2, method="lead") == [1, 2]
    short = "The port reopened on Monday.\nShips queued at dawn. Trade resumed slowly. It rained."
    assert summarize_text(short, "en", sentences=2, method="lead") == [0, 1]


def test_position_methods_prefer_earlier_sentences():
    from toolkit.summarize import summarize_text

    text = ("Rain fell on the coast. The port of Misrata handled more containers this year. "
            "Farmers planted olives early. The port of Misrata handled more containers this "
            "year than ever. Schools reopened.")
    plain = summarize_text(text, "en", sentences=1, method="textrank")
    early = summarize_text(text, "en", sentences=1, method="textrank-position")
    assert early[0] < plain[0]


def test_auto_takes_the_method_chosen_for_the_language(offline):
    from toolkit.summarize import DEFAULT_METHODS, FALLBACK_METHOD

    german = "Der Hafen ist offen. Die Schiffe warten. Es regnet. Der Handel wächst."
    records = [{"id": lang, "lang": lang, "text": text}
               for lang, text in (("en", REPEATED), ("de", german))]
    out = {r["id"]: r for r in summarize_records(records, sentences=1)}
    assert out["en"]["summary"]["en"]["method"] == DEFAULT_METHODS["en"]
    assert out["de"]["summary"]["de"]["method"] == FALLBACK_METHOD
    assert out["en"]["summary"]["en"]["params"]["method"] == "auto"

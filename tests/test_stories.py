"""toolkit stories: near-copies, stories across days and languages, stable ids."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest
from support.jsonl_cli import DOCS, invoke, jsonl

from toolkit.ingest import ingest_paths
from toolkit.sentences import split_sentences
from toolkit.stories import story_records

pytest_plugins = ["support.argos_fixtures"]
ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "data" / "eval"


def fixture_records() -> list[dict]:
    """The bundled dispatches as `toolkit run` leaves them: with `fields` (dates, people)."""
    from toolkit.detect import detect_records
    from toolkit.extract import extract_records

    paths = sorted(str(p) for lang in ("ar", "fr", "en") for p in (DOCS / lang).glob("*.txt"))
    return list(extract_records(detect_records(ingest_paths(paths))))


def republished_copies(original: dict) -> list[dict]:
    """What other outlets do to an agency dispatch."""
    paragraphs = original["text"].split("\n\n")
    sentences = [s.text for s in split_sentences(original["text"])]
    edited_headline = {**original, "id": "copy-headline", "title": "EXCLUSIVE: " + original["title"]}
    trimmed_footer = {**original, "id": "copy-footer",
                      "text": "\n\n".join(paragraphs[:-1]) if len(paragraphs) > 2
                      else original["text"][: int(len(original["text"]) * 0.85)]}
    changed = original["text"].replace(sentences[2], "Our correspondent could not confirm this.")
    one_sentence_changed = {**original, "id": "copy-sentence", "text": changed}
    return [edited_headline, trimmed_footer, one_sentence_changed]


def test_every_republished_copy_points_at_the_original_and_nothing_else_is_a_copy():
    records = fixture_records()
    originals = [r for r in records if len(split_sentences(r["text"])) >= 4]
    copies = [copy for original in originals[:6] for copy in republished_copies(original)]
    for number, copy in enumerate(copies):
        copy["id"] = f"zz-{number:02d}-{copy['id']}"  # after the originals in story order
    out = {r["id"]: r for r in story_records(records + copies)}
    for number, copy in enumerate(copies):
        original = originals[number // 3]
        story = out[copy["id"]]["story"]
        assert story["duplicate_of"] == original["id"], copy["id"]
        assert story["id"] == out[original["id"]]["story"]["id"]
    for record in records:  # distinct dispatches are never copies of one another
        assert out[record["id"]]["story"]["duplicate_of"] is None


def test_different_dispatches_are_different_stories():
    """Sixteen Libyan dispatches on different events share the domain's words, not a story."""
    out = list(story_records(fixture_records()))
    assert len({r["story"]["id"] for r in out}) == len(out)
    assert all(r["story"]["size"] == 1 for r in out)


def _dispatch(id_: str, day: str, text: str, lang: str = "en", **extra) -> dict:
    return {"id": id_, "lang": lang, "title": text.split(".")[0], "text": text,
            "fields": {"published": day}, **extra}


FLOOD = ("Floods in Derna killed dozens of residents after the Wadi Derna dams burst during "
         "storm Daniel. Rescue teams from Benghazi searched the flooded neighbourhoods of Derna "
         "for survivors. The dams above Derna had not been maintained for years, engineers said.")
FLOOD_UPDATE = ("Rescue teams in Derna recovered more bodies on Thursday as the flood waters "
                "receded. The burst dams of Wadi Derna sent a wall of water through the city, "
                "and survivors searched the flooded neighbourhoods for relatives.")
ANNIVERSARY = ("Two months after the floods, the reconstruction fund approved the rebuilding of "
               "the Wadi Derna dams. Residents of the flooded neighbourhoods of Derna are still "
               "searching for relatives, rescue teams said.")
ELECTION = ("The High National Elections Commission opened voter registration in Sabha for "
            "municipal councils. Candidates in Sabha and Ubari have until the end of the month to "
            "register with the commission, its chairman said at a press conference.")


def test_a_story_spans_days_but_not_weeks():
    records = [_dispatch("a", "2023-09-12", FLOOD), _dispatch("b", "2023-09-14", FLOOD_UPDATE),
               _dispatch("c", "2023-09-13", ELECTION),
               _dispatch("d", "2023-11-20", ANNIVERSARY)]
    out = {r["id"]: r["story"] for r in story_records(fixture_records() + records)}
    assert out["a"]["id"] == out["b"]["id"] and out["a"]["size"] == 2
    assert out["c"]["id"] != out["a"]["id"]
    assert out["d"]["id"] != out["a"]["id"]  # two months later: a new story
    assert out["b"]["duplicate_of"] is None


def test_languages_meet_through_the_english_translation():
    french = ("Des inondations à Derna ont fait des dizaines de morts après la rupture des "
              "barrages de l'oued Derna. Les secouristes venus de Benghazi fouillent les quartiers "
              "inondés.")
    arabic = ("أودت الفيضانات في درنة بحياة العشرات بعد انهيار سدي وادي درنة. وتبحث فرق الإنقاذ "
              "القادمة من بنغازي في الأحياء المغمورة عن ناجين.")
    fr = _dispatch("fr", "2023-09-12", french, "fr",
                   translations={"en": {"title": "Floods in Derna", "text": FLOOD}})
    ar = _dispatch("ar", "2023-09-13", arabic, "ar",
                   translations={"en": {"title": "Derna floods", "text": FLOOD_UPDATE}})
    other = _dispatch("en", "2023-09-13", ELECTION)
    inbox = fixture_records()
    out = {r["id"]: r["story"]["id"] for r in story_records(inbox + [fr, ar, other])}
    assert out["fr"] == out["ar"] != out["en"]
    # without the translations the two texts share no word: two stories
    bare = [{k: v for k, v in r.items() if k != "translations"} for r in (fr, ar)]
    out = {r["id"]: r["story"]["id"] for r in story_records(inbox + bare)}
    assert out["fr"] != out["ar"]


def test_old_story_ids_do_not_change_when_the_inbox_grows():
    records = fixture_records()
    for day, record in enumerate(records, start=1):
        record["fields"] = {"published": f"2024-03-{day:02d}"}
    first = {r["id"]: r["story"]["id"] for r in story_records(records)}
    later = [dict(records[0], id="later-copy", fields={"published": "2024-03-28"}),
             _dispatch("later-flood", "2024-03-29", FLOOD),
             _dispatch("later-update", "2024-03-30", FLOOD_UPDATE)]
    grown = {r["id"]: r["story"]["id"] for r in story_records(records + later)}
    assert {k: grown[k] for k in first} == first
    assert grown["later-flood"] == grown["later-update"]
    # and the input order does not matter
    again = {r["id"]: r["story"]["id"] for r in story_records(list(reversed(records + later)))}
    assert again == grown


def test_cli_keeps_every_line_and_emits_stories_with_verbatim_member_sentences():
    records = [_dispatch("a", "2023-09-12", FLOOD), _dispatch("b", "2023-09-14", FLOOD_UPDATE),
               _dispatch("c", "2023-09-13", ELECTION)]
    lines = jsonl(*records[:2], "not json", records[2])
    run = invoke(["stories"], input=lines)
    assert run.exit_code == 1  # the bad line is an error record; the others are fine
    assert [r.get("id") for r in run.records][:2] == ["a", "b"]
    assert len(run.records) == 4 and "story" not in run.records[2]
    run = invoke(["stories", "--emit", "stories", "-n", "2"], input=jsonl(*records))
    assert run.exit_code == 0
    stories = {tuple(r["members"]): r for r in run.records}
    flood = stories[("a", "b")]
    assert flood["first_date"] == "2023-09-12" and flood["last_date"] == "2023-09-14"
    texts = {r["id"]: [s.text for s in split_sentences(r["text"])] for r in records}
    chosen = flood["summary"]["en"]["sentences"]
    assert len(chosen) == 2
    assert all(texts[s["member"]][s["index"]] == s["text"] for s in chosen)
    assert ("c",) in stories


def test_bad_options_are_usage_errors():
    run = invoke(["stories", "--emit", "tables"], input=b"")
    assert run.exit_code == 2 and "--emit" in run.stderr


@pytest.mark.skipif(not (EVAL / "rpm2_articles").is_dir(),
                    reason="needs ../shared/data/eval/rpm2_articles (the team's data pack)")
def test_rpm2_stories_match_the_topics(tmp_path):
    """240 French articles in 12 topics: no copy across topics, and pairwise F1 at least 0.90
    (the issue's goal; 0.938 measured with the entity weight set on two halves of the
    topics, docs/stories.md)."""
    from toolkit.detect import detect_records
    from toolkit.extract import extract_records

    records = list(extract_records(detect_records(
        ingest_paths([str(EVAL / "rpm2_articles" / "docs")]))))
    out = tmp_path / "stories.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in story_records(records)), "utf-8")
    score = subprocess.run([sys.executable, str(EVAL / "score_stories.py"), str(out),
                            str(EVAL / "rpm2_articles" / "expected.jsonl")],
                           capture_output=True, text=True, check=True).stdout.split()
    numbers = dict(item.split("=") for item in score if "=" in item)
    assert float(numbers["pairwise_f1"]) >= 0.90
    assert numbers["cross_dups"] == "0"
    assert numbers["records"] == "240/240"


def test_no_pair_is_missed_against_all_pairs_on_clear_stories():
    """The candidate index must find what comparing every pair would find."""
    records = [_dispatch(f"f{i}", "2023-09-12", FLOOD if i % 2 else FLOOD_UPDATE)
               for i in range(6)] + [_dispatch(f"e{i}", "2023-09-12", ELECTION) for i in range(3)]
    out = {r["id"]: r["story"]["id"] for r in story_records(fixture_records() + records)}
    out = {k: v for k, v in out.items() if k in {r["id"] for r in records}}
    for a, b in combinations(out, 2):
        assert (out[a] == out[b]) == (a[0] == b[0])


def test_run_with_stories_marks_a_republished_file(argos_env, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in sorted((DOCS / "en").glob("*.txt")):
        (inbox / path.name).write_text(path.read_text("utf-8"), "utf-8")
    original = (DOCS / "en" / "02_lana_misrata_berth.txt").read_text("utf-8")
    _headline, body = original.split("\n", 1)
    (inbox / "zz_republished.txt").write_text("Misrata berth opens\n" + body, "utf-8")
    out = tmp_path / "out.jsonl"
    run = invoke(["run", str(inbox), "--stories", "--skip-missing-models", "-o", str(out)])
    assert run.exit_code == 0, run.stderr
    records = {Path(r["source"]["path"]).name: r for r in
               (json.loads(line) for line in out.read_text("utf-8").splitlines())}
    assert len(records) == 6 and all("story" in r for r in records.values())
    copy, first = records["zz_republished.txt"], records["02_lana_misrata_berth.txt"]
    assert copy["story"]["duplicate_of"] == first["id"]
    assert copy["story"]["id"] == first["story"]["id"] and first["story"]["size"] == 2
    assert sum(r["story"]["duplicate_of"] is not None for r in records.values()) == 1


def test_a_country_named_as_a_place_weighs_once_by_its_code():
    from toolkit.stories import _entity_terms

    record = {"fields": {"places": [{"name": "Tripoli", "kind": "place"},
                                    {"name": "Libya", "kind": "country"}],
                         "countries": ["LY"]}}
    assert _entity_terms(record) == ["@l:tripoli", "@c:LY"]

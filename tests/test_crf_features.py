"""The lexicon features of the Arabic CRF (toolkit/extract/crf.py): typed person names from
arabic-name-romanizer's name table, places from the geo index, organisation heads. Each has a
case where it must not fire."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from toolkit.extract import crf, ner

ROOT = Path(__file__).resolve().parents[1]
ALL = ("gaz", "places", "names", "words")  # the shipped lexicon groups


def lexical(word: str, groups: tuple[str, ...] = ALL) -> dict[str, set[str]]:
    """The word's lexicon features, name -> values."""
    out: dict[str, set[str]] = {}
    for feature in crf._own(word, groups):
        name, _, value = feature.partition("=")
        if name.startswith(("name", "place", "nation", "orghead", "role", "gaz")):
            out.setdefault(name, set()).add(value)
    return out


def test_a_given_name_is_typed_through_its_clitics_and_weighed_by_its_bearers():
    said, and_said = lexical("سعيد"), lexical("وسعيد")
    assert said["name"] == {"given"} and and_said["name"] == {"given"}
    assert int(said["name-n"].pop()) > int(lexical("شريف")["name-n"].pop()) >= 1
    assert said["place"] == {"none"}


def test_the_name_feature_does_not_fire_on_common_words_missing_from_the_table():
    for word in ("الحكومة", "وقال", "الأسعار", "المقبلة"):
        assert lexical(word)["name"] == {"none"}, word
        assert "name-n" not in lexical(word), word


def test_a_name_that_is_also_a_word_says_how_common_the_word_is_only_with_words():
    # «أمل» is hope and a given name: the model sees both
    hope = lexical("أمل")
    assert hope["name"] == {"given"} and int(hope["name-word"].pop()) >= 4
    assert "name-word" not in lexical("أمل", ("names",))


def test_places_are_typed_apart_from_names():
    baghdad, iraqi = lexical("وبغداد"), lexical("العراقي")
    assert baghdad["place"] == {"city"} and int(baghdad["place-pop"].pop()) >= 6
    assert iraqi["nation"] == {"adjective"} and iraqi["place"] == {"none"}
    assert lexical("محمد")["place"] == {"none"} and lexical("محمد")["nation"] == {"none"}


def test_an_organisation_head_or_a_role_fires_on_its_noun_and_not_on_a_person_s_name():
    with_roles = ALL + ("orgs", "roles")
    assert lexical("والوزارة", with_roles)["orghead"] == {"True"}
    assert lexical("للوزير", with_roles)["role"] == {"head"}
    assert lexical("والسيد", with_roles)["role"] == {"honorific"}
    assert lexical("سعيد", with_roles)["orghead"] == {"False"}
    assert lexical("سعيد", with_roles)["role"] == {"None"}


def test_groups_a_model_was_not_trained_with_add_no_features():
    assert set(lexical("سعيد", ("gaz",))) == {"gaz", "gaz-al", "gaz-stem"}
    assert lexical("سعيد", ()) == {}


def test_context_carries_the_neighbours_lexicon_features_and_marks_the_line_s_ends():
    words = ["قال", "سعيد", "في", "بغداد"]
    found = crf.features(words, ("places", "names", "context"))
    assert "-1name=none" in found[1] and "+1name=given" in found[0]
    assert "+1place=city" in found[2] and "-1place=city" not in found[2]
    assert "-1<>" in found[0] and "+1<>" in found[3]
    assert not any(f.startswith(("-1", "+1")) for f in crf.features(words, ("names",))[1])


def test_the_tagger_reads_the_groups_from_the_model_s_meta_even_with_settings_given(tmp_path):
    shipped = ner.shipped_path("ar") / "crf.model"
    (tmp_path / "crf.model").write_bytes(shipped.read_bytes())
    assert crf.Tagger(tmp_path / "crf.model").groups == crf.LEGACY  # no meta.json beside it
    (tmp_path / "meta.json").write_text(json.dumps({"features": ["gaz", "names"]}))
    assert crf.Tagger(tmp_path / "crf.model", {}).groups == ("gaz", "names")


def test_the_shipped_name_words_are_what_the_tools_script_builds():
    pytest.importorskip("wordfreq")
    sys.path.insert(0, str(ROOT / "tools" / "ner"))
    import name_words

    shipped = json.loads(name_words.TARGET.read_text("utf-8"))["zipf"]
    assert shipped == name_words.build()


def test_a_sentence_s_full_stop_leaves_an_arabic_word_and_stays_on_a_latin_abbreviation():
    tokens = [m.group(0) for m in crf.TOKEN.finditer("وصل إلى طرابلس. والتقى Dr. Smith عام 2024.")]
    assert tokens[2:4] == ["طرابلس", "."] and tokens[-2:] == ["2024", "."]
    assert "Dr." in tokens


@pytest.mark.parametrize("text, kept", [
    ("لليبيا", "ليبيا"),    # ل + a known country: no article to put back
    ("بمصر", "مصر"),        # a three-letter country after ب
    ("كريم", "كريم"),       # not ك + «ريم» (a town): must not be cut
    ("وروما", "روما"),      # a known city of four letters
])
def test_a_clitic_is_cut_off_a_model_place_only_where_the_rest_is_a_known_name(text, kept):
    from toolkit.extract.ner import Entity, _without_clitic

    assert _without_clitic(Entity("LOC", 0, len(text), text), text).text == kept

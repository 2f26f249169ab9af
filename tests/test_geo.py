"""Places and country codes from the GeoNames/CLDR index: `toolkit.extract.geo` and the places
`toolkit extract` writes with it."""

from __future__ import annotations

import pytest
from support.jsonl_cli import invoke, jsonl

from toolkit.extract.geo import country_of, is_country, lookup


@pytest.mark.parametrize("name, lang, code", [
    ("وطرابلس", "ar", "LY"),   # and-Tripoli
    ("بالقاهرة", "ar", "EG"),  # in-the-Cairo
    ("لبنغازي", "ar", "LY"),   # to-Benghazi
    ("Le Caire", "fr", "EG"),
    ("Genève", "fr", "CH"),
    ("Neuchatel", "fr", "CH"),  # no accent, as OCR leaves it
    ("Benghazi", "en", "LY"),
    ("LONDON", "en", "GB"),    # a dateline in capitals
])
def test_a_city_in_three_languages_has_its_country(name, lang, code):
    assert country_of(name, lang) == code
    assert lookup(name, lang).kind in ("city", "region")


@pytest.mark.parametrize("name, lang", [("ألمانيا", "ar"), ("لألمانيا", "ar"),
                                        ("Allemagne", "fr"), ("Germany", "en")])
def test_a_country_is_a_country_in_arabic_french_and_english(name, lang):
    assert is_country(name, lang) == "DE"


def test_a_city_is_not_a_country_and_a_shared_name_goes_to_the_larger_place():
    assert is_country("Paris", "fr") is None
    assert lookup("Paris", "fr").country == "FR"  # not Paris, Texas
    assert lookup("Tripoli", "en").country == "LY"  # 1.3 million, not Tripoli in Lebanon


@pytest.mark.parametrize("name, lang", [
    ("Same", "en"),     # a town of 34,000 in Tanzania
    ("Of", "en"),       # a town of 32,000 in Turkey
    ("Justice", "en"),  # a village in Illinois
    ("مدينة", "ar"),    # "city", also an Arabic name of Medina
])
def test_a_common_word_is_no_small_place(name, lang):
    assert lookup(name, lang) is None


def test_a_large_city_named_like_a_word_stays():
    assert country_of("Nice", "fr") == "FR"


@pytest.mark.parametrize("word", ["ورقة", "وبلاد"])  # "paper" (و + Raqqa?), "and country"
def test_an_arabic_word_is_not_split_into_a_clitic_and_a_place(word):
    assert lookup(word, "ar") is None


def test_french_and_arabic_names_of_foreign_cities_come_from_cldr():
    assert country_of("Téhéran", "fr") == "IR"
    assert country_of("وروما", "ar") == "IT"


def test_a_short_name_in_capitals_is_a_large_city_or_an_acronym():
    assert country_of("ROME", "en") == "IT"
    assert lookup("LANA", "en") is None  # Libya's news agency, also a village in Italy
    assert country_of("US", "en") == "US" and lookup("us", "en") is None


def test_former_countries_are_places_without_a_code_today():
    for name, lang in [("Yougoslavie", "fr"), ("URSS", "fr"), ("تشيكوسلوفاكيا", "ar")]:
        place = lookup(name, lang)
        assert place.kind == "area" and place.country is None


def test_an_arabic_country_written_without_its_hamza():
    assert is_country("المانيا", "ar") == "DE"


@pytest.mark.parametrize("name", ["Mohamed", "Adams", "Staline"])
def test_a_persons_name_is_no_place(name):
    # "Adams" and "Staline" are former names of Pulandian and Donetsk in GeoNames
    assert lookup(name, "en") is None


def test_nothing_and_unknown_names_give_none():
    assert lookup("", "en") is None
    assert country_of("Xqzzyville", "en") is None


def extracted_places(text: str, lang: str) -> list[dict]:
    run = invoke(["extract"], jsonl({"id": "t", "lang": lang, "text": text}))
    assert run.exit_code == 0, run.stderr
    return run.records[0]["fields"]["places"]


def test_extract_names_the_town_after_tripoli_only_when_it_is_one():
    places = extracted_places("The delegation arrived in Tripoli and Mohamed said the talks "
                              "would go on.", "en")
    assert [(p["name"], p["country"]) for p in places] == [("Tripoli", "LY")]
    listed = extracted_places("La délégation s'est rendue à Agadir et Taroudant.", "fr")
    assert {(p["name"], p["country"]) for p in listed} == {("Agadir", "MA"),
                                                            ("Taroudant", "MA")}


def test_extract_splits_two_towns_joined_by_a_hyphen():
    places = extracted_places("A highway will link the port to the Tripoli-Sirte road.", "en")
    assert [(p["name"], p["country"]) for p in places] == [("Tripoli", "LY"), ("Sirte", "LY")]


def test_extract_finds_arabic_towns_behind_clitics_with_their_country():
    places = extracted_places("وصل الوفد إلى بنغازي ثم توجه بالطائرة لطرابلس ومنها إلى القاهرة.",
                              "ar")
    assert {p["country"] for p in places} == {"LY", "EG"}
    assert len(places) == 3


def test_a_model_place_is_split_only_when_known_places_spell_all_of_it():
    from toolkit.extract import _places_making_up
    from toolkit.extract.places import Mention

    text = "the Tripoli-Sirte road and the Sirte Basin"
    tripoli, sirte = Mention("LY", "place", 4, 11), Mention("LY", "place", 12, 17)
    assert _places_making_up(text, 4, 17, [tripoli, sirte]) == [tripoli, sirte]
    basin = Mention("LY", "place", 31, 36)
    assert _places_making_up(text, 31, 42, [basin]) == []  # "Basin" is no known place

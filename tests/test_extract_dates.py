"""Dates in `toolkit extract` beyond day-month-year in full: abbreviations, lower-case and
month-first months, "11. 12. 2014", a clock before the year, yearless days, relative
phrases against the publication date, Hijri dates; each form next to a case where it must
not fire."""

from __future__ import annotations

import pytest
from support.jsonl_cli import invoke, jsonl

from toolkit.extract import extract_records

# Datelines that give each language's text a publication date: Monday 5 May 2025.
DATELINE = {
    "en": "TRIPOLI, May 5, 2025 (Reuters) - ",
    "fr": "Tripoli 5 mai 2025 /LANA/ - ",
    "ar": "طرابلس 5 مايو 2025 (وال) - ",
}


def dates(text: str, lang: str) -> list[tuple[str, str | None]]:
    record = {"id": "t", "text": text, "lang": lang}
    return [(d["text"], d["iso"]) for d in next(extract_records([record]))["fields"]["dates"]]


def isos(text: str, lang: str) -> list[str | None]:
    return [iso for _, iso in dates(text, lang)]


# --- forms of a full date ---------------------------------------------------------------


@pytest.mark.parametrize("text, lang, found", [
    ("Talks opened on 5 Sep 2014 in Geneva.", "en", ("5 Sep 2014", "2014-09-05")),
    ("Talks opened on Sept. 9, 2014 in Geneva.", "en", ("Sept. 9, 2014", "2014-09-09")),
    ("La réunion du 9 sept. 2014 a eu lieu.", "fr", ("9 sept. 2014", "2014-09-09")),
    ("Le texte du 3 Déc 2014 est paru.", "fr", ("3 Déc 2014", "2014-12-03")),
    ("Le texte du 4 déc. 2014 est paru.", "fr", ("4 déc. 2014", "2014-12-04")),
    ("Le décret du 2 fév 2015 est paru.", "fr", ("2 fév 2015", "2015-02-02")),
    ("Le décret du 3 févr. 2015 est paru.", "fr", ("3 févr. 2015", "2015-02-03")),
    ("The plant opened on 5 september 2014.", "en", ("5 september 2014", "2014-09-05")),
    ("The plant opened on september 5, 2014.", "en", ("september 5, 2014", "2014-09-05")),
    ("L'accord a été signé le 5 décembre 2014.", "fr", ("5 décembre 2014", "2014-12-05")),
    ("Accord signé à Tunis décembre 5 2014.", "fr", ("décembre 5 2014", "2014-12-05")),
    ("Date de la séance : 11. 12. 2014.", "fr", ("11. 12. 2014", "2014-12-11")),
    ("Last-Modified: Wed Aug 05 12:00:00 2015", "en", ("Wed Aug 05 12:00:00 2015", "2015-08-05")),
])
def test_full_date_forms(text, lang, found):
    assert found in dates(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Sept personnes ont été blessées.", "fr"),            # "sept" is seven
    ("Sur 12 sept ont voté pour.", "fr"),                   # "12 sept": no year, no point
    ("Le robot a atterri sur Mars il y a longtemps.", "fr"),  # the planet
    ("Mars est la quatrième planète.", "fr"),
    ("Theresa May said she would resign.", "en"),           # a person
    ("The talks may 5 times have stalled.", "en"),          # lower-case "may" without a year
    ("Classement : 1. 2. 3. puis les autres.", "fr"),       # a list, not "11. 12. 2014"
    ("Voir les articles 11. 12. 13. du code.", "fr"),
    ("وصعد سعر النفط تسليم نوفمبر 29 سنتا", "ar"),          # month first: 29 cents
])
def test_month_words_and_numbers_that_are_no_dates(text, lang):
    assert dates(text, lang) == []


def test_le_5_mars_is_a_date_where_mars_alone_is_not():
    text = DATELINE["fr"] + "La mission vers Mars a été présentée le 5 mars."
    assert ("5 mars", "2025-03-05") in dates(text, "fr")
    assert not any("Mars" in surface for surface, _ in dates(text, "fr"))


# --- a day without a year ---------------------------------------------------------------


def test_a_yearless_day_after_a_dated_one_takes_its_year():
    text = "On 3 May 2024 the talks opened in Geneva, and on 7 June they closed."
    assert isos(text, "en") == ["2024-05-03", "2024-06-07"]
    # the dated day wins over the publication date's year
    assert isos(DATELINE["en"] + text, "en")[-1] == "2024-06-07"


def test_a_yearless_day_ending_a_range_takes_the_year_before_the_turn():
    assert isos("La trêve a tenu du 28 décembre au 3 janvier 2025.", "fr") == [
        "2024-12-28", "2025-01-03"]


def test_a_dated_day_in_an_earlier_sentence_lends_no_year():
    text = (DATELINE["fr"] + "La révolution a commencé le 17 février 2011. "
            "Le 3 mars, le ministre a reçu les familles.")
    assert ("3 mars", "2025-03-03") in dates(text, "fr")


def test_a_yearless_day_without_dated_neighbour_or_publication_date_stays_open():
    assert dates("La séance est prévue le 7 juin.", "fr") == [("7 juin", None)]


# --- relative phrases ---------------------------------------------------------------------


@pytest.mark.parametrize("lang, phrase, iso", [
    ("en", "yesterday", "2025-05-04"),
    ("en", "today", "2025-05-05"),
    ("en", "last week", "2025-W18"),      # a named week is that ISO week
    ("en", "a week ago", "2025-04-28"),   # a counted week is 7 days
    ("en", "in 3 weeks", "2025-05-26"),
    ("en", "two days ago", "2025-05-03"),
    ("fr", "il y a un jour", "2025-05-04"),
    ("fr", "hier", "2025-05-04"),
    ("fr", "avant-hier", "2025-05-03"),
    ("fr", "dans deux jours", "2025-05-07"),
    ("fr", "la semaine dernière", "2025-W18"),
    ("ar", "أمس", "2025-05-04"),
    ("ar", "أول أمس", "2025-05-03"),
    ("ar", "منذ يومين", "2025-05-03"),
    ("ar", "الأسبوع الماضي", "2025-W18"),
    ("ar", "بعد ثلاثة أيام", "2025-05-08"),
])
def test_relative_phrases_resolve_against_the_publication_date(lang, phrase, iso):
    sentence = {"en": f"The envoy said the convoy left {phrase}.",
                "fr": f"L'envoyé a dit que le convoi est parti {phrase}.",
                "ar": f"وقال المبعوث إن القافلة غادرت المدينة {phrase}."}[lang]
    assert (phrase, iso) in dates(DATELINE[lang] + sentence, lang)


def test_relative_phrases_without_publication_date_keep_no_value():
    found = dates("The convoy left two days ago and returns in 3 weeks. Le convoi est parti "
                  "la semaine dernière. وغادرت القافلة منذ يومين.", "en")
    assert [text for text, _ in found] == ["two days ago", "in 3 weeks", "la semaine dernière",
                                           "منذ يومين"]
    assert all(iso is None for _, iso in found)  # never today's date


@pytest.mark.parametrize("lang, text", [
    ("en", "The parties held two days of talks."),
    ("en", "They agreed in two days of talks."),                  # a duration of something
    ("en", "Clashes during the last week of March killed nine."),  # a week of a month
    ("fr", "Il y a deux jours de congé en mai."),                   # "there are two days"
    ("fr", "Ils ont signé dans deux jours de négociations."),
    ("ar", "ووقع الاتفاق بعد ثلاثة أيام من الاجتماع."),             # after the meeting, not now
    ("ar", "وأغلقت المدارس قبل يوم الانتخابات."),                   # the day of the elections
    ("ar", "وتتعزز قدرات المعارضة يوماً بعد يوم."),                  # day after day
])
def test_counts_and_weeks_that_date_nothing(lang, text):
    after_dateline = dates(DATELINE[lang] + text, lang)[1:]
    assert all(len(iso or "") == 7 for _, iso in after_dateline)  # "en mai", "March" only


def test_since_monday_is_monday_not_a_day_ago():
    found = dates(DATELINE["ar"] + "والمعتصمون في الساحة منذ يوم الاثنين.", "ar")
    assert found[-1] == ("يوم الاثنين", "2025-05-05")


# --- Hijri dates --------------------------------------------------------------------------


@pytest.mark.parametrize("text, surface, iso", [
    ("بدأ الصيام في 1 رمضان 1446 هـ في المملكة", "1 رمضان 1446 هـ", "2025-03-01"),
    ("وذلك يوم 15 رمضان 1446 هـ بمقر الوزارة", "15 رمضان 1446 هـ", "2025-03-15"),
    ("وذلك يوم 15 رمضان 1446 بمقر الوزارة", "15 رمضان 1446", "2025-03-15"),
    ("رأس السنة في 1 محرم 1447هـ", "1 محرم 1447هـ", "2025-06-26"),
    ("عيد الأضحى في ١٠ ذى الحجة ١٤٤٥ هـ", "١٠ ذى الحجة ١٤٤٥ هـ", "2024-06-16"),
    ("المولد النبوي في 12 ربيع أول 1446 هـ", "12 ربيع أول 1446 هـ", "2024-09-15"),
    ("في 3 من شهر رمضان المبارك لعام 1446 هـ", "3 من شهر رمضان المبارك لعام 1446 هـ",
     "2025-03-03"),
    ("وتنتهي الإجازة 30 رمضان 1446 هـ", "30 رمضان 1446 هـ", "2025-03-30"),  # a 29-day month
])
def test_hijri_dates_get_their_gregorian_day_and_keep_their_text(text, surface, iso):
    record = {"id": "h", "text": text, "lang": "ar"}
    found = next(extract_records([record]))["fields"]["dates"]
    hijri = [d for d in found if d.get("calendar") == "hijri"]
    assert [(d["text"], d["iso"]) for d in hijri] == [(surface, iso)]
    assert text[hijri[0]["start"]:hijri[0]["end"]] == surface


@pytest.mark.parametrize("text", [
    "فاز الفريق 2 صفر على ملعبه أمام 1446 متفرجا",   # a score and a crowd
    "وفي رمضان 2025 ارتفعت الأسعار",                   # a Hijri month in a Gregorian year
    "تأسست الجمعية عام 1446 هـ",                        # a year alone
])
def test_numbers_near_hijri_words_are_no_hijri_dates(text):
    record = {"id": "h", "text": text, "lang": "ar"}
    found = next(extract_records([record]))["fields"]["dates"]
    assert [d for d in found if d.get("calendar") == "hijri" or d["iso"]] == []


def test_a_gregorian_date_is_not_taken_for_a_hijri_one():
    record = {"id": "g", "text": "الموافق 15 مارس 2025 م", "lang": "ar"}
    found = next(extract_records([record]))["fields"]["dates"]
    assert found == [{**found[0], "iso": "2025-03-15"}] and "calendar" not in found[0]


# --- through the CLI ----------------------------------------------------------------------


def test_cli_extract_gives_relative_and_hijri_days():
    text = (DATELINE["ar"] + "أعلنت الوزارة أمس أن الموسم يبدأ في 1 محرم 1447هـ، "
            "بعد اجتماع عقد الأسبوع الماضي.")
    run = invoke(["extract"], input=jsonl({"id": "a", "text": text, "lang": "ar"}))
    assert run.exit_code == 0
    fields = run.records[0]["fields"]
    assert fields["published"] == "2025-05-05"
    assert [(d["text"], d["iso"]) for d in fields["dates"]] == [
        ("5 مايو 2025", "2025-05-05"), ("أمس", "2025-05-04"),
        ("1 محرم 1447هـ", "2025-06-26"), ("الأسبوع الماضي", "2025-W18")]

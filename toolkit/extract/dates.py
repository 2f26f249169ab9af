"""Dates in Arabic, French and English text, with ISO 8601 values.

Candidate spans come from regular expressions over tables kept as data
(toolkit/data/dates.json: every Arabic regional series, French, English, Hijri months,
weekdays, relative words and phrases); the value is computed here. Relative dates ("hier
mercredi", "yesterday", «أمس», "two days ago", "la semaine dernière") and bare weekdays are
resolved against the publication date `base`, never today's date; without a base they keep
`iso: None`. A date without a year takes the year of a fully dated one beside it ("from 28
December to 3 January 2025", "on 3 May 2024 ... and on 7 June") before the base's.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from toolkit.extract.lexicon import alternation, load, trie_pattern
from toolkit.extract.normalise import Matchable, fold_accents


@dataclass
class DateMention:
    start: int  # offsets in the normalised text until converted
    end: int
    iso: str | None
    calendar: str = "gregorian"
    year_written: bool = False  # the text spells the year: it can lend it to its neighbours
    yearless: tuple[int, int] | None = None  # (month, day) waiting for a year

    def as_dict(self, m: Matchable, source: str) -> dict:
        start, end = m.span(self.start, self.end)
        # «1447هـ»: the tatweel and marks the matching copy dropped still close the span
        while end < len(m.source) and (m.source[end] == "\u0640"
                                       or unicodedata.combining(m.source[end])):
            end += 1
        found = {"text": m.source[start:end], "iso": self.iso, "start": start, "end": end,
                 "source": source}
        if self.calendar != "gregorian":
            found["calendar"] = self.calendar
        return found


@lru_cache(maxsize=1)
def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for series in load("dates")["months"].values():
        for word, number in series.items():
            table[word.lower()] = number
            table[fold_accents(word.lower())] = number
    return table


# Start of a word, or just after an Arabic one-letter prefix (و، ب، ف، ل): «و3 مايو», «وأمس».
WORD_START = r"(?:(?<![\w/.-])|(?<=(?<!\w)[وبفل]))"
_DAY_EDGE = r"(?:(?<![\w/.])|(?<=(?<!\w)[وبفل]))"  # "15-16 February": a range may end here
_RANGE_BEFORE = re.compile(r"(?<![\w/.-])([0-3]?\d)\s*(?:-|و|الي|حتي|au|to|and|et|&)\s*$",
                           re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    data = load("dates")
    months = _month_table()
    arabic = [w for w in months if re.search(r"[\u0600-\u06ff]", w)]
    en = list(data["months"]["en"])
    fr = _french_months()
    strict = set(data["months_only_in_full_dates"])
    # English month names capitalised ("May 5", not "may be"), French any case; a word
    # that is also something else ("sept": seven, "may") only in a full date (see _word_ok).
    # Prefix trees, not flat alternations: the engine tries one branch per character.
    en_cap = trie_pattern([w.capitalize() for w in en] + [w.upper() for w in en])
    ar = trie_pattern(arabic)
    one_month = rf"(?:(?i:{trie_pattern(fr - strict)})|{en_cap}|{ar})"
    any_month = rf"(?:(?i:{trie_pattern(fr | set(en))})|{ar})"
    # «19 مايو/أيار 2024», «حزيران/يونيو», «14 آذار (مارس) 1879»: two series name one month.
    month = rf"{one_month}(?:\s*/\s*{one_month}|\s*\(\s*{one_month}\s*\))?"
    month_in_date = rf"{any_month}(?:\s*/\s*{any_month}|\s*\(\s*{any_month}\s*\))?"
    rel_words = [w for words in data["month_relative"].values() for w in words]
    rel = rf"(?P<rel>(?i:{alternation(rel_words)}))"
    cues = alternation(data["bare_month_cues"])
    day = r"(?P<day>[0-3]?\d)(?:er|ère|st|nd|rd|th|e)?"
    year = r"(?P<year>(?:1[89]|20)\d\d)"
    # "Wed Aug 05 12:00:00 2015", "Aug 5 10:30 UTC 2015": a clock time before the year
    clock = r"\s+[0-2]?\d:[0-5]\d(?::[0-5]\d)?(?:\s*[A-Z]{2,5})?"
    weekday_words = [w for lang in data["weekdays"].values() for w in lang]
    weekday = alternation(weekday_words + [w.capitalize() for w in weekday_words])
    prefix_ar = r"(?:من\s+(?:شهر\s+)?|شهر\s+)?"
    edge = WORD_START
    hijri = alternation(data["hijri_months"])
    epithet = alternation(data["hijri_month_epithets"])
    return {
        "day_month": re.compile(
            rf"{_DAY_EDGE}{day}\s*(?:de\s+|of\s+|{prefix_ar})?(?P<month>{month_in_date})"
            rf"(?:\s*[,،]?\s*(?:(?:de\s+l'an(?:née)?|عام|سنة)\s+)?{year}|\s+{rel})?"
            r"(?:\s*م(?!\w))?(?![\w])"),
        "ordinal_day": re.compile(
            rf"{edge}(?P<ordinal>{alternation(data['ordinal_days_ar'])})\s+(?:من\s+)?(?:شهر\s+)?"
            rf"(?P<month>{month})(?:\s*[,،]?\s*(?:عام\s+|سنة\s+)?{year}|\s+{rel})?(?![\w])"),
        "month_rel": re.compile(rf"{edge}(?:شهر\s+)?(?P<month>{month})\s+{rel}(?![\w])"),
        "bare_month": re.compile(
            rf"(?<![\w])(?i:{cues})(?:\s+|-)(?:(?:de|du|mois\s+de|of)\s+)?"
            rf"(?P<month>{month})(?![\w])"),
        "month_day": re.compile(
            rf"(?<![\w])(?P<month>{month_in_date})\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
            rf"(?:(?:{clock})?\s*,?\s*{year})?(?![\w])"),
        "month_year": re.compile(
            rf"{edge}(?:شهر\s+)?(?P<month>{month})\s*[,،]?\s*{year}(?![\w])"),
        # "11/12/2014", "11.12.2014", "11. 12. 2014" (a space after each point, on one line)
        "numeric_dmy": re.compile(
            WORD_START + r"(?P<day>[0-3]?\d)(?:[/.-]|\.[ \t])(?P<mon>[01]?\d)(?:[/.-]|\.[ \t])"
            r"(?P<year>(?:19|20)\d\d)(?![\w/])"),
        "numeric_ymd": re.compile(
            WORD_START + r"(?P<year>(?:19|20)\d\d)[/.-](?P<mon>[01]?\d)[/.-](?P<day>[0-3]?\d)(?![\w/]|\.\d)"),
        # «15 رمضان 1446 هـ», «1 محرم 1447هـ», «3 من شهر رمضان المبارك لعام 1446»
        "hijri": re.compile(
            rf"{edge}(?P<day>[0-3]?\d)\s*(?:من\s+)?(?:شهر\s+)?(?P<month>{hijri})"
            rf"(?:\s+{epithet})?\s*[,،]?\s*(?:ل?(?:عام|سنة)\s+)?(?P<year>1[34]\d\d)"
            rf"(?:\s*{alternation(data['hijri_year_marks'])}(?!\w))?(?![\w])"),
        "weekday": re.compile(rf"{edge}(?P<weekday>{weekday})(?![\w])"),
    }


def _word_ok(match: re.Match, name: str) -> bool:
    """A month word that is also a common word ("may", "march", "sept" for seven) counts
    only in a full date, with a day and a year; month first, only an English capitalised
    month goes without a year ("May 5", but "décembre 5 2014" needs its year)."""
    word = re.split(r"\s*[/(]\s*", match["month"])[0]
    if match["year"]:
        return True
    key = word.lower()
    english = word[:1].isupper() and key in _english_months()
    if name == "month_day":
        return english  # not «تسليم نوفمبر 29 سنتا» (29 cents), nor «مارس 5 سنوات»
    if re.search(r"[\u0600-\u06ff]", word):
        return True
    if key in load("dates")["months_only_in_full_dates"]:
        return False
    return english or key in _french_months()


def _relative_year(month: int, rel: str | None, base: dt.date | None) -> int | None:
    """The year of a month told relative to the base: «نوفمبر الماضي», "avril dernier",
    «جوان المقبل», «مارس الجاري»; a month with no such word is taken in the base's year."""
    if base is None:
        return None
    words = load("dates")["month_relative"]
    rel = (rel or "").lower()
    if rel in words["past"]:
        return base.year if month < base.month else base.year - 1
    if rel in words["next"]:
        return base.year if month > base.month else base.year + 1
    if rel == "since":  # this month or an earlier one
        return base.year if month <= base.month else base.year - 1
    if rel == "from":  # this month or a later one
        return base.year if month >= base.month else base.year + 1
    if rel in words["current"]:
        return base.year
    # No word says which way: across the turn of the year, the nearer one ("in December"
    # written in January is the last December, "janvier" in December the next January).
    if month - base.month >= 9:
        return base.year - 1
    if base.month - month >= 9:
        return base.year + 1
    return base.year


def _cue_direction(match: re.Match, name: str) -> str | None:
    """"depuis janvier" is the last January, "dès janvier" the next one: the cue before a
    bare month tells which way to look from the publication date."""
    if name != "bare_month":
        return None
    cue = match.string[match.start():match.start("month")].split()
    cue = cue[0].lower() if cue else ""
    for direction, words in load("dates")["bare_month_direction"].items():
        if cue in words:
            return "since" if direction == "past" else "from"
    return None


def _bare_month_ok(match: re.Match) -> bool:
    """"in May" is a month, "may" or «مارس» (he practised) alone are not: the cue before
    the month must be a word of time, and an English month keeps its capital."""
    word = match["month"]
    return not word.isascii() or word[:1].isupper() or word.lower() in _french_months()


@lru_cache(maxsize=1)
def _french_months() -> frozenset[str]:
    """French month words as listed and without their accents ("déc.", "dec.")."""
    words = [w.lower() for w in load("dates")["months"]["fr"]]
    return frozenset(words) | frozenset(fold_accents(w) for w in words)


@lru_cache(maxsize=1)
def _english_months() -> frozenset[str]:
    return frozenset(load("dates")["months"]["en"])


def _add_range_start(text, start, year, month, add) -> None:
    """"15-16 February 2025", «5 و6 مايو»: the first day of a range is a date too."""
    match = _RANGE_BEFORE.search(text[max(0, start - 12):start])
    if not match:
        return
    offset = start - 12 if start >= 12 else 0
    _add_day(add, offset + match.start(1), offset + match.end(1), year, month,
             int(match.group(1)))


# "from November 6 to 20": the day that ends a range written month first (not "to 20 May",
# not "to 20 per cent").
_RANGE_AFTER = re.compile(r"\s*(?:-|–|to|through|until|and)\s*([0-3]?\d)(?![\w.,]?\d)"
                          r"(?!\s*(?:%|per\b|percent\b|[A-Za-z]+\s+\d))")


def _add_range_end(text, end, year, month, add) -> None:
    match = _RANGE_AFTER.match(text, end)
    if not match:
        return
    after = re.match(r"\s+([^\W\d_]+)", text[match.end():])
    if after and lookup_month(after.group(1)) is not None:
        return  # "November 6 to 20 December": the 20th is December's
    _add_day(add, match.start(1), match.end(1), year, month, int(match.group(1)))


def lookup_month(word: str) -> int | None:
    word = re.split(r"\s*[/(]\s*", word)[0]
    key = " ".join(word.lower().split())
    table = _month_table()
    return table.get(key) or table.get(fold_accents(key))


def weekday_number(word: str) -> int | None:
    """Monday = 0 for a weekday name in any language, or an English abbreviation ("Wed")."""
    key = word.lower()
    data = load("dates")
    for table in (*data["weekdays"].values(), *data["weekday_abbreviations"].values()):
        if key in table:
            return table[key]
    return None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dates(m: Matchable, base: dt.date | None, lang: str | None = None) -> list[DateMention]:
    """Every date in the matchable text, non-overlapping, in order of appearance."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, iso: str | None, calendar: str = "gregorian", *,
            written: bool = False, yearless: tuple[int, int] | None = None) -> None:
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            found.append(DateMention(start, end, iso, calendar, written, yearless))

    text = m.text
    pats = _patterns()
    for match in pats["hijri"].finditer(text):
        day, month = int(match["day"]), load("dates")["hijri_months"][_squeeze(match["month"])]
        add(_extend_back(text, match.start()), match.end(),
            hijri_to_iso(int(match["year"]), month, day), "hijri")
    for name in ("day_month", "month_day"):
        for match in pats[name].finditer(text):
            month = lookup_month(match["month"])
            if month is None or not _word_ok(match, name):
                continue
            year = _year_of(match, month, base)
            day = int(match["day"])
            if not _possible(year, month, day):
                continue
            start = _extend_back(text, match.start())
            _add_range_start(text, start, year, month, add)
            _add_day(add, start, match.end(), year, month, day)
            if name == "month_day":
                _add_range_end(text, match.end(), year, month, add)
    for match in pats["ordinal_day"].finditer(text):
        month = lookup_month(match["month"])
        day = load("dates")["ordinal_days_ar"].get(" ".join(match["ordinal"].split()))
        if month and day:
            _add_day(add, _extend_back(text, match.start()), match.end(),
                     _year_of(match, month, base), month, day)
    for match in pats["month_year"].finditer(text):
        month = lookup_month(match["month"])
        if month:
            add(match.start(), match.end(), f"{int(match['year']):04d}-{month:02d}",
                written=True)
    for name in ("month_rel", "bare_month"):
        for match in pats[name].finditer(text):
            month = lookup_month(match["month"])
            if month is None or (name == "bare_month" and not _bare_month_ok(match)):
                continue
            rel = match.groupdict().get("rel") or _cue_direction(match, name)
            year = _relative_year(month, rel, base)
            start = match.start() if name == "month_rel" else match.start("month")
            add(start, match.end(), f"{year:04d}-{month:02d}" if year else None)
    for name in ("numeric_ymd", "numeric_dmy"):
        for match in pats[name].finditer(text):
            day, mon = int(match["day"]), int(match["mon"])
            if name == "numeric_dmy" and lang == "en" and mon > 12 >= day:
                day, mon = mon, day  # US order, told apart only when unambiguous
            when = _safe_date(int(match["year"]), mon, day)
            if when:
                add(_extend_back(text, match.start()), match.end(), when.isoformat(),
                    written=True)
    from toolkit.extract.relative_dates import find_relative  # it reads this module's tables

    find_relative(text, base, add)
    for match in pats["weekday"].finditer(text):
        _add_weekday(text, match, base, add, lang)
    found.sort(key=lambda d: d.start)
    _lend_years(text, found, base)
    _hijri_as_stated(text, found)
    return found


_WAIT = -1  # no year written: one is lent by a dated neighbour or the base (_lend_years)


def _year_of(match: re.Match, month: int, base: dt.date | None) -> int | None:
    """The year written; else the one a word after the month tells against the base
    («17 مارس الجاري», "5 mars dernier"; None without a base); else _WAIT."""
    if match["year"]:
        return int(match["year"])
    rel = match.groupdict().get("rel")
    return _relative_year(month, rel, base) if rel else _WAIT


def _possible(year: int | None, month: int, day: int) -> bool:
    """'45 mars' or '30 February 2025' is no date at all."""
    return _safe_date(year if year and year > 0 else 2024, month, day) is not None


def _add_day(add, start: int, end: int, year: int | None, month: int, day: int) -> None:
    if not _possible(year, month, day):
        return
    if year == _WAIT:
        add(start, end, None, yearless=(month, day))
    elif year is None:
        add(start, end, None)
    else:
        add(start, end, dt.date(year, month, day).isoformat(), written=True)


_RANGE_JOIN = re.compile(r"\s*(?:-|–|au|à|to|until|through|and|et|و|الي|حتي|لغاية)\s*",
                         re.IGNORECASE)


def _lend_years(text: str, found: list[DateMention], base: dt.date | None) -> None:
    """A day written without a year takes it from a dated day it closes a range with ("du
    28 décembre au 3 janvier 2025"), else from a dated one shortly before it in the
    same sentence ("On 3 May 2024 ... and on 7 June"), else from the publication date; each
    time the nearer year across the turn of the year (_relative_year)."""
    for i, mention in enumerate(found):
        if mention.yearless is None:
            continue
        month, day = mention.yearless
        anchor = _range_partner(text, found, i) or _dated_before(text, found, i) or base
        year = _relative_year(month, None, anchor)
        when = _safe_date(year, month, day) if year else None
        mention.iso = when.isoformat() if when else None


def _anchor_date(mention: DateMention) -> dt.date | None:
    if not (mention.year_written and mention.calendar == "gregorian" and mention.iso):
        return None
    return dt.date.fromisoformat(mention.iso[:7] + "-01")


def _range_partner(text: str, found: list[DateMention], i: int) -> dt.date | None:
    if i + 1 < len(found) and _RANGE_JOIN.fullmatch(text[found[i].end:found[i + 1].start]):
        return _anchor_date(found[i + 1])
    return None


_SENTENCE_END = re.compile(r"[.!?؟]\s|\n")
_LEND_REACH = 100  # characters: "right after", not a law's date quoted lines earlier


def _dated_before(text: str, found: list[DateMention], i: int) -> dt.date | None:
    for earlier in reversed(found[:i]):
        if found[i].start - earlier.end > _LEND_REACH \
                or _SENTENCE_END.search(text, earlier.end, found[i].start):
            return None
        anchor = _anchor_date(earlier)
        if anchor:
            return anchor
    return None


def _hijri_as_stated(text: str, found: list[DateMention]) -> None:
    """«15 ربيع الآخر 1446 هـ الموافق 18 أكتوبر 2024»: the text states the Gregorian day;
    it wins over the tabular calendar's (which may be a day off)."""
    for hijri, nxt in pairwise(found):
        if hijri.calendar == "hijri" and nxt.calendar == "gregorian" and nxt.iso \
                and len(nxt.iso) == 10 and re.fullmatch(r"\s*(?:[,،-]\s*)?(?:الموافق|موافق)\s*",
                                                          text[hijri.end:nxt.start]):
            hijri.iso = nxt.iso


def _squeeze(word: str) -> str:
    return " ".join(word.split())


_WEEKDAY_BEFORE = re.compile(
    r"(?:(?:(?:يوم|le|on)\s+)?(?P<wd>[\w]+)\.?\s*[,،]?\s*(?:الموافق|le|the)?\s*)$", re.IGNORECASE)


def _extend_back(text: str, start: int) -> int:
    """Take a weekday written just before a date into its span ('lundi 5 mai', «يوم
    الإثنين الموافق 5 مايو»), so the weekday is not reported as a date of its own."""
    window = text[max(0, start - 40):start]
    match = _WEEKDAY_BEFORE.search(window)
    if match and weekday_number(match["wd"]) is not None:
        return start - (len(window) - match.start())
    return start


def _weekday_cued(text: str, match: re.Match, lang: str | None) -> bool:
    """Arabic weekday words need a cue (يوم، مساء، الماضي...): «الأحد» alone is too loose."""
    word = match["weekday"]
    if not re.search(r"[\u0600-\u06ff]", word):
        return True
    cues = load("dates")["weekday_cues_ar"]
    before = text[max(0, match.start() - 12):match.start()].split()
    after = text[match.end():match.end() + 12].split()
    return bool(before and before[-1].lstrip("و") in cues["before"]
                or after and after[0] in cues["after"])


def _add_weekday(text, match, base, add, lang) -> None:
    number = weekday_number(match["weekday"])
    if number is None or not _weekday_cued(text, match, lang):
        return
    start, end = match.start(), match.end()
    before = re.search(r"(?:(?:يوم|اليوم|on|le|ce)\s+)$", text[max(0, start - 8):start], re.IGNORECASE)
    if before:
        start -= len(before.group(0))
    after = re.match(r"\s+(\w+)", text[end:end + 14])
    direction = "past"
    words = load("dates")["weekday_direction"]
    if after and after.group(1).lower() in words["next"]:
        direction, end = "next", end + after.end()
    elif after and after.group(1).lower() in words["past"]:
        direction, end = "last", end + after.end()
    add(start, end, resolve_weekday(number, base, direction))


def resolve_weekday(number: int, base: dt.date | None, direction: str = "past") -> str | None:
    """The day with weekday `number` nearest the base: on or before it (news tell what
    happened), strictly before for 'last', strictly after for 'next'."""
    if base is None:
        return None
    if direction == "next":
        delta = (number - base.weekday()) % 7 or 7
        return (base + dt.timedelta(days=delta)).isoformat()
    delta = (base.weekday() - number) % 7
    if direction == "last" and delta == 0:
        delta = 7
    return (base - dt.timedelta(days=delta)).isoformat()


def hijri_to_iso(year: int, month: int, day: int) -> str | None:
    """The Gregorian day of a Hijri date in the Umm al-Qura calendar (hijridate, 1343-1500
    AH); None outside it. A 30th the table does not have (another country's sighting) is
    the day after the 29th."""
    from hijridate import Hijri

    try:
        return Hijri(year, month, day).to_gregorian().isoformat()
    except OverflowError:
        return None
    except ValueError:
        if day != 30:
            return None
    try:
        return (Hijri(year, month, 29).to_gregorian() + dt.timedelta(days=1)).isoformat()
    except (ValueError, OverflowError):
        return None

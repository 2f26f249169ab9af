"""Dates in Arabic, French and English text, with ISO 8601 values.

Candidate spans come from regular expressions over month tables kept as data
(toolkit/data/dates.json: every Arabic regional series, French, English, Hijri months,
weekdays, relative words); the value is computed here. Relative dates ("hier mercredi",
"yesterday", «أمس») and bare weekdays are resolved against the publication date `base`,
never today's date; without a base they keep `iso: None`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from toolkit.extract.lexicon import alternation, load
from toolkit.extract.normalise import Matchable, fold_accents


@dataclass
class DateMention:
    start: int  # offsets in the normalised text until converted
    end: int
    iso: str | None
    calendar: str = "gregorian"

    def as_dict(self, m: Matchable, source: str) -> dict:
        text, start, end = m.surface(self.start, self.end)
        found = {"text": text, "iso": self.iso, "start": start, "end": end, "source": source}
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
_EDGE = r"(?:(?<![\w/.-])|(?<=(?<!\w)[وبفل]))"
_DAY_EDGE = r"(?:(?<![\w/.])|(?<=(?<!\w)[وبفل]))"  # "15-16 February": a range may end here
_RANGE_BEFORE = re.compile(r"(?<![\w/.-])([0-3]?\d)\s*(?:-|و|الي|حتي|au|to|and|et|&)\s*$",
                           re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    data = load("dates")
    months = _month_table()
    latin = [w for w in months if w.isascii() or not re.search(r"[\u0600-\u06ff]", w)]
    arabic = [w for w in months if re.search(r"[\u0600-\u06ff]", w)]
    # English month names only capitalised ("May 5", not "may be"); French any case.
    en = [w for w in data["months"]["en"]]
    en_cap = alternation([w.capitalize() for w in en] + [w.upper() for w in en])
    fr = alternation([w for w in latin if w not in data["months"]["en"]])
    ar = alternation(arabic)
    one_month = rf"(?:(?i:{fr})|{en_cap}|{ar})"
    # «19 مايو/أيار 2024», «حزيران/يونيو»: two series side by side name one month.
    month = rf"{one_month}(?:\s*/\s*{one_month})?"
    rel_words = [w for words in data["month_relative"].values() for w in words]
    rel = rf"(?P<rel>(?i:{alternation(rel_words)}))"
    cues = alternation(data["bare_month_cues"])
    day = r"(?P<day>[0-3]?\d)(?:er|ère|st|nd|rd|th|e)?"
    year = r"(?P<year>(?:1[89]|20)\d\d)"
    weekday_words = [w for lang in data["weekdays"].values() for w in lang]
    weekday = alternation(weekday_words + [w.capitalize() for w in weekday_words])
    prefix_ar = r"(?:من\s+(?:شهر\s+)?|شهر\s+)?"
    edge = _EDGE
    relative = [w for lang in data["relative"].values() for w in lang]
    hijri = alternation(data["hijri_months"])
    return {
        "day_month": re.compile(
            rf"{_DAY_EDGE}{day}\s*(?:de\s+|of\s+|{prefix_ar})?(?P<month>{month})"
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
            rf"(?<![\w])(?P<month>{en_cap})\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
            rf"(?:\s*,?\s*{year})?(?![\w])"),
        "month_year": re.compile(
            rf"{edge}(?:شهر\s+)?(?P<month>{month})\s*[,،]?\s*{year}(?![\w])"),
        "numeric_dmy": re.compile(
            _EDGE + r"(?P<day>[0-3]?\d)[/.-](?P<mon>[01]?\d)[/.-](?P<year>(?:19|20)\d\d)(?![\w/])"),
        "numeric_ymd": re.compile(
            _EDGE + r"(?P<year>(?:19|20)\d\d)[/.-](?P<mon>[01]?\d)[/.-](?P<day>[0-3]?\d)(?![\w/]|\.\d)"),
        "hijri": re.compile(
            rf"{edge}(?P<day>[0-3]?\d)\s*(?:من\s+)?(?P<month>{hijri})\s*(?P<year>1[34]\d\d)"
            r"(?:\s*(?:هـ|ه)(?!\w))?"),
        "weekday": re.compile(rf"{edge}(?P<weekday>{weekday})(?![\w])"),
        "relative": re.compile(
            rf"{edge}(?P<rel>(?i:{alternation(relative)}))(?![\w'])"),
    }


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
    return frozenset(load("dates")["months"]["fr"])


def _add_range_start(text, start, year, month, base, add) -> None:
    """"15-16 February 2025", «5 و6 مايو»: the first day of a range is a date too."""
    match = _RANGE_BEFORE.search(text[max(0, start - 12):start])
    if not match:
        return
    offset = start - 12 if start >= 12 else 0
    day = int(match.group(1))
    iso = _full_date(year, month, day, base)
    if iso is not False:
        add(offset + match.start(1), offset + match.end(1), iso or None)


# "from November 6 to 20": the day that ends a range written month first (not "to 20 May",
# not "to 20 per cent").
_RANGE_AFTER = re.compile(r"\s*(?:-|–|to|through|until|and)\s*([0-3]?\d)(?![\w.,]?\d)"
                          r"(?!\s*(?:%|per\b|percent\b|[A-Za-z]+\s+\d))")


def _add_range_end(text, end, year, month, base, add) -> None:
    match = _RANGE_AFTER.match(text, end)
    if not match:
        return
    after = re.match(r"\s+([^\W\d_]+)", text[match.end():])
    if after and _lookup_month(after.group(1)) is not None:
        return  # "November 6 to 20 December": the 20th is December's
    iso = _full_date(year, month, int(match.group(1)), base)
    if iso is not False:
        add(match.start(1), match.end(1), iso or None)


def _lookup_month(word: str) -> int | None:
    word = re.split(r"\s*/\s*", word)[0]
    key = " ".join(word.lower().split())
    table = _month_table()
    return table.get(key) or table.get(fold_accents(key))


def _weekday_number(word: str) -> int | None:
    key = word.lower()
    for table in load("dates")["weekdays"].values():
        if key in table:
            return table[key]
    return None


def _relative_offset(word: str) -> int | None:
    key = " ".join(word.lower().split())
    for table in load("dates")["relative"].values():
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

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(start: int, end: int, iso: str | None, calendar: str = "gregorian") -> None:
        if free(start, end):
            taken.append((start, end))
            found.append(DateMention(start, end, iso, calendar))

    text = m.text
    pats = _patterns()
    for match in pats["hijri"].finditer(text):
        day, month = int(match["day"]), load("dates")["hijri_months"][_squeeze(match["month"])]
        add(_extend_back(text, match.start()), match.end(),
            hijri_to_iso(int(match["year"]), month, day), "hijri")
    for name in ("day_month", "month_day"):
        for match in pats[name].finditer(text):
            month = _lookup_month(match["month"])
            if month is None:
                continue
            year = int(match["year"]) if match["year"] else _relative_year(
                month, match.groupdict().get("rel"), base)
            iso = _full_date(year, month, int(match["day"]), base)
            if iso is False:
                continue
            start = _extend_back(text, match.start())
            _add_range_start(text, start, year, month, base, add)
            add(start, match.end(), iso or None)
            if name == "month_day":
                _add_range_end(text, match.end(), year, month, base, add)
    for match in pats["ordinal_day"].finditer(text):
        month = _lookup_month(match["month"])
        day = load("dates")["ordinal_days_ar"].get(" ".join(match["ordinal"].split()))
        if month and day:
            year = int(match["year"]) if match["year"] else _relative_year(
                month, match["rel"], base)
            iso = _full_date(year, month, day, base)
            if iso is not False:
                add(_extend_back(text, match.start()), match.end(), iso or None)
    for match in pats["month_year"].finditer(text):
        month = _lookup_month(match["month"])
        if month:
            add(match.start(), match.end(), f"{int(match['year']):04d}-{month:02d}")
    for name in ("month_rel", "bare_month"):
        for match in pats[name].finditer(text):
            month = _lookup_month(match["month"])
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
                add(_extend_back(text, match.start()), match.end(), when.isoformat())
    for match in pats["relative"].finditer(text):
        _add_relative(text, match, base, add)
    for match in pats["weekday"].finditer(text):
        _add_weekday(text, match, base, add, lang)
    found.sort(key=lambda d: d.start)
    _hijri_as_stated(text, found)
    return found


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


def _full_date(year: int | None, month: int, day: int, base: dt.date | None):
    """ISO day for day/month/year; without a year, the base's year (None without base);
    False for an impossible day (then it is not a date at all, e.g. '45 mars')."""
    if year is None:
        if _safe_date(2024, month, day) is None:
            return False
        if base is None:
            return None
        year = base.year
    when = _safe_date(year, month, day)
    return when.isoformat() if when else False


_WEEKDAY_BEFORE = re.compile(
    r"(?:(?:(?:يوم|le|on)\s+)?(?P<wd>[\w]+)\s*[,،]?\s*(?:الموافق|le|the)?\s*)$", re.IGNORECASE)


def _extend_back(text: str, start: int) -> int:
    """Take a weekday written just before a date into its span ('lundi 5 mai', «يوم
    الإثنين الموافق 5 مايو»), so the weekday is not reported as a date of its own."""
    window = text[max(0, start - 40):start]
    match = _WEEKDAY_BEFORE.search(window)
    if match and _weekday_number(match["wd"]) is not None:
        return start - (len(window) - match.start())
    return start


def _add_relative(text, match, base, add) -> None:
    word = match["rel"]
    offset = _relative_offset(word)
    if offset is None:
        return
    end = match.end()
    # "hier mercredi", «أمس الأربعاء», "yesterday (Wednesday)": one mention.
    follow = re.match(r"\s*[,(،]?\s*([\w]+)\)?", text[end:end + 20])
    if follow and _weekday_number(follow.group(1)) is not None:
        end += follow.end()
    iso = (base + dt.timedelta(days=offset)).isoformat() if base else None
    add(match.start(), end, iso)


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
    number = _weekday_number(match["weekday"])
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
    """Tabular Islamic calendar (civil epoch); official calendars may differ by a day."""
    if not (1 <= month <= 12 and 1 <= day <= 30):
        return None
    days = (day + int(29.5 * (month - 1) + 0.99) + (year - 1) * 354
            + (3 + 11 * year) // 30 + 1948439 - 1)
    return dt.date.fromordinal(days - 1721425 + 1).isoformat()

"""The dateline of a dispatch: place, date and agency at the head of the text.

"Tripoli 16 septembre 2021 /LANA/ -", «طرابلس 12 مارس 2024 (وال) -»,
"TRIPOLI, March 12 (Reuters) -", "TRIPOLI (AP) —", possibly after a label such as
"Published on:". The date found there is the publication date; failing a dateline, a
date right after a cue such as "Publié le" / «نشر في» near the top is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from toolkit.extract.dates import find_dates
from toolkit.extract.lexicon import alternation, load
from toolkit.extract.normalise import Matchable, matchable, norm

HEAD_CHARS = 400

_DATELINE = re.compile(
    r"^[ \t]*(?:(?P<label>[^\n:/()]{1,30}):[ \t]*)?"
    r"(?P<place>[A-Z\u0600-\u06ff][^\W\d_'\-]*(?:['\-][^\W\d_]+)*"
    r"(?:[ \t][^\W\d_][^\W\d_'\-]*(?:['\-][^\W\d_]+)*){0,2})[ \t]*[,،]?[ \t]*"
    r"(?P<date>[^\n()]{0,64}?)[ \t]*"  # a date may hold a slash: «٣ تموز/يوليو ٢٠٢٥»
    r"(?:/[ \t]*(?P<slash>[^/\n]{2,30}?)[ \t]*/|\([ \t]*(?P<paren>[^()\n]{2,30}?)[ \t]*\))"
    r"[ \t]*(?:[-:]|$)",
    re.MULTILINE,
)


# "Tripoli, 12 June 2025 - The Mission ...", "N'Djamena, le 8 décembre 2024 – Le HCR":
# place and full date, no agency.
_DATELINE_NO_AGENCY = re.compile(
    r"^[ \t]*(?:(?P<label>[^\n:/()]{1,30}):[ \t]*)?"
    r"(?P<place>[A-Z\u0600-\u06ff][^\W\d_]*(?:['’-][A-Z][^\W\d_]*)?"
    r"(?:[ \t][A-Z\u0600-\u06ff][^\W\d_]*){0,2})"
    r"(?:[ \t]*,[ \t]*[A-Z]\.?[A-Z]\.?[ \t]*(?=[-–—]))?"  # "Washington, DC – December 24"
    r"[ \t]*[,،–—-][ \t]*(?:le[ \t]+)?(?P<date>[^\n/()]{6,40}?)"
    # "Tripoli, 8 April 2025:" (own line or not), «الرباط، 5 مارس 2025» on its own line
    r"(?:[ \t]+[-:–—][ \t]|[ \t]*:(?:[ \t]|$)|[ \t]*$)",
    re.MULTILINE,
)

# «دمشق-سانا» on a line of its own: a place and a known agency, no date.
_DATELINE_PLACE_AGENCY = re.compile(
    r"^[ \t]*(?P<place>[\u0600-\u06ffA-Z][^\W\d_]*(?:[ \t][^\W\d_]+)?)[ \t]*[-–—/][ \t]*"
    r"(?P<agency>[^\W\d_]{2,12})[ \t]*$", re.MULTILINE)

# "MINSK 1996-08-30 A senior politician ...", after a byline ("Larisa Sayenko MINSK ..."):
# a place in capitals, an ISO date, no agency; the place must be one the geo index knows.
_DATELINE_CAPITALS_ISO = re.compile(
    r"^[ \t]*(?:(?P<byline>[A-Z][a-z]+(?:[ \t][A-Z][a-z][\w'.-]*){0,2})[ \t]+)?"
    r"(?P<place>[A-Z][A-Z'.-]+(?:[ \t][A-Z][A-Z'.-]+){0,2})[ \t]+"
    r"(?P<date>\d{4}-\d{2}-\d{2})(?=[ \t]|$)", re.MULTILINE)

# «الكويت - 3 - 3 (كونا)»: day and month in figures, no year.
_NUMERIC_DAY_MONTH = re.compile(r"\d{1,2}[ \t]*[-/][ \t]*\d{1,2}")


# «بنغازي - عقد مجلس النواب ...»: a known city and a dash opening the text, no date.
_DATELINE_PLACE_ONLY = re.compile(
    r"\A\s*(?P<place>[A-Z\u0600-\u06ff][^\W\d_]*(?:[ \t][^\W\d_]+){0,2}?)[ \t]+[-–—][ \t]")


@dataclass
class Dateline:
    place: str | None
    agency: str | None
    start: int
    end: int
    published: dt.date | None
    place_span: tuple[int, int] | None = None
    # «الكويت - 3 - 3 (كونا)»: (start, end, day, month) of a date in figures without year
    day_month: tuple[int, int, int, int] | None = None
    # "Larisa Sayenko MINSK 1996-08-30": (name, start, end) of the reporter before the place
    byline: tuple[str, int, int] | None = None

    def as_dict(self) -> dict:
        return {"place": self.place, "agency": self.agency, "start": self.start,
                "end": self.end, "source": "text"}


@lru_cache(maxsize=1)
def _known_agencies() -> dict[str, str]:
    return {norm(alias): name for name, aliases in load("agencies").items() for alias in aliases}


def known_agency(value: str) -> str | None:
    """The agency's usual name when `value` is one of its names ('وال' -> 'LANA')."""
    return _known_agencies().get(norm(value))


def _agency_like(value: str) -> bool:
    if norm(value) in _known_agencies():
        return True
    words = value.split()
    if len(words) > 3 or re.search(r"\d", value):
        return False
    latin = re.sub(r"[^A-Za-z]", "", value)
    return bool(latin) and latin.isupper() or bool(re.fullmatch(r"[\u0600-\u06ff ]{2,12}", value))


def find_dateline(m: Matchable) -> Dateline | None:
    head = m.text[:HEAD_CHARS]
    for match in _DATELINE.finditer(head):
        agency = match["slash"] or match["paren"]
        if not _agency_like(agency):
            continue
        date_text = match["date"].strip(" ,،-")
        published = None
        day_month = _numeric_day_month(match) if _NUMERIC_DAY_MONTH.fullmatch(date_text) \
            else None
        if date_text and not day_month:
            published = _date_of(date_text)
            if published is False:
                continue
        place = re.sub(r"[ \t]+في$", "", match["place"])  # «القاهرة في 4 يونيو /أ ش أ/»
        if not _place_like(place):
            continue
        (ps, pe) = m.span(match.start("place"), match.start("place") + len(place))
        ag = match.start("slash") if match["slash"] else match.start("paren")
        _, a_start, a_end = m.surface(ag, ag + len(agency))
        start, end = m.span(match.start("place"), match.end())
        return Dateline(m.source[ps:pe], m.source[a_start:a_end], start, end,
                        published or None, (ps, pe), day_month)
    for match in _DATELINE_NO_AGENCY.finditer(head):
        published = _date_of(match["date"].strip())
        if not published or not _place_like(match["place"]):
            continue
        ps, pe = m.span(match.start("place"), match.end("place"))
        start, end = m.span(match.start("place"), match.end("date"))
        return Dateline(m.source[ps:pe], None, start, end, published, (ps, pe))
    for match in _DATELINE_CAPITALS_ISO.finditer(head):
        published = _date_of(match["date"])
        if published and _known_place(match["place"]):
            ps, pe = m.span(match.start("place"), match.end("place"))
            start, end = m.span(match.start("byline" if match["byline"] else "place"),
                                match.end("date"))
            byline = None
            if match["byline"] and " " in match["byline"] and not _known_place(
                    match["byline"]):  # a reporter's name: two words at least
                byline = m.surface(match.start("byline"), match.end("byline"))
            return Dateline(m.source[ps:pe], None, start, end, published, (ps, pe),
                            byline=byline)
    for match in _DATELINE_PLACE_AGENCY.finditer(head[:200]):
        if known_agency(match["agency"]) and _known_city(match["place"]):
            ps, pe = m.span(match.start("place"), match.end("place"))
            _, a_start, a_end = m.surface(match.start("agency"), match.end("agency"))
            start, end = m.span(match.start("place"), match.end("agency"))
            return Dateline(m.source[ps:pe], m.source[a_start:a_end], start, end, None,
                            (ps, pe))
    match = _DATELINE_PLACE_ONLY.match(head)
    if match and _known_city(match["place"]):
        ps, pe = m.span(match.start("place"), match.end("place"))
        return Dateline(m.source[ps:pe], None, ps, pe, None, (ps, pe))
    return None


def _numeric_day_month(match: re.Match) -> tuple[int, int, int, int] | None:
    figures = re.search(r"(\d{1,2})[ \t]*[-/][ \t]*(\d{1,2})", match["date"])
    day, month = int(figures[1]), int(figures[2])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    base = match.start("date")
    return base + figures.start(), base + figures.end(), day, month


def _known_city(place: str) -> bool:
    from toolkit.extract.places import arabic_entry, latin_place

    if re.match(r"[\u0600-\u06ff]", place):
        entry = arabic_entry(norm(place))
        return entry is not None and entry.kind in ("place", "country")
    return latin_place(place) or latin_place(place.title())


def _known_place(place: str) -> bool:
    """A city, region or country the geo index knows ("MINSK", "TEXAS", "THE HAGUE")."""
    from toolkit.extract import geo

    return any(geo.lookup(form) for form in (place, place.title(), re.sub(
        r"^The ", "", place.title())))


def _place_like(place: str) -> bool:
    words = place.split()
    if not words or len(words) > 3:
        return False
    if re.match(r"[A-Za-z]", place):
        return all(w[0].isupper() for w in words if len(w) > 3)
    return True


def _date_of(text: str):
    """The full day written in a dateline slot; None for a date without a year or a
    place word; False when the slot holds something that is no date at all."""
    inner = matchable(text)
    dates = find_dates(inner, None)
    if not dates:
        return False if re.search(r"\d", text) else None
    # «15 ربيع الآخر 1446 هـ الموافق 18 أكتوبر 2024 م»: the Gregorian day if one is given
    iso = next((d.iso for d in dates if d.calendar == "gregorian"), dates[0].iso)
    if iso and len(iso) == 10:
        return dt.date.fromisoformat(iso)
    return None


def published_from_cue(m: Matchable) -> tuple[dt.date, int, int] | None:
    """A date right after 'Published on', 'Publié le', «نشر في» near the top; failing
    that, the date of the statement the text reports ("said in a statement on Tuesday,
    4 February 2025"), which is when it was made public."""
    data = load("dates")
    # A publication label starts a line; a statement can be reported anywhere in the lead.
    for key, at_line_start in (("published_cues", True), ("statement_cues", False)):
        found = _date_after_cue(m, alternation(data[key]), at_line_start)
        if found:
            return found
    return _date_of_header_line(m, alternation(data["header_cues"]))


def _date_of_header_line(m: Matchable, cues: str) -> tuple[dt.date, int, int] | None:
    """A short line at the top that presents the document and dates it: "As of 5 June
    2024", "Communiqué du ministère ... – Tripoli, le 03/05/2024", «صادر عن ... بتاريخ
    2024/05/03»: its one full date is the publication date."""
    offset = 0
    for number, line in enumerate(m.text[:HEAD_CHARS].split("\n")):
        if number >= 4:
            break
        if len(line) <= 160 and re.match(rf"[ \t]*(?i:{cues})(?!\w)", line):
            dates = [d for d in find_dates(matchable(line), None)
                     if d.iso and len(d.iso) == 10]
            if len(dates) == 1:
                return (dt.date.fromisoformat(dates[0].iso), offset + dates[0].start,
                        offset + dates[0].end)
        offset += len(line) + 1
    return None


def _date_after_cue(m: Matchable, cues: str, at_line_start: bool
                    ) -> tuple[dt.date, int, int] | None:
    head = m.text[:HEAD_CHARS + 200]
    start = r"(?m:^[ \t]*)" if at_line_start else ""
    for match in re.finditer(rf"{start}(?i:{cues})\s*:?\s*", head):
        window = matchable(head[match.end():match.end() + 60])
        dates = find_dates(window, None)
        if dates and dates[0].start <= 30 and dates[0].iso and len(dates[0].iso) == 10:
            start = match.end() + dates[0].start
            return dt.date.fromisoformat(dates[0].iso), start, match.end() + dates[0].end
    return None


def published_from_title(m: Matchable) -> dt.date | None:
    """"Sudan: Humanitarian Update, 13 May 2025": a headline that ends with a full date
    dates the document."""
    dates = find_dates(m, None)
    if len(dates) == 1 and dates[0].iso and len(dates[0].iso) == 10 \
            and not m.text[dates[0].end:].strip(" .)") \
            and re.search(r"[,:–—-]\s*$", m.text[:dates[0].start]):
        return dt.date.fromisoformat(dates[0].iso)
    return None

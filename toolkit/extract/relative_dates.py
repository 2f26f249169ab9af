"""Relative dates, resolved against the publication date `base`, never today's.

Three kinds, all phrases kept as data (toolkit/data/dates.json):
- a day word: "hier", "yesterday", «أمس», «أول أمس» -> that day ("hier mercredi" is one
  mention);
- a count of days or weeks: "two days ago", "in 3 weeks", "il y a un jour", "dans deux
  jours", «منذ يومين», «بعد ثلاثة أيام» -> that day (a week counts 7 days: "a week ago" is
  the day 7 days before);
- a named week: "last week", "la semaine dernière", «الأسبوع الماضي» -> its ISO week
  ("2025-W18"), as precise as the text.
Without a base the mention is kept with `iso: None`.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from toolkit.extract.dates import WORD_START, lookup_month, weekday_number
from toolkit.extract.lexicon import load, trie_pattern


def find_relative(text: str, base: dt.date | None, add) -> None:
    """Report every relative date of the text through `add(start, end, iso)`."""
    pattern, templates = _counted_pattern()
    for match in pattern.finditer(text):
        _add_counted(text, match, templates[int(match.lastgroup[1:])], base, add)
    for match in _named_pattern().finditer(text):
        _add_named(text, match, base, add)


@lru_cache(maxsize=1)
def _named_table() -> dict[str, tuple[str, int]]:
    data = load("dates")
    table = {}
    for unit, key in (("day", "relative"), ("week", "relative_weeks")):
        for words in data[key].values():
            table.update({word: (unit, offset) for word, offset in words.items()})
    return table


@lru_cache(maxsize=1)
def _named_pattern() -> re.Pattern:
    return re.compile(rf"{WORD_START}(?P<rel>(?i:{trie_pattern(_named_table())}))(?![\w'])")


@lru_cache(maxsize=1)
def _counted_pattern() -> tuple[re.Pattern, list[tuple[int, dict, bool]]]:
    """One regex for every template ("il y a {n} {unit}"), template i in group t<i> (with
    n<i> and unit<i>); the number may be left out where the unit holds it («منذ يومين»)."""
    branches, templates = [], []
    for lang, spec in load("dates")["relative_counted"].items():
        numbers, units = trie_pattern(spec["numbers"]), trie_pattern(spec["units"])
        for template, sign in spec["templates"].items():
            i = len(templates)
            pieces = []
            for token in template.split():
                if token == "{n}":
                    pieces.append(rf"(?:(?P<n{i}>{numbers}|\d{{1,2}})\s+)?")
                else:
                    word = rf"(?P<unit{i}>{units})" if token == "{unit}" else re.escape(token)
                    pieces.append(word + r"\s+")
            body = "".join(pieces).removesuffix(r"\s+")
            branches.append(rf"(?P<t{i}>{body})")
            templates.append((sign, spec, lang == "ar"))
    alternatives = "|".join(branches)
    return re.compile(rf"{WORD_START}(?i:{alternatives})(?![\w'])"), templates


def _add_counted(text, match, template: tuple[int, dict, bool], base, add) -> None:
    sign, spec, arabic = template
    i = match.lastgroup[1:]
    unit, implied = spec["units"][" ".join(match[f"unit{i}"].lower().split())]
    written = (match[f"n{i}"] or "").lower()
    count = int(written) if written.isdigit() else spec["numbers"].get(written, implied)
    construct = arabic and implied == 1 and not written  # «يوم الاثنين»: the day of ...
    if not count or _counts_something_else(text, match.end(), construct) \
            or _idiom(text, match.start()):
        return
    days = count * (7 if unit == "week" else 1)
    iso = (base + dt.timedelta(days=sign * days)).isoformat() if base else None
    add(match.start(), match.end(), iso)


def _counts_something_else(text: str, end: int, construct: bool) -> bool:
    """"two days of talks", "il y a deux jours de congé", «بعد ثلاثة أيام من الاجتماع»,
    «منذ يوم الاثنين», «قبل يوم الانتخابات» (a singular Arabic unit before a definite noun
    is "the day of"): the count measures or names something and dates nothing."""
    following = re.match(r"\s*(\w+'?|\d)", text[end:end + 30])
    if not following:
        return False
    word = following.group(1).lower()
    return (word in load("dates")["relative_counted_not_followed_by"] or word[0].isdigit()
            or weekday_number(word) is not None or lookup_month(word) is not None
            or word in load("dates")["hijri_months"] or construct and word.startswith("ال"))


def _idiom(text: str, start: int) -> bool:
    """«يوماً بعد يوم»: day after day, no date."""
    before = text[max(0, start - 12):start].split()
    return bool(before) and before[-1] in load("dates")["relative_counted_not_preceded_by"]


def _add_named(text, match, base, add) -> None:
    unit, offset = _named_table()[" ".join(match["rel"].lower().split())]
    end = match.end()
    if unit == "week":
        before = text[max(0, match.start() - 12):match.start()].split()
        if before and before[-1].lower() in load("dates")["relative_weeks_not_preceded_by"]:
            return  # "during the last week of March"
        iso = _iso_week(base + dt.timedelta(weeks=offset)) if base else None
    else:
        # "hier mercredi", «أمس الأربعاء», "yesterday (Wednesday)": one mention.
        follow = re.match(r"\s*[,(،]?\s*([\w]+)\)?", text[end:end + 20])
        if follow and weekday_number(follow.group(1)) is not None:
            end += follow.end()
        iso = (base + dt.timedelta(days=offset)).isoformat() if base else None
    add(match.start(), end, iso)


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"

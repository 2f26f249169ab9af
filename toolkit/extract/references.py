"""Decree, decision, resolution and law references with their number and year.

«قرار رئيس مجلس الوزراء رقم (298) لسنة 2025» -> decision 298/2025; "décret n° 45 de
2023" -> decree 45/2023; "Resolution No. 298 of 2025"; "resolution 2755 (2024)". The kinds
of instrument are data (toolkit/data/references.json), one English type per word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from toolkit.extract.lexicon import alternation, load
from toolkit.extract.normalise import Matchable

_NUMBER = r"\(?\s*(?P<number>\d+(?:[-.]\d+)?(?:\.\d+)?)\s*\)?"  # Moroccan "n° 97.15", "2.24.112"
_YEAR = r"(?P<year>(?:19|20)\d\d)"


@lru_cache(maxsize=1)
def _patterns() -> list[re.Pattern]:
    data = load("references")
    ar_kinds = alternation(data["ar"])
    latin_kinds = alternation(list(data["fr"]) + list(data["en"]))
    edge = r"(?:(?<![\w])|(?<=(?<!\w)[وبفل]))"
    return [
        # Arabic: the kind, up to eight words naming the issuer, رقم, number, year.
        re.compile(rf"{edge}(?P<kind>(?:ال|ل)?{ar_kinds})(?P<issuer>(?:\s+[^\s\d()،.:؛]+){{0,8}}?)"
                   rf"\s+(?:رقم|بالرقم|ذي الرقم|ذو الرقم)\s*[:]?\s*{_NUMBER}"
                   rf"(?:\s*(?:لسنة|لعام|سنة|عام|للعام|/)\s*{_YEAR}(?:\s*م(?!\w))?)?"),
        # French and English: kind, optional qualifiers, n°/No./number, year.
        re.compile(rf"(?i:(?<![\w])(?P<kind>{latin_kinds})(?P<issuer>(?:\s+[a-zéèêàç'-]+){{0,3}}?)"
                   r"\s*(?:n\s*[°º]|no\.?|nº|numéro|number|num\.|#)\s*"
                   + _NUMBER +
                   rf"(?:\s*(?:de\s+l'ann[ée]e|of\s+the\s+year|de|du|of|/|,)?\s*\(?{_YEAR}\)?)?)"),
        # "resolution 2755 (2024)", "Resolution 2755 of 2024" without No.
        re.compile(rf"(?i:(?<![\w])(?P<kind>résolution|resolution|قرار)\s+{_NUMBER}"
                   rf"(?:\s*(?:\(|of\s+|de\s+)?{_YEAR}\)?)?)"),
    ]


def _type_of(kind: str, issuer: str) -> str:
    data = load("references")
    word = kind.lower()
    for article in ("ال", "ل"):
        if word.startswith(article) and word[len(article):] in data["ar"]:
            word = word[len(article):]
            break
    for lang in ("ar", "fr", "en"):
        if word in data[lang]:
            kind_type = data[lang][word]
            break
    else:
        kind_type = "reference"
    if kind_type == "decision" and any(w in issuer for w in data["resolution_issuers"]):
        return "resolution"
    return kind_type


def find_references(m: Matchable) -> list[dict]:
    found: list[dict] = []
    taken: list[tuple[int, int]] = []
    for pattern in _patterns():
        for match in pattern.finditer(m.text):
            if any(not (match.end() <= s or match.start() >= e) for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            text, start, end = m.surface(match.start(), match.end())
            issuer = match.groupdict().get("issuer") or ""
            found.append({
                "type": _type_of(match["kind"], issuer),
                "number": match["number"],
                "year": int(match["year"]) if match["year"] else None,
                "text": text, "start": start, "end": end,
            })
    found.sort(key=lambda r: r["start"])
    return found

"""Countries (ISO 3166 alpha-2) and places from names and adjectives in ar, fr, en.

Country names come from CLDR through babel (`Locale(lang).territories`), adjectives are
derived from them by rule (Arabic nisba ـي/ـية/ـيون/ـيين, French -ien/-ienne/-ais/-ain...,
English -an/-ian/-i/-ese) with the exceptions in toolkit/data/countries.json; cities and
regions come from `toolkit.extract.geo` (GeoNames, ISO 3166-2). Arabic words may carry the
clitics و ف ب ل ك and the article (بليبيا، لليبيا، والليبية).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from toolkit.extract.lexicon import load, trie_pattern
from toolkit.extract.normalise import Matchable, fold_accents, norm

_ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")
_AR_PREFIX = r"(?P<pre>(?:[وف]?(?:بال|كال|لل|ال|ب|ل|ك)|[وف])?)"


@dataclass(frozen=True)
class Entry:
    code: str
    kind: str  # "country", "adjective" or "place"
    lang: str
    canonical: str = ""


def _arabic_key(name: str) -> str:
    """The bare form of an Arabic name: normalised letters, no article."""
    key = norm(name)
    # «ألمانيا», «ألبانيا»: a hamza on the alef says the letters are no article.
    article = key.startswith("ال") and not name.strip().startswith(("أل", "إل"))
    return key[2:] if article and len(key) > 4 else key


def _nisba_stems(bare: str) -> list[str]:
    if " " in bare or bare.endswith("ي"):
        return []
    if bare.endswith("يا"):
        return [bare[:-1]]
    if bare.endswith(("ا", "ة")):
        return [bare[:-1] + "ي"]
    return [bare + "ي"]


def _arabic_inflections(stem: str) -> list[str]:
    if not stem.endswith("ي"):
        return [stem]
    return [stem + s for s in ("", "ة", "ون", "ين", "ان", "تين", "تان", "ات")]


def _french_masculines(name: str) -> list[str]:
    base = name.lower()
    if " " in base or "-" in base:
        return []
    out = []
    if base.endswith(("ye", "ie")):
        out.append(base[:-1] + "en")
    elif base.endswith("e"):
        out += [base[:-1] + "ien", base[:-1] + "ais", base[:-1] + "ois"]
    elif base[-1] in "aiou":
        out += [base + "en", base[:-1] + "ien", base[:-1] + "ain", base + "lais", base + "n"]
    else:
        out += [base + "ien", base + "ais", base + "ain", base + "i", base + "ois"]
    return [w for w in out if len(w) >= 5]


def _french_inflections(masculine: str) -> list[str]:
    forms = [masculine, masculine + "s"]
    if masculine.endswith("en"):
        forms += [masculine + "ne", masculine + "nes"]
    elif masculine.endswith("s"):
        forms = [masculine, masculine + "e", masculine + "es"]
    elif not masculine.endswith("e"):
        forms += [masculine + "e", masculine + "es"]
    return forms


def _english_adjectives(name: str) -> list[str]:
    if " " in name or len(name) < 4:
        return []
    if name.endswith("a"):
        out = [name + "n"]
    elif name.endswith(("y", "e")):
        out = [name[:-1] + "ian"]
    elif name.endswith("o"):
        out = [name[:-1] + "an", name + "an"]
    else:
        out = [name + "ian", name + "i", name + "ese", name + "an"]
    return out


def _english_inflections(adjective: str) -> list[str]:
    return [adjective] if adjective.endswith(("ese", "ish", "ch", "ss")) else [adjective,
                                                                              adjective + "s"]


@lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, Entry]]:
    """Per script: matching form -> entry. 'ar' forms are bare and normalised; 'latin'
    forms keep their case (English) or are folded (French adjectives, key 'fr_adj')."""
    from babel import Locale

    data = load("countries")
    excluded = set(data["exclude_codes"])
    ambiguous = {lang: {norm(w) for w in words} for lang, words in data["ambiguous"].items()}
    ar: dict[str, Entry] = {}
    latin: dict[str, Entry] = {}
    fr_adj: dict[str, Entry] = {}

    def add_name(lang: str, code: str, name: str, kind: str = "country") -> None:
        if lang == "ar":
            ar.setdefault(_arabic_key(name), Entry(code, kind, lang, name))
        else:
            for form in {name, name.upper()} if kind != "adjective" else {name}:
                latin.setdefault(form, Entry(code, kind, lang, name))

    for lang in ("ar", "fr", "en"):
        territories = Locale(lang).territories
        for code, name in sorted(territories.items()):
            if len(code) != 2 or not code.isalpha() or code in excluded:
                continue
            name = re.sub(r"[\u064b-\u065f]", "", name)
            if norm(name) in ambiguous[lang]:
                continue
            add_name(lang, code, name)
            _add_adjectives(lang, code, name, ar, latin, fr_adj)
    for code, by_lang in sorted(data["aliases"].items()):
        for lang, names in by_lang.items():
            for name in names:
                add_name(lang, code, name)
    for code, by_lang in sorted(data["adjectives"].items()):
        for lang, words in by_lang.items():
            for word in words:
                _add_adjective_forms(lang, code, word, ar, latin, fr_adj, override=True)
    return {"ar": ar, "latin": latin, "fr_adj": fr_adj}


def _add_adjectives(lang, code, name, ar, latin, fr_adj) -> None:
    if lang == "ar":
        for stem in _nisba_stems(_arabic_key(name)):
            _add_adjective_forms(lang, code, stem, ar, latin, fr_adj, keyed=True)
    elif lang == "fr":
        for masculine in _french_masculines(name):
            _add_adjective_forms(lang, code, masculine, ar, latin, fr_adj)
    else:
        for adjective in _english_adjectives(name):
            _add_adjective_forms(lang, code, adjective, ar, latin, fr_adj)


def _add_adjective_forms(lang, code, word, ar, latin, fr_adj, override=False,
                         keyed=False) -> None:
    entry = Entry(code, "adjective", lang, word)
    if lang == "ar":  # a stem made from a key keeps its letters («الماني» from «ألمانيا»)
        forms = _arabic_inflections(word if keyed else _arabic_key(word))
        target = ar
    elif lang == "fr":
        forms = [fold_accents(f) for f in _french_inflections(word.lower())]
        target = fr_adj
    else:
        forms = _english_inflections(word)
        target = latin
    for form in forms:
        if override:
            target[form] = entry
        else:
            target.setdefault(form, entry)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    index = _index()

    alternation = trie_pattern

    return {
        "ar": re.compile(rf"(?<!\w){_AR_PREFIX}(?P<core>{alternation(index['ar'])})(?!\w)"),
        "latin": re.compile(rf"(?<![\w])(?P<core>{alternation(index['latin'])})(?![\w])"),
        "fr_adj": re.compile(r"(?i)(?<![\w-])(?P<core>\w+)(?![\w-])"),
    }


@dataclass
class Mention:
    code: str
    kind: str
    start: int
    end: int


def find_mentions(m: Matchable) -> list[Mention]:
    """Country names, adjectives and gazetteer places, non-overlapping, in order."""
    index = _index()
    pats = _patterns()
    found: list[Mention] = []
    text = m.text
    if _ARABIC_LETTERS.search(text):
        for match in pats["ar"].finditer(text):
            entry = index["ar"][" ".join(match["core"].split())]
            core_start = match.start("core")
            if match["pre"].endswith("ال") or match["pre"].endswith("لل"):
                core_start -= 2 if match["pre"].endswith("ال") else 1
            found.append(Mention(entry.code, entry.kind, core_start, match.end()))
    for match in pats["latin"].finditer(text):
        entry = index["latin"][match["core"]]
        found.append(Mention(entry.code, entry.kind, match.start(), match.end()))
    found += _geo_places(text, found)
    taken = [(f.start, f.end) for f in found]
    for match in re.finditer(r"(?<![\w-])[^\W\d_]{4,}(?![\w-])", text):
        entry = index["fr_adj"].get(fold_accents(match.group(0).lower()))
        if entry and all(match.end() <= s or match.start() >= e for s, e in taken):
            found.append(Mention(entry.code, "adjective", match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    return found


def _geo_places(text: str, found: list[Mention]) -> list[Mention]:
    """Cities and regions `toolkit.extract.geo` knows, outside the spans already found: runs
    of up to four capitalised Latin words ("Ras Jedir", "La Chaux-de-Fonds") and of up to
    three Arabic words, clitics allowed («وبنغازي»)."""
    taken = [(f.start, f.end) for f in found]
    out = []
    words = list(_WORD.finditer(text))
    i = 0
    while i < len(words):
        hit = _longest_place(text, words, i)
        if hit is None:
            i += 1
            continue
        start, end, n, place = hit
        if all(end <= s or start >= e for s, e in taken):
            out.append(Mention(place.country, "place", start, end))
        i += n
    return out


def _longest_place(text: str, words: list, i: int):
    from toolkit.extract import geo

    first = words[i].group()
    arabic = bool(_ARABIC_LETTERS.match(first))
    if not arabic and not first[0].isupper():
        return None
    for n in range(min(_PLACE_WORDS[arabic], len(words) - i), 0, -1):
        last = words[i + n - 1]
        span = text[words[i].start():last.end()]
        if not _PLAIN_SPAN.fullmatch(span) or (not arabic and not last.group()[0].isupper()):
            continue
        place = geo.lookup(span, "ar" if arabic else None)
        if place is None or place.kind not in ("city", "region") or not place.country:
            continue
        start = words[i].start() + (_clitic_length(span) if arabic else 0)
        return start, last.end(), n, place
    return None


_WORD = re.compile(r"[^\W\d_]+")  # "Tripoli-Sirte" and "Washington's" hold a place's words
_PLACE_WORDS = {False: 4, True: 3}  # longest name tried, in Latin and in Arabic words
_PLAIN_SPAN = re.compile(r"[^\W\d_]+(?:[ '’-]+[^\W\d_]+)*")  # words on one line, no stops


def _clitic_length(word: str) -> int:
    """Letters before the name proper in «وطرابلس» (1), «بالقاهرة» (1: the article stays)."""
    from toolkit.extract import geo

    for candidate in geo.arabic_candidates(word)[1:]:
        if geo.lookup(candidate, "ar"):
            cut = len(word) - len(candidate)
            return cut - 2 if word[:cut].endswith("ال") else cut
    return 0


def arabic_entry(word: str) -> Entry | None:
    """The country, adjective or place an Arabic word names, clitics and article allowed."""
    from toolkit.extract.geo import arabic_candidates

    index = _index()["ar"]
    for candidate in arabic_candidates(word):
        entry = index.get(candidate)
        if entry:
            return entry
    return _geo_entry(word, "ar")


def country_alias(name: str) -> str | None:
    """The country a CLDR name or an alias of toolkit/data/countries.json names ("Britain",
    "U.S.", «بريطانيا», clitics allowed), which the geo index may lack; else None."""
    from toolkit.extract.geo import arabic_candidates

    index = _index()
    if _ARABIC_LETTERS.search(name):
        entries = [index["ar"].get(_arabic_key(c)) for c in arabic_candidates(name)]
    else:
        entries = [index["latin"].get(name.strip())]
    return next((e.code for e in entries if e is not None and e.kind == "country"), None)


def latin_place(word: str) -> bool:
    """A country or city name in Latin script ('Libya', 'Tunis')."""
    entry = _index()["latin"].get(word)
    if entry is not None:
        return entry.kind != "adjective"
    return word[:1].isupper() and _geo_entry(word, None) is not None


def _geo_entry(name: str, lang: str | None) -> Entry | None:
    """A city of WELL_KNOWN_TOWN people or more (or one of the hand-checked towns) that
    `toolkit.extract.geo` knows, as an entry of kind "place": the rules for people and
    organisations ask whether a word is a place, and a small town's name is as often a
    family name ("Salem", "Menfi")."""
    from toolkit.extract import geo

    place = geo.lookup(name, lang)
    if place is None or place.kind != "city" or (place.population or WELL_KNOWN_TOWN) < (
            WELL_KNOWN_TOWN):
        return None
    return Entry(place.country, "place", lang or "", place.name)


WELL_KNOWN_TOWN = 100_000


def country_adjective(word: str) -> bool:
    """A country adjective in Arabic, French or English («الليبي», 'libyens', 'Sudanese')."""
    from toolkit.extract.normalise import is_arabic

    return arabic_adjective(word) if is_arabic(word) else is_adjective(word)


def arabic_adjective(word: str) -> bool:
    """An Arabic country adjective, clitics and article allowed («الليبية», «سوداني»)."""
    entry = arabic_entry(word)
    return entry is not None and entry.kind == "adjective"


def is_adjective(word: str) -> bool:
    """A French or English country adjective ('italien', 'marocain', 'Turkish')."""
    index = _index()
    entry = index["fr_adj"].get(fold_accents(word.lower())) or index["latin"].get(word)
    return entry is not None and entry.kind == "adjective"

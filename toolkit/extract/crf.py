"""A CRF tagger (python-crfsuite) for NER where it beat spaCy on the dev split: Arabic.

Features per token: the word, its shape, 2-3 letter prefixes and suffixes (Arabic clitics
and the article sit there), its stem without the clitics (`split_clitics`: «وبالعراق» and
«العراق» share «عراق») with the stem's own affixes, the words, stems and shapes around it,
and lexicon features in named groups (`GROUPS`; a model's meta.json lists those it was
trained with): "gaz" (a known name or place, one feature: the first models), "places" (the
geo index: a country, region or city and how large; a country's name or adjective), "names"
(the person-name table of arabic-name-romanizer: given name or surname, how many people bear
it), "words" (with "names": how common that name is as a plain word), "orgs" (an organisation
head noun, toolkit/data/organisations.json), "roles" (a role head or an honorific,
toolkit/data/roles.json) and "context" (the lexicon features of the words either side).
The same functions build the training features (tools/ner/train.py) and the run-time ones.
Each entity comes with a confidence, the mean marginal probability of its tags; the model's
meta.json may set a floor per label under which an entity is dropped.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

from toolkit.extract.normalise import norm

# a final "." stays on a Latin word ("Dr.", "U.S."): an Arabic word or a number ends before it,
# as ANERcorp's tokens do («في طرابلس.» is «طرابلس» and «.»)
TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*(?:(?<=[A-Za-z])\.)?|[^\w\s]")


GROUPS = ("gaz", "places", "names", "words", "orgs", "roles", "context")
LEGACY = ("gaz",)  # the groups of a model whose meta.json lists none


@cache
def listed_names() -> frozenset[str]:
    from toolkit.extract.lexicon import load

    return frozenset(norm(w) for lang in ("ar", "latin") for w in load("names")[lang])


@cache
def gazetteer() -> frozenset[str]:
    """Known names and country names (and adjectives), one set: the "gaz" group."""
    index = country_index()
    return listed_names() | {norm(w) for lang in ("ar", "latin") for w in index[lang]}


@cache
def org_heads() -> frozenset[str]:
    from toolkit.extract.lexicon import load

    data = load("organisations")
    return frozenset(norm(w) for w in data["ar_heads"] + data["ar_generic"])


@cache
def role_words() -> dict[str, str]:
    """Normalised Arabic role heads («وزير») and honorifics («السيد»), toolkit/data/roles.json."""
    from toolkit.extract.lexicon import load

    data = load("roles")
    return {**{norm(w): "head" for w in data["ar_heads"]},
            **{norm(w): "honorific" for w in data["ar_honorifics"]}}


def places_index() -> dict:
    from toolkit.extract.geo import _index

    return _index()


def country_index() -> dict:
    from toolkit.extract.places import _index

    return _index()


def place_features(word: str, forms: tuple[str, ...]) -> list[str]:
    """What the geo index says `word` names (a country, a region, a city and how large) and
    whether it is a country's name or adjective («العراقي») in the country index."""
    from toolkit.extract.geo import lookup

    place = lookup(word)
    found = [f"place={place.kind if place else 'none'}"]
    if place and place.population:
        found.append(f"place-pop={len(str(place.population))}")  # digits: log10 + 1
    countries = country_index()
    entry = next((countries[lang][f] for f in forms for lang in ("ar", "latin")
                  if f in countries[lang]), None)
    return found + [f"nation={entry.kind if entry else 'none'}"]


def names_table() -> Path:
    from importlib.resources import files

    return Path(str(files("arabic_name_romanizer") / "resources" / "names.sqlite3"))


def name_key(word: str) -> str:
    """A word as names.sqlite3 spells its keys: normalised, ة written ه."""
    return norm(word).replace("ة", "ه")


@cache
def person_names() -> dict[str, tuple[str, ...]]:
    """One-word name key -> its features: each role (given, surname) that holds at least a
    quarter of the people bearing it, else "unknown", and log2 of their number, from the
    `units` table of arabic-name-romanizer's names.sqlite3 (Wikidata people and Algerian
    name lists, CC0/MIT; docs/extract.md), plus how common the key is as a plain word
    (`word_commonness`: «امل», «جمال», «سعيد» are words too)."""
    import sqlite3

    counts: dict[str, dict[str, int]] = {}
    uri = f"file:{names_table()}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        rows = db.execute("SELECT arabic_key, role, SUM(count) FROM units "
                          "WHERE instr(arabic_key, ' ') = 0 GROUP BY arabic_key, role")
        for key, role, count in rows:
            counts.setdefault(key, {})[role] = count
    common = word_commonness()
    table = {}
    for key, roles in counts.items():
        total = sum(roles.values())
        known = [r for r in ("given", "surname") if roles.get(r, 0) * 4 >= total]
        table[key] = tuple(f"name={r}" for r in known or ["unknown"]) + (
            f"name-n={min(total.bit_length(), 10)}", f"name-word={common.get(key, 0)}")
    return table


COMMONNESS_FILE = "ar_name_words"  # toolkit/data/<this>.json, tools/ner/name_words.py


@cache
def word_commonness() -> dict[str, int]:
    """Name key -> its Zipf frequency as an Arabic word, rounded (wordfreq; only the keys
    at 2.5 or more: 3 is a word seen once per million words)."""
    from toolkit.extract.lexicon import load

    return load(COMMONNESS_FILE)["zipf"]


def name_features(key: str, stem: str) -> tuple[str, ...]:
    table = person_names()
    for form in (key, stem, "ال" + stem):
        found = table.get(name_key(form))
        if found:
            return found
    return ("name=none",)


_UPPER, _LOWER, _DIGIT, _RUN = (re.compile(p) for p in (r"[A-Z]", r"[a-z]", r"\d", r"(.)\1+"))


@lru_cache(maxsize=65536)
def shape(word: str) -> str:
    s = _DIGIT.sub("d", _LOWER.sub("x", _UPPER.sub("X", word)))
    return _RUN.sub(r"\1\1", s)


_CLITICS = re.compile(r"^[وف]?(?:لل|[بك]?ال|[بلك])?")


@lru_cache(maxsize=65536)
def split_clitics(word: str) -> tuple[str, str]:
    """(clitics, stem) of a normalised word: «وبالعراق» -> ("وبال", «عراق»), «للأمم» ->
    ("لل", «امم»). The longest cut that leaves a stem of 3 letters or more."""
    key = norm(word)
    cut = _CLITICS.match(key).end()
    while cut and len(key) - cut < 3:
        cut -= 1
    return key[:cut], key[cut:]


@lru_cache(maxsize=65536)
def _own(word: str, groups: tuple[str, ...]) -> tuple[str, ...]:
    """The features of a word on its own (the same wherever it stands)."""
    low = word.lower()
    clitics, stem = split_clitics(word)
    lexical = _lexical(word, groups)
    gaz = [f for f in lexical if f.startswith("gaz")]  # where the first models had them:
    others = [f for f in lexical if not f.startswith("gaz")]  # crfsuite reads them in order
    return (f"w={low}", f"shape={shape(word)}", f"p2={low[:2]}", f"p3={low[:3]}",
            f"s2={low[-2:]}", f"s3={low[-3:]}", f"title={word.istitle()}",
            f"upper={word.isupper()}", *gaz[:2], f"stem={stem}", f"pre={clitics}", *gaz[2:],
            f"sp2={stem[:2]}", f"sp3={stem[:3]}", f"ss1={stem[-1:]}", f"ss2={stem[-2:]}",
            f"ss3={stem[-3:]}", *others)


@lru_cache(maxsize=65536)
def _lexical(word: str, groups: tuple[str, ...]) -> tuple[str, ...]:
    """The word's lexicon features, of the `groups` asked for."""
    key = norm(word)
    bare = key[2:] if key.startswith("ال") else ""
    stem = split_clitics(word)[1]
    found = []
    if "gaz" in groups:
        found += _in_table("gaz", gazetteer(), key, bare, stem)
    if "places" in groups:
        found += place_features(word, (key, bare, stem, "ال" + stem))
    if "names" in groups:
        found += [f for f in name_features(key, stem)
                  if "words" in groups or not f.startswith("name-word=")]
    if "orgs" in groups:
        heads = org_heads()
        found.append(f"orghead={key in heads or stem in heads}")
    if "roles" in groups:
        roles = role_words()
        found.append(f"role={roles.get(key) or roles.get(stem) or roles.get('ال' + stem)}")
    return tuple(found)


def _in_table(name: str, table: frozenset[str], key: str, bare: str, stem: str) -> list[str]:
    return [f"{name}={key in table}", f"{name}-al={bool(bare) and bare in table}",
            f"{name}-stem={stem in table or 'ال' + stem in table}"]


def _lexical_at(words: list[str], i: int, tag: str, groups: tuple[str, ...]) -> list[str]:
    if not 0 <= i < len(words):
        return [f"{tag}<>"]
    return [f"{tag}{x}" for x in _lexical(words[i], groups)]


def load_lexicons(groups: tuple[str, ...]) -> None:
    """Read the lexicons of `groups` now (with the model) rather than on the first text."""
    loaders = {"gaz": [gazetteer], "places": [places_index, country_index],
               "names": [person_names], "words": [word_commonness], "orgs": [org_heads],
               "roles": [role_words]}
    for group in groups:
        for load in loaders.get(group, []):
            load()


def features(words: list[str], groups: tuple[str, ...]) -> list[list[str]]:
    """Each word's features; `groups`: the lexicon groups (`GROUPS`) the model knows."""
    lows = ["<>", "<>"] + [w.lower() for w in words] + ["<>", "<>"]
    stems = ["<>", "<>"] + [split_clitics(w)[1] for w in words] + ["<>", "<>"]
    shapes = ["<>"] + [shape(w) for w in words] + ["<>"]
    out = []
    for i, w in enumerate(words):
        f = list(_own(w, groups))
        f += [f"w-2={lows[i]}", f"w-1={lows[i + 1]}", f"w1={lows[i + 3]}", f"w2={lows[i + 4]}",
              f"st-2={stems[i]}", f"st-1={stems[i + 1]}", f"st1={stems[i + 3]}",
              f"st2={stems[i + 4]}", f"shape-1={shapes[i]}", f"shape1={shapes[i + 2]}"]
        if "context" in groups:  # the lexicon features of the words on either side
            for at in (-1, 1):
                f += _lexical_at(words, i + at, f"{at:+d}", groups)
        out.append(f)
    return out


class Tagger:
    """Entities (label, start, end) of a text, line by line.

    `settings` (else meta.json beside the model): "entity_probability", where a token the
    best path leaves outside every entity is in one all the same when the model gives it
    that probability of being in one (its likeliest type then); "min_confidence", per label,
    the confidence under which an entity is left out. `groups`: the lexicon feature groups
    the model was trained with (else meta.json's "features", else `LEGACY`)."""

    def __init__(self, path: Path, settings: dict | None = None,
                 groups: tuple[str, ...] | None = None):
        import pycrfsuite

        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        self._labels = frozenset(self._tagger.labels())
        meta_path = path.parent / "meta.json"
        meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
        settings = meta if settings is None else settings
        self.groups = tuple(groups or meta.get("features") or LEGACY)
        load_lexicons(self.groups)
        self.floors: dict[str, float] = settings.get("min_confidence") or {}
        self.entity_probability: float | None = settings.get("entity_probability")

    def entities(self, text: str) -> list[tuple[str, int, int]]:
        return [(label, start, end) for label, start, end, confidence in self.scored(text)
                if confidence >= self.floors.get(label, 0.0)]

    def scored(self, text: str) -> list[tuple[str, int, int, float]]:
        """Every entity the model finds, with the mean marginal probability of its tags."""
        found = []
        for line in re.finditer(r"[^\n]+", text):
            tokens = [(m.group(0), line.start() + m.start(), line.start() + m.end())
                      for m in TOKEN.finditer(line.group(0))]
            if tokens:
                found += self._line_entities(tokens)
        return found

    def _line_entities(self, tokens) -> list[tuple[str, int, int, float]]:
        tags = self._tagger.tag(features([t[0] for t in tokens], self.groups))
        if self.entity_probability is not None:
            tags = [self._posterior_tag(tag, i) for i, tag in enumerate(tags)]
        found, label, start, end, probs = [], None, 0, 0, []
        for i, ((_word, s, e), tag) in enumerate(zip(tokens, tags)):
            if label and (tag == "O" or tag.startswith("B-") or tag[2:] != label):
                found.append((label, start, end, sum(probs) / len(probs)))
                label = None
            if tag != "O":
                if label is None:
                    label, start, probs = tag[2:], s, []
                end = e
                probs.append(self._tagger.marginal(tag, i))
        if label:
            found.append((label, start, end, sum(probs) / len(probs)))
        return found

    def _posterior_tag(self, tag: str, i: int) -> str:
        """The best path's tag, or an entity's where the token is likely enough in one and
        one type holds most of that likelihood."""
        inside = 1.0 - self._tagger.marginal("O", i)
        if tag != "O" or inside < self.entity_probability:  # type: ignore[operator]
            return tag
        best, begin, mass = "", 0.0, 0.0
        for label in ("PER", "ORG", "LOC", "MISC"):
            b, i_ = (self._tagger.marginal(f"{p}-{label}", i) if f"{p}-{label}" in self._labels
                     else 0.0 for p in "BI")
            if b + i_ > mass:
                best, begin, mass = label, b, b + i_
        if mass <= inside / 2:
            return tag
        return ("B-" if begin >= mass - begin else "I-") + best

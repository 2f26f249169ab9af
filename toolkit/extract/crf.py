"""A CRF tagger (python-crfsuite) for NER where it beat spaCy on the dev split: Arabic.

Features per token: the word, its shape, 2-3 letter prefixes and suffixes (Arabic clitics
and the article sit there), its stem without the clitics (`split_clitics`: «وبالعراق» and
«العراق» share «عراق») with the stem's own affixes, whether it (or its stem) is a known name
or place (toolkit/data/names.json, the places index), and the words, stems and shapes around
it. The same functions build the training features (tools/ner/train.py) and the run-time
ones. Each entity comes with a confidence, the mean marginal probability of its tags; the
model's meta.json may set a floor per label under which an entity is dropped.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

from toolkit.extract.normalise import norm

TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*\.?|[^\w\s]")


@cache
def gazetteer() -> frozenset[str]:
    from toolkit.extract.lexicon import load
    from toolkit.extract.places import _index

    words = {norm(w) for lang in ("ar", "latin") for w in load("names")[lang]}
    index = _index()
    return frozenset(words | {norm(w) for lang in ("ar", "latin") for w in index[lang]})


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
def _own(word: str) -> tuple[str, ...]:
    """The features of a word on its own (the same wherever it stands)."""
    gaz = gazetteer()
    low, key = word.lower(), norm(word)
    bare = key[2:] if key.startswith("ال") else ""
    clitics, stem = split_clitics(word)
    return (f"w={low}", f"shape={shape(word)}", f"p2={low[:2]}", f"p3={low[:3]}",
            f"s2={low[-2:]}", f"s3={low[-3:]}", f"title={word.istitle()}",
            f"upper={word.isupper()}", f"gaz={key in gaz}", f"gaz-al={bool(bare) and bare in gaz}",
            f"stem={stem}", f"pre={clitics}", f"gaz-stem={stem in gaz or 'ال' + stem in gaz}",
            f"sp2={stem[:2]}", f"sp3={stem[:3]}", f"ss1={stem[-1:]}", f"ss2={stem[-2:]}",
            f"ss3={stem[-3:]}")


def features(words: list[str]) -> list[list[str]]:
    lows = ["<>", "<>"] + [w.lower() for w in words] + ["<>", "<>"]
    stems = ["<>", "<>"] + [split_clitics(w)[1] for w in words] + ["<>", "<>"]
    shapes = ["<>"] + [shape(w) for w in words] + ["<>"]
    out = []
    for i, w in enumerate(words):
        f = list(_own(w))
        f += [f"w-2={lows[i]}", f"w-1={lows[i + 1]}", f"w1={lows[i + 3]}", f"w2={lows[i + 4]}",
              f"st-2={stems[i]}", f"st-1={stems[i + 1]}", f"st1={stems[i + 3]}",
              f"st2={stems[i + 4]}", f"shape-1={shapes[i]}", f"shape1={shapes[i + 2]}"]
        out.append(f)
    return out


class Tagger:
    """Entities (label, start, end) of a text, line by line.

    `settings` (else meta.json beside the model): "entity_probability", where a token the
    best path leaves outside every entity is in one all the same when the model gives it
    that probability of being in one (its likeliest type then); "min_confidence", per label,
    the confidence under which an entity is left out."""

    def __init__(self, path: Path, settings: dict | None = None):
        import pycrfsuite

        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        self._labels = frozenset(self._tagger.labels())
        if settings is None:
            meta = path.parent / "meta.json"
            settings = json.loads(meta.read_text("utf-8")) if meta.exists() else {}
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
        tags = self._tagger.tag(features([t[0] for t in tokens]))
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

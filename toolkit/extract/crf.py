"""A CRF tagger (python-crfsuite) for NER where it beat spaCy on the dev split: Arabic.

Features per token: the word, its shape, 2-3 letter prefixes and suffixes (Arabic clitics
and the article sit there), whether it (or it without the article) is a known name or place
(toolkit/data/names.json, the places index), and the words and shapes around it. The same
functions build the training features (tools/ner/train.py) and the run-time ones.
"""

from __future__ import annotations

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


@lru_cache(maxsize=65536)
def _own(word: str) -> tuple[str, ...]:
    """The features of a word on its own (the same wherever it stands)."""
    gaz = gazetteer()
    low, key = word.lower(), norm(word)
    bare = key[2:] if key.startswith("ال") else ""
    return (f"w={low}", f"shape={shape(word)}", f"p2={low[:2]}", f"p3={low[:3]}",
            f"s2={low[-2:]}", f"s3={low[-3:]}", f"title={word.istitle()}",
            f"upper={word.isupper()}", f"gaz={key in gaz}", f"gaz-al={bool(bare) and bare in gaz}")


def features(words: list[str]) -> list[list[str]]:
    lows = ["<>", "<>"] + [w.lower() for w in words] + ["<>", "<>"]
    shapes = ["<>"] + [shape(w) for w in words] + ["<>"]
    out = []
    for i, w in enumerate(words):
        f = list(_own(w))
        f += [f"w-2={lows[i]}", f"w-1={lows[i + 1]}", f"w1={lows[i + 3]}", f"w2={lows[i + 4]}",
              f"shape-1={shapes[i]}", f"shape1={shapes[i + 2]}"]
        out.append(f)
    return out


class Tagger:
    """Entities (label, start, end) of a text, line by line."""

    def __init__(self, path: Path):
        import pycrfsuite

        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))

    def entities(self, text: str) -> list[tuple[str, int, int]]:
        found = []
        for line in re.finditer(r"[^\n]+", text):
            tokens = [(m.group(0), line.start() + m.start(), line.start() + m.end())
                      for m in TOKEN.finditer(line.group(0))]
            if not tokens:
                continue
            tags = self._tagger.tag(features([t[0] for t in tokens]))
            label, start, end = None, 0, 0
            for (word, s, e), tag in zip(tokens, tags):
                if label and (tag == "O" or tag.startswith("B-") or tag[2:] != label):
                    found.append((label, start, end))
                    label = None
                if tag != "O":
                    if label is None:
                        label, start = tag[2:], s
                    end = e
            if label:
                found.append((label, start, end))
        return found

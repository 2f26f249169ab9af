"""A CRF tagger (python-crfsuite) for NER where it beat spaCy on the dev split: Arabic.

Features per token: the word, its shape, 2-3 letter prefixes and suffixes (Arabic clitics
and the article sit there), whether it (or it without the article) is a known name or place
(toolkit/data/names.json, the places index), and the words and shapes around it. The same
functions build the training features (tools/ner/train.py) and the run-time ones.
"""

from __future__ import annotations

import re
from functools import cache
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


def shape(word: str) -> str:
    s = re.sub(r"[A-Z]", "X", word)
    s = re.sub(r"[a-z]", "x", s)
    s = re.sub(r"\d", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


def features(words: list[str]) -> list[list[str]]:
    gaz = gazetteer()
    out = []
    for i, w in enumerate(words):
        low, key = w.lower(), norm(w)
        bare = key[2:] if key.startswith("ال") else ""
        f = [f"w={low}", f"shape={shape(w)}", f"p2={low[:2]}", f"p3={low[:3]}",
             f"s2={low[-2:]}", f"s3={low[-3:]}", f"title={w.istitle()}", f"upper={w.isupper()}",
             f"gaz={key in gaz}", f"gaz-al={bool(bare) and bare in gaz}"]
        for d in (-2, -1, 1, 2):
            j = i + d
            f.append(f"w{d}={words[j].lower() if 0 <= j < len(words) else '<>'}")
        for d in (-1, 1):
            j = i + d
            f.append(f"shape{d}={shape(words[j]) if 0 <= j < len(words) else '<>'}")
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

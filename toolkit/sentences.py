"""The toolkit's one sentence splitter, offline, for Arabic, French and English.

Translation aligns sentence i of a text with sentence i of its translation, and
summaries point at sentences by index, so every stage must split the same way: this
module is the only place that decides where a sentence ends.

Rules: a line break always ends a sentence (headlines, list items); `.`, `!`, `?`,
`؟`, `…` end one when followed by space and a sentence start. Not an end: a known
abbreviation (M., Mme., Dr., U.S., art., n°...), a single initial, a number such as
5.3 (no space follows), a lower-case continuation in French or English (« ... » a-t-il
dit). Arabic ، and ؛ are clause marks, not ends.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


_END = re.compile(r"(?:\.{3}|[.!?؟…])+(?:[ \u00a0\u202f]?[\"'»”’)\]])*(?=\s)")
_LINE = re.compile(r"[^\n]+")
_SPACES = re.compile(r"\s*")


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, frozenset[str]]:
    data = json.loads(resources.files("toolkit.data").joinpath("abbreviations.json").read_text("utf-8"))
    return {lang: frozenset(word.lower() for word in words) for lang, words in data.items()}


def abbreviations(lang: str | None) -> frozenset[str]:
    table = _abbreviations()
    if lang in table:
        return table[lang] | table["common"]
    return frozenset().union(*table.values())


def split_sentences(text: str, lang: str | None = None) -> list[Sentence]:
    """Sentences of `text` with their character offsets, in order.

    Whitespace between sentences belongs to none of them, so replacing each sentence
    span with its translation keeps paragraphs and line breaks.
    """
    known = abbreviations(lang)
    sentences: list[Sentence] = []
    for line in _LINE.finditer(text):
        start = line.start()
        for end in _ends_in_line(text, line.start(), line.end(), known):
            _append(sentences, text, start, end)
            start = end
        _append(sentences, text, start, line.end())
    return sentences


def _ends_in_line(text: str, begin: int, stop: int, known: frozenset[str]):
    for match in _END.finditer(text, begin, stop):
        # Look only as far as needed on either side: a long line must cost linear time.
        following = _SPACES.match(text, match.end(), stop).end()
        if following == stop:
            continue
        if _is_end(text, begin, match, text[following], known):
            yield match.end()


def _is_end(text: str, begin: int, match: re.Match, nxt: str, known: frozenset[str]) -> bool:
    if nxt.islower():
        return False
    if not match.group().startswith("."):
        return True
    word = _word_before(text, begin, match.start())
    if not word:
        return True
    token = word.lower()
    if token.lstrip("(«\"'") in known:
        return False
    # An initial ("J. Smith", "A.-M.") or a dotted acronym ("U.N.").
    letters = token.replace(".", "").replace("-", "")
    initial = len(letters) == 1 and letters.isalpha()
    acronym = "." in token and all(len(p) <= 1 and p.isalpha() for p in token.split(".") if p)
    return not ((initial or acronym) and nxt.isupper())


def _word_before(text: str, begin: int, end: int) -> str:
    r"""The run of word characters, dots, apostrophes and hyphens that ends at `end` (what
    `([\w.'’-]+)$` finds), read backwards from `end` instead of searched from `begin`."""
    start = end
    while start > begin and (text[start - 1].isalnum() or text[start - 1] in "_.'’-"):
        start -= 1
    return text[start:end]


def _append(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        offset = start + (len(chunk) - len(chunk.lstrip()))
        sentences.append(Sentence(offset, offset + len(stripped), stripped))


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a record's text: blocks separated by blank lines."""
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]

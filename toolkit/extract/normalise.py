"""Matching text: a normalised copy of a text that remembers where each character came from.

Rules match against the normalised copy (Arabic-Indic and Persian digits as ASCII, alef and
hamza forms unified, ى as ي, diacritics and tatweel dropped, typographic quotes and dashes
plain) and report offsets into the original, so every value keeps its surface form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_DIGITS = {**{chr(0x0660 + i): str(i) for i in range(10)},
           **{chr(0x06F0 + i): str(i) for i in range(10)}}
_LETTERS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ک": "ك",
            "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2013": "-", "\u2014": "-",
            "\u00a0": " ", "\u202f": " ", "\u066b": ".", "\u066c": ","}
_MAP = {**_DIGITS, **_LETTERS}
_DROP = re.compile(r"[\u064b-\u065f\u0670\u0640\u200c-\u200f\u061c]")  # tashkeel, tatweel, marks


def _dropped(char: str) -> bool:
    return bool(_DROP.match(char))


@dataclass
class Matchable:
    """`text` is the normalised copy; `origin[i]` is the original index of text[i]."""

    source: str
    text: str
    origin: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalised span [start, end)."""
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else len(self.source)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1

    def surface(self, start: int, end: int) -> tuple[str, int, int]:
        s, e = self.span(start, end)
        return self.source[s:e], s, e


_TABLE = str.maketrans(_MAP)
_DROP_SET = frozenset(chr(c) for c in [*range(0x064B, 0x0660), 0x0670, 0x0640,
                                       *range(0x200C, 0x2010), 0x061C])


def matchable(text: str) -> Matchable:
    if not _DROP.search(text):
        return Matchable(text, text.translate(_TABLE), list(range(len(text))))
    origin = [i for i, char in enumerate(text) if char not in _DROP_SET]
    kept = "".join(text[i] for i in origin)
    return Matchable(text, kept.translate(_TABLE), origin)


@lru_cache(maxsize=65536)
def norm(value: str) -> str:
    """A key for comparing names: normalised letters, case-folded, spaces squeezed."""
    value = unicodedata.normalize("NFC", value)
    value = "".join(_MAP.get(c, c) for c in value if not _dropped(c))
    value = re.sub(r"[\"'«»“”()\[\].,،:;]", " ", value)
    return " ".join(value.casefold().split())


@lru_cache(maxsize=65536)
def fold_accents(value: str) -> str:
    """Latin keys without accents ('Égypte' -> 'Egypte') for lookups."""
    decomposed = unicodedata.normalize("NFD", value)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed
                                                if not unicodedata.combining(c)))


ARABIC = re.compile(r"[\u0600-\u06ff]")


def is_arabic(text: str) -> bool:
    return bool(ARABIC.search(text))

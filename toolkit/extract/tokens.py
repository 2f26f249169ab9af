"""Word and punctuation tokens with offsets in the matchable text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_TOKEN = re.compile(r"\n|\d+\+\d+|\w[\w'’-]*|[^\w\s]")
CLAUSE_END = frozenset(".!?؟:;؛\n()[]«»\"“”")


class Token(NamedTuple):  # a tuple: the rules make thousands per document
    text: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()


def tokenize(text: str) -> list[Token]:
    return list(_tokens(text))


@lru_cache(maxsize=32)  # people and organisations read the same text
def _tokens(text: str) -> tuple[Token, ...]:
    return tuple(Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text))

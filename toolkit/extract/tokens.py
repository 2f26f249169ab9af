"""Word and punctuation tokens with offsets in the matchable text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\n|\d+\+\d+|\w[\w'’-]*|[^\w\s]")
CLAUSE_END = frozenset(".!?؟:;؛\n()[]«»\"“”")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]

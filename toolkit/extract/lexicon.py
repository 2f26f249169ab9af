"""The data files rules read (toolkit/data/*.json), loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> Any:
    path = resources.files("toolkit.data").joinpath(f"{name}.json")
    return json.loads(path.read_text("utf-8"))


def alternation(words, *, boundary: bool = True) -> str:
    """A regex alternation of literal words, longest first so 'كانون الثاني' beats 'كانون'."""
    import re

    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)
    return f"(?:{body})"


def trie_pattern(words) -> str:
    """A regex matching any of `words`, built as a prefix tree so the engine tries one
    branch per character instead of thousands of alternatives (country and city names).
    Spaces in a word match any run of whitespace; longer words win over their prefixes."""
    import re

    root: dict = {}
    for word in set(words):
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:
        ends = "" in node
        branches = []
        for char in sorted(k for k in node if k):
            atom = r"\s+" if char == " " else re.escape(char)
            branches.append(atom + render(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        if len(branches) > 1 and not ends:
            return body
        return f"(?:{'|'.join(branches)})?" if ends else body

    return "(?:" + render(root) + ")"

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

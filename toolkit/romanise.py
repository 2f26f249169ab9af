"""Arabic personal names in Latin letters, offline: `romanise_name("خليفة حفتر")` -> "Khalifa Haftar".

Backed by arabic-name-romanizer (MIT, UNICEF): a dictionary of about 60,000 attested
spellings (Wikidata and civil records), then a small character-level model (ONNX,
shipped inside the wheel) for words nobody spelled, then rules. Nothing is downloaded.
Measured on 169 names of public figures against their usual English press spelling
(tests/eval/eval_romanise.py): see the README.

The library (and onnxruntime, for unseen words) is imported on first use only.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF]")


def has_arabic(text: str) -> bool:
    return bool(_ARABIC_LETTER.search(text or ""))


@lru_cache(maxsize=4096)
def romanise_name(name: str) -> str:
    """The likely English spelling of an Arabic personal name; a name with no Arabic letter
    comes back unchanged."""
    name = " ".join((name or "").split())
    if not has_arabic(name):
        return name
    from arabic_name_romanizer import transliterate

    return " ".join(str(transliterate(name)).split())


def fill_name_en(people: list[dict]) -> None:
    """Give each Arabic-script person without an English name (no aligned translation
    named them) its romanised name."""
    for person in people:
        if not person.get("name_en") and has_arabic(person.get("name") or ""):
            person["name_en"] = romanise_name(person["name"])

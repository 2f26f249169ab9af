"""Write toolkit/data/given_names.json: Latin-script given names common to many countries.

    python tools/ner/given_names.py

The names are Faker's (a dev dependency; MIT licence): its person providers list the given
names of 86 locales, drawn from national name statistics. A name is kept when at least
MIN_LOCALES locales list it ("Laurent", "Mauro", "Sigurd" are; a name of one country only
is not) and it is rare as an English word (wordfreq Zipf below MAX_ZIPF: "Will", "May",
"Rose", "Paris", "China" are names in some locale but words or places first). wordfreq folds
case, so the commonest names ("John", "Jean", "Ali") are out too: the models know those.
combine.given_name_people reads it: "Mauro Trentino", which the English model read as an
organisation in a results list, starts with a given name and is a person.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "toolkit" / "data" / "given_names.json"
MIN_LOCALES = 3
MAX_ZIPF = 4.0
GIVEN_ATTRS = ("first_names", "first_names_male", "first_names_female")
LATIN_NAME = re.compile(r"[A-Z][a-zà-ÿ]+")


def locale_counts() -> Counter:
    """Given name -> how many of Faker's person locales list it."""
    from faker.providers import person

    counts: Counter = Counter()
    for module in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"{person.__name__}.{module.name}"),
                           "Provider", None)
        if provider is None:
            continue
        names: set[str] = set()
        for attr in GIVEN_ATTRS:
            value = provider.__dict__.get(attr)  # own lists, not the inherited default
            if isinstance(value, (dict, list, tuple, set)):
                names.update(value)
        counts.update(names)
    return counts


def main() -> int:
    import faker
    from wordfreq import zipf_frequency

    counts = locale_counts()
    names = sorted(n for n, c in counts.items() if c >= MIN_LOCALES and LATIN_NAME.fullmatch(n)
                   and zipf_frequency(n.lower(), "en") < MAX_ZIPF)
    TARGET.write_text(json.dumps({
        "_doc": f"Latin-script given names listed by at least {MIN_LOCALES} of Faker's person "
                f"locales and rarer than Zipf {MAX_ZIPF} as English words "
                "(tools/ner/given_names.py).",
        "_source": f"Faker {faker.VERSION} (MIT licence), faker/providers/person/*",
        "names": names}, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {len(names)} names", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

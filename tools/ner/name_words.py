"""Write toolkit/data/ar_name_words.json: how common each one-word Arabic name of
arabic-name-romanizer's names.sqlite3 is as a plain word (wordfreq, a dev dependency).

    python tools/ner/name_words.py

«امل» (hope), «جمال» (beauty), «سعيد» (happy) are names and words; the CRF's "names" features
(toolkit/extract/crf.py) carry the word's Zipf frequency so that the model can weigh them.
tools/ner/train.py runs this before training the Arabic CRF. wordfreq's data is CC BY-SA 4.0:
the file says so and is shared alike.
"""

from __future__ import annotations

import json
import math
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from toolkit.extract.crf import COMMONNESS_FILE, name_key, names_table

TARGET = ROOT / "toolkit" / "data" / f"{COMMONNESS_FILE}.json"
MIN_ZIPF = 2.5  # rarer than about once in three million words: counted as no word (0)


def name_keys() -> set[str]:
    with sqlite3.connect(f"file:{names_table()}?mode=ro", uri=True) as db:
        return {key for (key,) in db.execute(
            "SELECT DISTINCT arabic_key FROM units WHERE instr(arabic_key, ' ') = 0")}


def zipf_by_key() -> dict[str, float]:
    """Name key -> Zipf frequency summed over every Arabic word that reads as that key
    («أمل», «امل» and «آمل» all count for «امل»)."""
    from wordfreq import get_frequency_dict

    sums: dict[str, float] = defaultdict(float)
    for word, freq in get_frequency_dict("ar").items():
        sums[name_key(word)] += freq
    return {key: math.log10(freq) + 9 for key, freq in sums.items() if freq > 0}


def build() -> dict[str, int]:
    zipf = zipf_by_key()
    return {key: round(zipf[key]) for key in sorted(name_keys())
            if zipf.get(key, 0.0) >= MIN_ZIPF}


def main() -> int:
    from importlib.metadata import PackageNotFoundError, version

    try:
        wordfreq_version = version("wordfreq")
    except PackageNotFoundError:
        print(f"name_words: wordfreq missing (pip install -e .[dev]); {TARGET.name} kept",
              file=sys.stderr)
        return 1
    words = build()
    TARGET.write_text(json.dumps({
        "_doc": "One-word Arabic name keys of arabic-name-romanizer's names.sqlite3 and "
                f"their Zipf frequency as a word (wordfreq {wordfreq_version}, rounded; "
                f"only those at {MIN_ZIPF} or more). Written by tools/ner/name_words.py. "
                "Derived from wordfreq's data: CC BY-SA 4.0 (Robyn Speer et al., "
                "https://github.com/rspeer/wordfreq), so this file is CC BY-SA 4.0 too.",
        "zipf": words}, ensure_ascii=False, indent=0, sort_keys=True) + "\n", "utf-8")
    print(f"name_words: {len(words)} names that are words too -> {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Romanised Arabic names against their usual English press spellings.

    python tests/eval/eval_romanise.py                 # the toolkit's romanise_name
    python tests/eval/eval_romanise.py --candidate arabic-name-romanizer --show-misses

The list (tests/eval/arabic_names_press.tsv) was written before any candidate ran on it.
exact: equal to one accepted spelling, ignoring case. fuzzy: character similarity
(difflib ratio) >= 0.85 to one accepted spelling after folding case, accents, hyphens
and apostrophes. Candidates other than `toolkit` need their package installed.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import unicodedata
from pathlib import Path

LIST = Path(__file__).with_name("arabic_names_press.tsv")
FUZZY_THRESHOLD = 0.85


def load_names(path: Path = LIST) -> list[tuple[str, list[str]]]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "arabic\t")):
            continue
        arabic, spellings = line.split("\t")
        rows.append((arabic, spellings.split("|")))
    return rows


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().replace("-", " ").replace("'", "").replace("\u2019", "")
    return " ".join(text.split())


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, fold(a), fold(b)).ratio()


def score(predict, names) -> dict:
    exact = fuzzy = 0
    misses = []
    for arabic, spellings in names:
        guess = predict(arabic) or ""
        best = max(similarity(guess, s) for s in spellings)
        is_exact = any(guess.casefold() == s.casefold() for s in spellings)
        exact += is_exact
        fuzzy += best >= FUZZY_THRESHOLD
        if not is_exact:
            misses.append((arabic, guess, spellings[0], round(best, 2)))
    n = len(names)
    return {"names": n, "exact": exact, "fuzzy": fuzzy, "exact_rate": exact / n,
            "fuzzy_rate": fuzzy / n, "misses": misses}


def _anyascii(name: str) -> str:
    from anyascii import anyascii

    return " ".join(w.capitalize() for w in anyascii(name).split())


def _arabic_name_romanizer(name: str) -> str:
    from arabic_name_romanizer import transliterate

    return transliterate(name)


def _name_variants(name: str) -> str:
    """name-variants: the first listed form of each word it knows, anyascii for the rest."""
    from name_variants.arabic_names import ARABIC_NAME_VARIANTS as table

    return " ".join(table[w]["forms"][0].capitalize() if w in table else _anyascii(w)
                    for w in name.split())


_ARABNAMER: dict[str, str] = {}


def _arabnamer(name: str) -> str:
    """arabnamer only goes English -> Arabic; its dictionary read backwards (first English
    key for each Arabic form), anyascii for the rest."""
    if not _ARABNAMER:
        import json
        from importlib.resources import files

        table = json.loads(files("arabnamer").joinpath("data/dict_FINAL.json").read_text("utf-8"))
        for english, arabic in table.items():
            _ARABNAMER.setdefault(arabic, english)
    return " ".join(_ARABNAMER[w].title() if w in _ARABNAMER else _anyascii(w)
                    for w in name.split())


def _toolkit(name: str) -> str:
    from toolkit.romanise import romanise_name

    return romanise_name(name)


CANDIDATES = {"toolkit": _toolkit, "arabic-name-romanizer": _arabic_name_romanizer,
              "arabnamer": _arabnamer, "name-variants": _name_variants, "anyascii": _anyascii}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", choices=sorted(CANDIDATES), default="toolkit")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    result = score(CANDIDATES[args.candidate], load_names())
    print(f"{args.candidate}: {result['names']} names, exact {result['exact']} "
          f"({result['exact_rate']:.1%}), fuzzy>={FUZZY_THRESHOLD} {result['fuzzy']} "
          f"({result['fuzzy_rate']:.1%})")
    if args.show_misses:
        for arabic, guess, first, best in result["misses"]:
            print(f"  {arabic}\t{guess}\t(press: {first}; similarity {best})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())

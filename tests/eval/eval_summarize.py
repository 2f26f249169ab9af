"""How often each sumy method's 3-sentence summary keeps the sentences a reader would keep.

Labels: fixtures/summary_labels.jsonl (one or two sentences per fixture document; the
seeds' labels, fixtures/summary_seed_labels.jsonl, are used when ../shared/seeds exists).
Score: the share of labelled sentences found in the summary, per language. The method
with the best mean over ar, fr and en is the toolkit's default (toolkit.summarize
DEFAULT_METHOD); a second table compares the Arabic stemmers. `lead` (the first three
sentences) is shown for reference; it is not a sumy method.

Run: .venv/bin/python tests/eval/eval_summarize.py   (or `make eval`)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.summary_docs import (
    LANGS,
    SEED_LABELS,
    SEEDS,
    label_path,
    read_document,
    read_labels,
)

from toolkit import summarize as sm
from toolkit.sentences import split_sentences

N = 3


def labelled_documents(labels: list[dict]) -> list[tuple[str, str, str, set[int]]]:
    """(lang, title, text, indices of the kept sentences) for each label."""
    docs = []
    for label in labels:
        title, text = read_document(label_path(label))
        sentences = [s.text for s in split_sentences(text, label["lang"])]
        missing = [k for k in label["keep"] if k not in sentences]
        if missing:
            raise SystemExit(f"{label['path']}: labelled sentence not in the text: {missing[0]!r}")
        docs.append((label["lang"], title, text, {sentences.index(k) for k in label["keep"]}))
    return docs


def chosen(method: str, lang: str, title: str, text: str, arabic_stemmer: str) -> list[int]:
    if method == "lead":
        return list(range(N))
    return sm.summarize_text(text, lang, title=title, sentences=N, method=method,
                             arabic_stemmer=arabic_stemmer)


def scores(docs, method: str, arabic_stemmer: str = sm.ARABIC_STEMMER) -> dict[str, float]:
    found = dict.fromkeys(LANGS, 0)
    total = dict.fromkeys(LANGS, 0)
    for lang, title, text, keep in docs:
        summary = set(chosen(method, lang, title, text, arabic_stemmer))
        found[lang] += len(keep & summary)
        total[lang] += len(keep)
    return {lang: found[lang] / total[lang] for lang in LANGS if total[lang]}


def mean(values: dict[str, float]) -> float:
    return sum(values.values()) / len(values)


def table(rows: list[tuple[str, dict[str, float]]], langs: list[str]) -> str:
    lines = ["| method | " + " | ".join(langs) + " | mean |",
             "| --- |" + " ---: |" * (len(langs) + 1)]
    for name, values in rows:
        cells = " | ".join(f"{values[lang]:.0%}" for lang in langs)
        lines.append(f"| {name} | {cells} | {mean(values):.0%} |")
    return "\n".join(lines)


def main() -> int:
    docs = labelled_documents(read_labels())
    langs = [lang for lang in LANGS if any(d[0] == lang for d in docs)]
    counts = ", ".join(f"{sum(d[0] == lang for d in docs)} {lang}" for lang in langs)
    print(f"Fixture documents ({counts}): share of the labelled sentences kept by a "
          f"{N}-sentence summary\n")
    results = [(method, scores(docs, method)) for method in sm.METHODS if method != sm.AUTO]
    print(table([*results, ("lead (reference)", scores(docs, "lead"))], langs))
    best = max(results, key=lambda row: mean(row[1]))[0]  # first best in METHODS order wins
    print(f"\nbest: {best}; toolkit defaults (chosen on real references, "
          f"eval_summary_methods.py): {sm.DEFAULT_METHODS}")

    arabic = [d for d in docs if d[0] == "ar"]
    print(f"\nArabic stemmers ({len(arabic)} documents), per method:\n")
    print("| method | " + " | ".join(sm.ARABIC_STEMMERS) + " |")
    print("| --- |" + " ---: |" * len(sm.ARABIC_STEMMERS))
    methods = [m for m in sm.METHODS if m != sm.AUTO]
    by_stemmer = {stemmer: [scores(arabic, method, stemmer)["ar"] for method in methods]
                  for stemmer in sm.ARABIC_STEMMERS}
    for row, method in enumerate(methods):
        cells = " | ".join(f"{by_stemmer[stemmer][row]:.0%}" for stemmer in sm.ARABIC_STEMMERS)
        print(f"| {method} | {cells} |")
    means = {stemmer: sum(v) / len(v) for stemmer, v in by_stemmer.items()}
    print("| mean | " + " | ".join(f"{means[s]:.0%}" for s in sm.ARABIC_STEMMERS) + " |")
    best_stemmer = max(sm.ARABIC_STEMMERS, key=lambda s: means[s])
    print(f"\nbest: {best_stemmer}; toolkit Arabic stemmer: {sm.ARABIC_STEMMER}")

    if SEEDS.is_dir() and SEED_LABELS.exists():
        seeds = labelled_documents(read_labels(SEED_LABELS))
        seed_langs = [lang for lang in LANGS if any(d[0] == lang for d in seeds)]
        print(f"\nSeeds ({len(seeds)} documents, ../shared/seeds):\n")
        rows = [(m, scores(seeds, m)) for m in sm.METHODS if m != sm.AUTO]
        print(table([*rows, ("lead (reference)", scores(seeds, "lead"))], seed_langs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

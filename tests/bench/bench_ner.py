"""Benchmark the NER layer of `toolkit extract`: rules only, model only, both, and spaCy's
own `nlp.pipe` over the same pipelines, side by side; throughput and peak RSS.

Documents: 400-word windows over the fixture documents (ar, fr, en in turn), all different,
so every side reads the same mixed batch and no side reads a text twice. Each side runs in
its own process (its peak RSS is its own). Exits 1 when the shipped extract reads fewer
than --goal documents per second.

    python tests/bench/bench_ner.py [--docs 300] [--goal 20]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
WORDS = 400


def documents(count: int) -> list[dict]:
    """`count` different documents of 400 words, languages in turn: each language's fixture
    words run on in a ring, each document starting 37 words after the one before."""
    words_of = {lang: [w for p in sorted((ROOT / "fixtures" / "docs" / lang).glob("*.txt"))
                       for w in p.read_text("utf-8").split()] for lang in ("ar", "fr", "en")}
    docs = []
    for i in range(count):
        lang = ("ar", "fr", "en")[i % 3]
        ring, start = words_of[lang], (i // 3) * 37
        words = [ring[(start + j) % len(ring)] for j in range(WORDS)]
        docs.append({"id": f"d{i}", "lang": lang, "text": " ".join(words)})
    return docs


def side(name: str, count: int) -> dict:
    from toolkit.extract import extract_fields, extract_records, ner
    from toolkit.extract.combine import DEFAULT, FAMILIES, Policy

    docs = documents(count)
    if name == "spacy":  # the models alone: spaCy's nlp.pipe (en, fr), the CRF tagger (ar)
        pipes = {lang: ner.pipeline(lang) for lang in ("fr", "en")}
        tagger = ner.crf_tagger("ar")
        start = time.perf_counter()
        for lang, nlp in pipes.items():
            for _ in nlp.pipe(d["text"] for d in docs if d["lang"] == lang):
                pass
        for d in docs:
            if d["lang"] == "ar":
                tagger.entities(d["text"])
    elif name == "both":  # the stage as shipped: records in batches, each language's policy
        for lang in ("ar", "fr", "en"):  # load before the clock
            ner.available(lang)
        start = time.perf_counter()
        for _ in extract_records(docs):
            pass
    else:  # one document at a time, every language under one policy
        policy = {"rules": Policy(model=False), "default": DEFAULT,
                  "model": Policy(**{f: False for f in FAMILIES})}[name]
        for lang in ("ar", "fr", "en") if policy.model else ():
            ner.available(lang)
        start = time.perf_counter()
        for d in docs:
            extract_fields(d["text"], lang=d["lang"], policy=policy)
    seconds = time.perf_counter() - start
    return {"docs": count, "seconds": seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_side(name: str, count: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--side", name, "--docs", str(count)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--goal", type=float, default=20.0)
    parser.add_argument("--side")
    args = parser.parse_args()
    if args.side:
        print(json.dumps(side(args.side, args.docs)))
        return 0
    labels = {"rules": "extract_fields, rules only (no model), a document at a time",
              "model": "extract_fields, model only (no rule family), a document at a time",
              "default": "extract_fields, model + rules, a document at a time",
              "both": "toolkit extract as shipped (the stage: batches of 16 records)",
              "spacy": "the models alone: spaCy nlp.pipe (en, fr), CRF tagger (ar)"}
    results = {name: run_side(name, args.docs) for name in labels}
    rate = {name: r["docs"] / r["seconds"] for name, r in results.items()}
    print(f"NER benchmark: {args.docs} documents of {WORDS} words (ar, fr, en in turn); "
          "shared 2-core machine, numbers are indicative\n")
    print("| side | docs/s | x models alone | peak RSS MB |\n| --- | ---: | ---: | ---: |")
    for name, label in labels.items():
        print(f"| {label} | {rate[name]:.1f} | {rate[name] / rate['spacy']:.2f} | "
              f"{results[name]['peak_mb']:.0f} |")
    if rate["both"] < args.goal:
        print(f"\nmissed: shipped extract reads {rate['both']:.1f} docs/s, goal {args.goal}")
        return 1
    print(f"\ngoal met: {rate['both']:.1f} docs/s >= {args.goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

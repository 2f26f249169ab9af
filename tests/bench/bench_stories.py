"""Benchmark `toolkit stories` against the naive way: compare every pair of documents.

Documents are generated: stories of 1-20 documents spread over a few days, each document
~150 words drawn from its story's own words, a shared newsroom vocabulary (Zipf) and
common words, and one document in ten a republished copy of another (headline edited,
last sentence dropped). Each side runs in its own process (peak RSS is its own):

- stories: toolkit.stories.story_records over N documents (default 100,000), and over
  the baseline's documents for a like-for-like comparison;
- all pairs: tf-idf cosine over every pair of documents, joined when >= 0.3 (union-find),
  on B documents (default 5,000): what a user writes first.

Both are scored against the generated stories (pairwise F1). Wall and CPU seconds (the
machine may be shared). Exits 1 when stories takes more than 10 CPU minutes for N
documents or more CPU than all pairs on the baseline's documents.

    python tests/bench/bench_stories.py [--docs 100000] [--baseline-docs 5000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SYLLABLES = ["ka", "lo", "mi", "ra", "tu", "se", "no", "vi", "da", "pe", "zu", "ho", "ri", "ba"]
COMMON = ["the", "a", "of", "to", "in", "and", "said", "on", "for", "was", "with", "by", "that",
          "at", "from", "as", "is", "it", "has", "were", "after", "their", "its", "about", "over",
          "been", "will", "would", "more", "than", "also", "which"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4)))


def generated(count: int, seed: int = 11) -> list[dict]:
    return list(generate(count, seed))


def generate(count: int, seed: int = 11):
    """The documents one by one (a side that streams them holds none of them)."""
    rng = random.Random(seed)
    newsroom = [_word(rng) for _ in range(5000)]
    weights = [1 / (rank + 1) for rank in range(len(newsroom))]
    start = date(2024, 1, 1)
    story = made = 0
    last = None
    while made < count:
        own = [_word(rng) + "x" for _ in range(25)]  # the story's names and facts
        day = start + timedelta(days=rng.randint(0, 700))
        for _ in range(min(rng.randint(1, 20), count - made)):
            made += 1
            if last is not None and rng.random() < 0.1 and last["truth"] == story:
                copy = dict(last, id=f"doc-{made:06d}", title="UPDATED: " + last["title"])
                copy["text"] = copy["text"].rsplit(". ", 1)[0] + "."
                yield copy
                continue
            sentences = []
            for _ in range(8):
                words = (rng.choices(own, k=5) + rng.choices(newsroom, weights, k=7)
                         + rng.choices(COMMON, k=7))
                rng.shuffle(words)
                sentences.append(" ".join(words).capitalize() + ".")
            published = day + timedelta(days=rng.randint(0, 3))
            last = {"id": f"doc-{made:06d}", "lang": "en",
                    "title": " ".join(rng.choices(own, k=4)).capitalize(),
                    "text": " ".join(sentences), "truth": story,
                    "fields": {"published": published.isoformat()}}
            yield last
        story += 1


def pairwise_f1(truth: list[int], predicted: list) -> float:
    def pairs(labels):
        groups = Counter(labels)
        return sum(n * (n - 1) // 2 for n in groups.values())

    both = pairs(list(zip(truth, predicted)))
    p, t = pairs(predicted), pairs(truth)
    return 2 * both / (p + t) if p + t else 1.0


# --- the two sides, each run in a child process ----------------------------------------------


def side_stories(count: int) -> dict:
    from toolkit.stories import story_records

    truth: list[int] = []

    def streamed():
        for record in generate(count):
            truth.append(record["truth"])
            yield {key: value for key, value in record.items() if key != "truth"}

    started, cpu = time.perf_counter(), time.process_time()  # generating is inside: it is small
    out = [r["story"]["id"] for r in story_records(streamed())]
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "f1": pairwise_f1(truth, out)}


def side_all_pairs(count: int) -> dict:
    import re

    records = generated(count)
    truth = [r["truth"] for r in records]
    started, cpu = time.perf_counter(), time.process_time()
    bags = [Counter(re.findall(r"\w+", (r["title"] + " " + r["text"]).lower())) for r in records]
    df = Counter(w for bag in bags for w in bag)
    vectors = []
    for bag in bags:  # tf-idf, unit length
        weights = {w: n * math.log(count / df[w]) for w, n in bag.items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        vectors.append({w: v / norm for w, v in weights.items()})
    parent = list(range(count))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(count):
        a = vectors[i]
        for j in range(i + 1, count):
            b = vectors[j]
            small, large = (a, b) if len(a) < len(b) else (b, a)
            if sum(v * large.get(w, 0.0) for w, v in small.items()) >= 0.3:
                parent[find(i)] = find(j)
    out = [find(i) for i in range(count)]
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "f1": pairwise_f1(truth, out)}


def run_side(name: str, count: int) -> dict:
    code = (f"import json, resource, sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_stories as b; "
            f"r = b.side_{name}({count}); "
            "r['peak_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
            "print(json.dumps(r))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    if done.returncode:
        sys.exit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--baseline-docs", type=int, default=5_000)
    args = parser.parse_args()
    rows = [("toolkit stories", args.docs, run_side("stories", args.docs)),
            ("toolkit stories", args.baseline_docs, run_side("stories", args.baseline_docs)),
            ("all pairs (tf-idf cosine >= 0.3)", args.baseline_docs,
             run_side("all_pairs", args.baseline_docs))]
    print("| side | documents | seconds | CPU seconds | docs/CPU s | peak RSS | pairwise F1 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, count, r in rows:
        print(f"| {name} | {count:,} | {r['seconds']:.1f} | {r['cpu']:.1f} | "
              f"{count / r['cpu']:,.0f} | {r['peak_mib']:.0f} MiB | {r['f1']:.3f} |")
    small, naive = rows[1][2], rows[2][2]
    print(f"\non {args.baseline_docs:,} documents stories takes "
          f"{naive['cpu'] / small['cpu']:.1f}x less CPU than all pairs")
    ok = rows[0][2]["cpu"] < 600 and small["cpu"] < naive["cpu"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

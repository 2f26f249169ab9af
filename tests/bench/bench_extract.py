"""Benchmark `toolkit extract` against dateparser's search_dates, side by side.

Each side runs in its own process (peak RSS is that process's own). Texts: the fixture and
held-out documents, varied (days, numbers, names of months shifted) up to N documents.
Prints throughput of the whole extract stage and of date finding alone, next to
`dateparser.search.search_dates` on the same texts, and date precision/recall of both on
the hand-labelled documents (fixtures/gold.jsonl + gold_heldout.jsonl).

    python tests/bench/bench_extract.py [--docs 1000] [--dateparser-docs 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
GOLD = [ROOT / "fixtures" / "gold.jsonl", ROOT / "fixtures" / "gold_heldout.jsonl"]


def gold_docs() -> list[dict]:
    docs = []
    for path in GOLD:
        if path.exists():
            docs += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return docs


def split(path: Path) -> tuple[str, str]:
    raw = path.read_text("utf-8")
    title, _, body = raw.partition("\n")
    return title.strip(), body.strip()


def generated(count: int) -> list[dict]:
    """Fixture texts varied: every number shifted, so no two documents are identical."""
    bases = [split(ROOT / doc["path"]) + (doc["lang"],) for doc in gold_docs()]
    rng = random.Random(7)
    out = []
    for i in range(count):
        title, body, lang = bases[i % len(bases)]
        body = re.sub(r"\b([12]?\d)\b", lambda m: str((int(m.group(1)) + rng.randint(0, 5)) % 28 + 1),
                      body)
        out.append({"id": f"doc-{i}", "title": title, "text": body, "lang": lang})
    return out


# --- the two sides, each run in a child process ----------------------------------------------


def side_extract(count: int) -> dict:
    from toolkit.extract import extract_records

    records = generated(count)
    start = time.perf_counter()
    for _ in extract_records(records):
        pass
    return {"seconds": time.perf_counter() - start, "docs": count}


def side_dates(count: int) -> dict:
    from toolkit.extract.dateline import find_dateline
    from toolkit.extract.dates import find_dates
    from toolkit.extract.normalise import matchable

    records = generated(count)
    start = time.perf_counter()
    for rec in records:
        m = matchable(rec["text"])
        line = find_dateline(m)
        find_dates(m, line.published if line else None, rec["lang"])
    return {"seconds": time.perf_counter() - start, "docs": count}


def side_dateparser(count: int) -> dict:
    from dateparser.search import search_dates

    records = generated(count)
    settings = {"RELATIVE_BASE": dt.datetime(2025, 1, 1)}
    start = time.perf_counter()
    for rec in records:
        search_dates(rec["text"], languages=[rec["lang"]], settings=settings)
    return {"seconds": time.perf_counter() - start, "docs": count}


def quality() -> dict:
    """Date precision/recall on the labelled documents, ours and dateparser's."""
    from dateparser.search import search_dates

    from toolkit.extract import extract_fields

    counts = {"ours": [0, 0, 0], "dateparser": [0, 0, 0]}  # tp, predicted, gold
    for doc in gold_docs():
        title, body = split(ROOT / doc["path"])
        gold = {d["iso"] for d in doc["fields"]["dates"] if d["iso"]}
        published = doc["fields"].get("published")
        ours = {d["iso"] for d in extract_fields(body, title=title, lang=doc["lang"])["dates"]
                if d["iso"]}
        base = dt.datetime.fromisoformat(published) if published else dt.datetime(2025, 1, 1)
        found = search_dates(title + "\n" + body, languages=[doc["lang"]],
                             settings={"RELATIVE_BASE": base}) or []
        theirs = set()
        for _, when in found:
            day = when.date().isoformat()
            month = [g for g in gold if len(g) == 7 and day.startswith(g)]
            theirs.add(month[0] if month else day)
        for name, predicted in (("ours", ours), ("dateparser", theirs)):
            counts[name][0] += len(gold & predicted)
            counts[name][1] += len(predicted)
            counts[name][2] += len(gold)
    return counts


def child(name: str, count: int) -> dict:
    result = {"extract": side_extract, "dates": side_dates, "dateparser": side_dateparser,
              "quality": lambda _: quality()}[name](count)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_child(name: str, count: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", name, "--docs", str(count)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--dateparser-docs", type=int, default=100)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.docs)))
        return 0
    ext = run_child("extract", args.docs)
    dates = run_child("dates", args.docs)
    dp = run_child("dateparser", args.dateparser_docs)
    q = run_child("quality", 0)
    rate = {k: v["docs"] / v["seconds"] for k, v in (("extract", ext), ("dates", dates),
                                                       ("dateparser", dp))}
    print(f"extract benchmark ({args.docs} generated ar/fr/en documents; dateparser on "
          f"{args.dateparser_docs}; shared 2-core machine, numbers are indicative)\n")
    print("| side | docs/s | peak RSS MB |")
    print("| --- | ---: | ---: |")
    print(f"| toolkit extract (all fields) | {rate['extract']:.0f} | {ext['peak_mb']:.0f} |")
    print(f"| toolkit extract, dates only | {rate['dates']:.0f} | {dates['peak_mb']:.0f} |")
    print(f"| dateparser.search.search_dates | {rate['dateparser']:.1f} | {dp['peak_mb']:.0f} |")
    print(f"\ndates only vs search_dates: {rate['dates'] / rate['dateparser']:.0f}x faster\n")
    print("| dates on labelled docs | precision | recall | F1 |")
    print("| --- | ---: | ---: | ---: |")
    for name in ("ours", "dateparser"):
        tp, pred, gold = q[name]
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        label = "toolkit extract" if name == "ours" else "search_dates (RELATIVE_BASE given)"
        print(f"| {label} | {p:.2f} | {r:.2f} | {f:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Quality of `toolkit extract`: precision, recall and F1 per field and language.

    python tests/eval/eval_extract.py                      # fixtures/gold.jsonl (+ seeds)
    python tests/eval/eval_extract.py --gold G --pred P    # any labels, any predictions

Without --pred, the documents named in the gold file are read with `toolkit ingest`
(headline, body, footer dropped), extracted, and scored. The seeds' labels
(fixtures/gold_seeds.jsonl) are scored too when ../shared/seeds exists.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from extract_score import read_jsonl, score, table  # tests/eval/extract_score.py

from toolkit.extract import extract_records

SEEDS = ROOT.parent / "shared" / "seeds"


def predict(gold: list[dict], base: Path) -> list[dict]:
    from toolkit.ingest import ingest_paths

    paths = [str(base / doc["path"]) for doc in gold]
    records = []
    for record in ingest_paths(paths):
        record["lang"] = next((d["lang"] for d in gold
                               if str(record.get("source", {}).get("path", "")).endswith(
                                   d["path"])), None)
        records.append(record)
    return list(extract_records(records))


def report(title: str, gold: list[dict], predicted: list[dict]) -> None:
    langs = sorted({doc["lang"] for doc in gold}) + ["all"]
    print(f"\n### {title} ({len(gold)} documents)\n")
    print(table(score(gold, predicted), langs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "fixtures" / "gold.jsonl")
    parser.add_argument("--pred", type=Path, help="predicted records (JSON Lines)")
    args = parser.parse_args()
    gold = read_jsonl(args.gold)
    predicted = read_jsonl(args.pred) if args.pred else predict(gold, ROOT)
    report(f"extract vs {args.gold.name}", gold, predicted)
    # Each set was held out until its first measurement (README keeps those numbers); the
    # misses they showed were fixed since, so these scores are no longer unseen ones.
    note = "held out until first measured, fixed since"
    for name in ("gold_heldout.jsonl", "gold_heldout2.jsonl", "gold_heldout3.jsonl",
                 "gold_heldout4.jsonl", "gold_heldout5.jsonl", "gold_heldout6.jsonl",
                 "gold_heldout7.jsonl", "gold_heldout8.jsonl",
                 "gold_heldout9.jsonl"):
        heldout = ROOT / "fixtures" / name
        if not args.pred and args.gold.name == "gold.jsonl" and heldout.exists():
            docs = read_jsonl(heldout)
            report(f"extract vs {name} ({note})", docs, predict(docs, ROOT))
    seeds_gold = ROOT / "fixtures" / "gold_seeds.jsonl"
    if not args.pred and args.gold.name == "gold.jsonl" and SEEDS.is_dir():
        seeds = read_jsonl(seeds_gold)
        report("extract vs gold_seeds.jsonl (../shared/seeds)", seeds, predict(seeds, SEEDS))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Quality of `toolkit extract` on real news others labelled: people, organisations, places.

    python tests/eval/eval_ner.py [--sets anercorp conll2003 hipe2020_fr] [--ablate] [--limit N]
    python tests/eval/eval_ner.py --sets build/ner/en-valid   # a set laid out like eval/

Each NER set of ../shared/data/eval (DEV splits; see ../shared/data/README.md) goes through
ingest | detect | extract and is scored with the set's own score_fields.py, the scorer the
project is judged by, on the documents the shipped model has not read (for anercorp, the
even-numbered half: the odd half is trained on, see tools/ner/train.py). One table per set. --ablate also scores the extract with each rule
family of toolkit.extract.combine.Policy turned off, the model alone and the rules alone.
Without ../shared/data it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

EVAL = ROOT.parent / "shared" / "data" / "eval"
SETS = ("anercorp", "conll2003", "hipe2020_fr")
LANGS = {"anercorp": "ar", "conll2003": "en", "hipe2020_fr": "fr"}


def set_dir(name: str) -> Path:
    """eval/<name>, or a folder laid out like it (a validation set tools/ner built)."""
    return EVAL / name if name in SETS else Path(name)


def set_lang(name: str) -> str:
    if name in LANGS:
        return LANGS[name]
    with (set_dir(name) / "expected.jsonl").open(encoding="utf-8") as handle:
        return json.loads(handle.readline())["lang"]


def read_set(name: str, limit: int | None = None) -> list[dict]:
    """The set's documents through ingest and detect, in the order of expected.jsonl."""
    from toolkit.detect import detect_records
    from toolkit.ingest import ingest_paths

    folder = set_dir(name)
    gold = [json.loads(line) for line in (folder / "expected.jsonl").open(encoding="utf-8")]
    seen = trained_on(name)
    gold = [g for g in gold if g["file"] not in seen]
    paths = [str(folder / "docs" / g["file"]) for g in gold[:limit]]
    return list(detect_records(ingest_paths(paths)))


def trained_on(name: str) -> set[str]:
    """Eval documents the shipped model of the set's language was trained on (its meta.json
    lists them: tools/ner/train.py trains on half of eval/anercorp), never scored."""
    from toolkit.extract.ner import shipped_path

    if name not in SETS:
        return set()
    lang = LANGS[name]
    meta = shipped_path(lang) / "meta.json"
    if not meta.exists():
        return set()
    return set(json.loads(meta.read_text("utf-8")).get("trained_on_eval_files") or [])


def score(name: str, records: list[dict], policy=None) -> dict[str, float]:
    """F1 of people, orgs, places from the set's score_fields.py."""
    from toolkit.extract import _lang_of, extract_fields

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                     encoding="utf-8") as out:
        for record in records:
            fields = extract_fields(record.get("text") or "", title=record.get("title"),
                                    lang=_lang_of(record), policy=policy)
            row = {"source": record["source"], "fields": fields}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    gold = set_dir(name) / "expected.jsonl"
    if len(records) < sum(1 for _ in gold.open(encoding="utf-8")):
        gold = _subset(gold, {Path(r["source"]["path"]).name for r in records})
    result = subprocess.run([sys.executable, str(EVAL / "score_fields.py"), out.name, str(gold)],
                            capture_output=True, text=True, check=True)
    last = result.stdout.strip().splitlines()[-1]
    values = dict(item.split("=") for item in last.split()[1:])
    return {k: float(values[k]) for k in ("people", "orgs", "places")}


def _subset(gold: Path, files: set[str]) -> Path:
    lines = [line for line in gold.open(encoding="utf-8") if json.loads(line)["file"] in files]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                     encoding="utf-8") as handle:
        handle.writelines(lines)
    return Path(handle.name)


def fixtures_f1(policy=None) -> dict[str, float]:
    """F1 over all languages of fixtures/gold.jsonl (the project's own labelled documents),
    so the ablation weighs the text the toolkit is for next to the corpora. `policy`: a
    Policy, a function of the language giving one, or None for each language's own."""
    from extract_score import prf, read_jsonl  # tests/eval/extract_score.py
    from extract_score import score as fixture_score

    from toolkit.extract import extract_fields
    from toolkit.ingest import ingest_paths

    gold = read_jsonl(ROOT / "fixtures" / "gold.jsonl")
    predicted = []
    for doc, record in zip(gold, ingest_paths([str(ROOT / d["path"]) for d in gold])):
        fields = extract_fields(record.get("text") or "", title=record.get("title"),
                                lang=doc["lang"],
                                policy=policy(doc["lang"]) if callable(policy) else policy)
        predicted.append({"source": record["source"], "fields": fields})
    counts = fixture_score(gold, predicted)["counts"]["all"]
    return {"people": prf(counts["people"])[2], "orgs": prf(counts["organisations"])[2],
            "places": prf(counts["places"])[2], "countries": prf(counts["countries"])[2]}


def row(label: str, f1: dict[str, float]) -> str:
    return f"| {label} | {f1['people']:.2f} | {f1['orgs']:.2f} | {f1['places']:.2f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--ablate", action="store_true")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--fixtures", action="store_true",
                        help="also the ablation on fixtures/gold.jsonl")
    args = parser.parse_args()
    if not EVAL.is_dir():
        print(f"eval_ner: {EVAL} not found (the shared data pack); nothing scored")
        return 0
    from toolkit.extract.combine import FAMILIES, Policy, policy_for

    if args.fixtures:
        print("\n### fixtures/gold.jsonl (16 documents, tests/eval/extract_score.py F1, all "
              "languages)\n")
        print("| extract | people | organisations | places | countries |\n"
              "| --- | --- | --- | --- | --- |")
        policies = [("shipped (model + rules)", None), ("rules only", Policy(model=False))]
        policies += [(f"without {family}",
                      lambda lang, family=family: policy_for(lang).without(family))
                     for family in FAMILIES]
        for label, policy in policies:
            f1 = fixtures_f1(policy)
            print(row(label, f1) + f" {f1['countries']:.2f} |", flush=True)
    for name in args.sets:
        records = read_set(name, args.limit)
        print(f"\n### {name} ({len(records)} documents, score_fields.py F1)\n")
        print("| extract | people | organisations | places |\n| --- | --- | --- | --- |")
        print(row("shipped (model + rules)", score(name, records)), flush=True)
        if not args.ablate:
            continue
        print(row("rules only (no model)", score(name, records, Policy(model=False))), flush=True)
        model_only = Policy(**{family: False for family in FAMILIES if family != "consistency"})
        print(row("model only (+ consistency)", score(name, records, model_only)), flush=True)
        shipped = policy_for(set_lang(name))
        for family in FAMILIES:
            label, policy = shipped.toggled(family)
            print(row(label, score(name, records, policy)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

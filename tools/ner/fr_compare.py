"""The French NER recipes weighed by cross-validation on whole HIPE-2020 articles.

    python tools/ner/fr_compare.py [--epochs 12] [--every 2] [--only stock finetune rehearse blank]
    python tools/ner/fr_compare.py --ablate rehearse-12 | --floors rehearse-12

The 36 articles of hipe2020-fr-dev.conll fall in 5 folds (tools/ner/train.py
`fr_validation`: every fifth article). Each fold's model is trained on the other four and
reads only its own fold's eval/hipe2020_fr files; the outputs of the 5 folds together (the 51
files those articles make up, with the gold of those same .conll annotations: their
expected.jsonl rows) are scored document-level by the pack's score_fields.py through
`toolkit extract`, as tests/eval/eval_ner.py scores. Each recipe is scored every few epochs,
with the extract's policy for French and with the model alone. The dev eval
(tests/eval/eval_ner.py) is run only on what this chooses, on the files no model here read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools" / "ner"))
sys.path.insert(0, str(ROOT / "tests" / "eval"))

import eval_ner
import train as recipe

from toolkit.extract import ner
from toolkit.extract.combine import FAMILIES, Policy, policy_for

MODEL_ONLY = Policy(**{family: False for family in FAMILIES if family != "consistency"})
GOLD = eval_ner.EVAL / "hipe2020_fr" / "expected.jsonl"
SAVED = recipe.BUILD / "fr" / "folds"  # each fold's ner at each epoch scored, for --ablate


def fold_records(articles, fold: int) -> list[dict]:
    from toolkit.detect import detect_records
    from toolkit.ingest import ingest_paths

    files = [f for i, a in enumerate(articles) if recipe.fr_validation(i, fold)
             for f in a.eval_files]
    paths = [str(eval_ner.EVAL / "hipe2020_fr" / "docs" / f) for f in files]
    return list(detect_records(ingest_paths(paths)))


def extracted(nlp, records, policy=None) -> list[dict]:
    """What `toolkit extract` gives for `records` with `nlp` as the French model."""
    from toolkit.extract import _lang_of, extract_fields

    ner.pipeline = lambda lang: nlp if lang == "fr" else None
    return [{"source": r["source"],
             "fields": extract_fields(r.get("text") or "", title=r.get("title"),
                                      lang=_lang_of(r), policy=policy)} for r in records]


def f1(rows: list[dict]) -> dict[str, float]:
    """score_fields.py over `rows` against the gold of their files."""
    files = {Path(r["source"]["path"]).name for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        out, gold = Path(tmp) / "out.jsonl", Path(tmp) / "gold.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        gold.write_text("".join(line for line in GOLD.open(encoding="utf-8")
                                if json.loads(line)["file"] in files), "utf-8")
        result = subprocess.run([sys.executable, str(eval_ner.EVAL / "score_fields.py"),
                                 str(out), str(gold)], capture_output=True, text=True, check=True)
    values = dict(item.split("=") for item in result.stdout.strip().splitlines()[-1].split()[1:])
    return {k: float(values[k]) for k in ("people", "orgs", "places")}


def cell(scores: dict[str, float]) -> str:
    return f"{scores['people']:.2f} / {scores['orgs']:.2f} / {scores['places']:.2f}"


def fold_models(saved: str):
    """The five fold models of one saved checkpoint ("rehearse-12"), in fold order."""
    for fold in range(recipe.FR_FOLDS):
        nlp = recipe.french_ner_base()
        nlp.get_pipe("ner").from_disk(SAVED / f"{saved}-fold{fold}")
        yield fold, nlp


def ablate(saved: str, articles) -> None:
    """The policy for French: each rule family toggled, on the cross-validation output of
    a saved checkpoint."""
    shipped = policy_for("fr")
    variants = {"shipped policy": shipped, "model only": MODEL_ONLY,
                **dict(shipped.toggled(family) for family in FAMILIES)}
    rows: dict[str, list] = defaultdict(list)
    for fold, nlp in fold_models(saved):
        records = fold_records(articles, fold)
        for name, policy in variants.items():
            rows[name] += extracted(nlp, records, policy)
    out = recipe.BUILD / "fr" / f"cv-{saved}.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                           for r in rows["shipped policy"]), "utf-8")
    print(f"\nPolicy ablation, cross-validated {saved} (people / orgs / places)\n")
    print("| extract | F1 |\n|---|---|")
    for name in variants:
        print(f"| {name} | {cell(f1(rows[name]))} |", flush=True)


FLOORS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


def floors(saved: str, articles, width: int = 8) -> None:
    """Per-label beam probability floors (toolkit/extract/ner.py `_tagged`) for French, each
    label's floors in turn on the cross-validation output of a saved checkpoint."""
    grid = [("none", {})] + [(f"{label} under {floor}", {label: floor})
                             for label in ("ORG", "LOC", "PER") for floor in FLOORS]
    rows: dict[str, list] = defaultdict(list)
    policy = policy_for("fr")
    for fold, nlp in fold_models(saved):
        records = fold_records(articles, fold)
        for name, floor in grid:
            nlp.meta["min_probability"], nlp.meta["beam_width"] = floor, width
            rows[name] += extracted(nlp, records, policy)
    print(f"\nBeam floors ({width} wide), cross-validated {saved} (people / orgs / places)\n")
    print("| entities left out | F1 |\n|---|---|")
    for name, _ in grid:
        print(f"| {name} | {cell(f1(rows[name]))} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--every", type=int, default=2)
    parser.add_argument("--rehearse", type=float, default=1.0,
                        help="rehearsal tokens per HIPE token")
    parser.add_argument("--only", nargs="*", default=["stock", "finetune", "rehearse", "blank"])
    parser.add_argument("--ablate", metavar="RUN-EPOCH",
                        help="the policy ablation on a saved checkpoint, e.g. rehearse-12")
    parser.add_argument("--floors", metavar="RUN-EPOCH",
                        help="beam probability floors per label on a saved checkpoint")
    args = parser.parse_args()
    articles = recipe.hipe_articles(recipe.DATA)
    if args.floors:
        floors(args.floors, articles)
        return 0
    if args.ablate:
        ablate(args.ablate, articles)
        return 0
    policies = {"shipped policy": policy_for("fr"), "model only": MODEL_ONLY}
    stock = recipe.french_ner_base()
    rows: dict[tuple, list] = defaultdict(list)  # (recipe, epoch, policy) -> extract rows
    SAVED.mkdir(parents=True, exist_ok=True)
    rehearsal = []
    if "rehearse" in args.only:
        texts = recipe.hipe_texts(recipe.DATA, articles)
        hipe_tokens = sum(len(stock.make_doc(t)) for t, _ in texts)
        rehearsal = recipe.rehearsal_texts(recipe.DATA, stock, int(hipe_tokens * args.rehearse))
    runs = {"finetune": {}, "rehearse": {"rehearsal": rehearsal}, "blank": {"blank": True}}
    for fold in range(recipe.FR_FOLDS):
        records = fold_records(articles, fold)
        train = [a for i, a in enumerate(articles) if not recipe.fr_validation(i, fold)]
        texts = recipe.hipe_texts(recipe.DATA, train)
        print(f"fold {fold}: {len(records)} documents read, {len(texts)} trained on",
              file=sys.stderr, flush=True)
        for name, policy in policies.items():
            if "stock" in args.only:
                rows[("fr_core_news_md as it comes", 0, name)] += extracted(stock, records, policy)
        for run in ("finetune", "rehearse", "blank"):
            if run not in args.only:
                continue
            for epoch, nlp in recipe.fine_tune_fr(texts, epochs=args.epochs, **runs[run]):
                if epoch % args.every == 0:
                    nlp.get_pipe("ner").to_disk(SAVED / f"{run}-{epoch}-fold{fold}")
                    for name, policy in policies.items():
                        rows[(run, epoch, name)] += extracted(nlp, records, policy)
    print(f"\n5-fold cross-validation over the {len(articles)} HIPE articles "
          "(people / orgs / places)\n")
    print("| recipe | epochs | " + " | ".join(policies) + " |\n|---|---|---|---|")
    for run, epoch in dict.fromkeys((r, e) for r, e, _ in rows):
        print(f"| {run} | {epoch or '-'} | "
              + " | ".join(cell(f1(rows[(run, epoch, name)])) for name in policies) + " |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

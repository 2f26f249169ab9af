"""Choose the Arabic CRF's settings on validation documents, never on the scored ones.

    python tools/ner/ar_validate.py [--params] [--policy] [--floors]

eval_ner.py scores the even-numbered eval/anercorp documents; tools/ner/train.py never reads
them. The odd-numbered ones, which the shipped model is trained on, are split here in two
folds; each fold's model is trained on the training part less that fold, and the fold's
documents are scored at document level with the eval set's own score_fields.py (docs and
expected.jsonl written under build/ner/ar-val/). The mean over both folds chooses:
--params   the CRF's c1/c2 (train.CRF_PARAMS),
--policy   which rule families of combine.Policy stay on for Arabic (combine.BY_LANGUAGE),
--features which lexicon feature groups of toolkit/extract/crf.py the CRF is trained with
           (train.CRF_FEATURES),
--decode   the probability of being in an entity that makes a token one though the best
           path leaves it out, and the confidence under which an entity of each label is
           dropped (train.CRF_DECODE).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train import CRF_DECODE, CRF_FEATURES, CRF_PARAMS, DATA, anercorp_chunks, fit_crf

EVAL = ROOT.parent / "shared" / "data" / "eval"
OUT = ROOT / "build" / "ner" / "ar-val"
PARAMS = [{"c1": c1, "c2": c2} for c1, c2 in ((0.05, 0.05), (0.1, 0.05), (0.2, 0.05),
                                                  (0.1, 0.01), (0.1, 0.2))]
FLOORS = (0.5, 0.6, 0.7, 0.8, 0.9)
ENTITY_PROBABILITY = (None, 0.5, 0.4, 0.3, 0.2)
FEATURES = [("gaz",), ("places",), ("places", "names"), ("places", "names", "words"),
            ("places", "names", "words", "orgs"), ("gaz", "names", "words", "orgs"),
            ("places", "names", "words", "orgs", "context"),
            ("gaz", "places", "names", "words", "orgs", "context"),
            ("gaz", "places", "names", "words", "context"),
            ("gaz", "places", "names", "words", "roles", "context")]


def folds() -> list[list[str]]:
    """The odd eval/anercorp documents (those train.py trains on) in two folds."""
    trained = sorted(anercorp_chunks(DATA)[2])
    return [trained[0::2], trained[1::2]]


def fold_lines(fold: list[str]) -> set[int]:
    """The training lines less the chunks of `fold`'s documents."""
    import csv

    skip = set()
    with open(DATA / "anercorp-train.chunks.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["eval_dev_file"] in fold:
                skip.update(range(int(row["first_line"]), int(row["last_line"]) + 1))
    train, dev, _ = anercorp_chunks(DATA)
    return {n for r in train + dev for n in r} - skip


def write_fold(k: int, fold: list[str]) -> list[dict]:
    """build/ner/ar-val/fold<k>/: docs/*.txt and expected.jsonl; the records to extract."""
    from toolkit.detect import detect_records
    from toolkit.ingest import ingest_paths

    target = OUT / f"fold{k}"
    shutil.rmtree(target, ignore_errors=True)
    (target / "docs").mkdir(parents=True)
    gold = [line for line in (EVAL / "anercorp" / "expected.jsonl").open(encoding="utf-8")
            if json.loads(line)["file"] in fold]
    (target / "expected.jsonl").write_text("".join(gold), "utf-8")
    for name in fold:
        shutil.copy(EVAL / "anercorp" / "docs" / name, target / "docs" / name)
    return list(detect_records(ingest_paths([str(target / "docs" / n) for n in fold])))


def score_fold(k: int, records: list[dict], tagger, policy) -> list[float]:
    from toolkit.extract import _lang_of, extract_fields, ner

    ner.crf_tagger = lambda lang: tagger if lang == "ar" else None
    predicted = OUT / f"fold{k}" / "extracted.jsonl"
    with predicted.open("w", encoding="utf-8") as out:
        for record in records:
            fields = extract_fields(record.get("text") or "", title=record.get("title"),
                                    lang=_lang_of(record), policy=policy)
            out.write(json.dumps({"source": record["source"], "fields": fields},
                                 ensure_ascii=False) + "\n")
    result = subprocess.run([sys.executable, str(EVAL / "score_fields.py"), str(predicted),
                             str(OUT / f"fold{k}" / "expected.jsonl")],
                            capture_output=True, text=True, check=True)
    values = dict(item.split("=") for item in result.stdout.strip().splitlines()[-1].split()[1:])
    return [float(values[f]) for f in ("people", "orgs", "places")]


class Validation:
    def __init__(self):
        self.folds = folds()
        self.records = [write_fold(k, fold) for k, fold in enumerate(self.folds)]
        self.models: list[Path] = []
        self.groups: tuple[str, ...] = CRF_FEATURES

    def train(self, params: dict, groups: tuple[str, ...] = CRF_FEATURES) -> None:
        self.models, self.groups = [], groups
        for k, fold in enumerate(self.folds):
            path = OUT / f"fold{k}" / "crf.model"
            fit_crf(DATA, fold_lines(fold), path, params, groups)
            self.models.append(path)

    def score(self, policy, decode: dict) -> list[float]:
        """people / orgs / places F1, the folds weighted by their number of documents."""
        from toolkit.extract.crf import Tagger

        total = [0.0, 0.0, 0.0]
        for k, path in enumerate(self.models):
            f1 = score_fold(k, self.records[k], Tagger(path, decode, self.groups), policy)
            total = [t + v * len(self.folds[k]) for t, v in zip(total, f1)]
        n = sum(len(f) for f in self.folds)
        return [round(t / n, 3) for t in total]


def show(label: str, f1: list[float]) -> None:
    print(f"| {label} | {f1[0]:.3f} | {f1[1]:.3f} | {f1[2]:.3f} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", action="store_true")
    parser.add_argument("--policy", action="store_true")
    parser.add_argument("--decode", action="store_true")
    parser.add_argument("--features", action="store_true")
    parser.add_argument("--groups", nargs="+", default=[],
                        help="feature groups to compare instead of FEATURES, e.g. places+names")
    args = parser.parse_args()
    if not (EVAL / "anercorp").is_dir():
        print(f"ar_validate: {EVAL} not found (the shared data pack)", file=sys.stderr)
        return 1
    from toolkit.extract.combine import FAMILIES, policy_for

    policy = policy_for("ar")
    v = Validation()
    print(f"{sum(map(len, v.folds))} odd eval/anercorp documents in 2 folds\n")
    print("| setting | people | orgs | places |\n| --- | --- | --- | --- |")
    if args.params:
        for params in PARAMS:
            v.train(params)
            show(f"c1={params['c1']} c2={params['c2']}", v.score(policy, CRF_DECODE))
    if args.features or args.groups:
        for groups in [tuple(g.split("+")) for g in args.groups] or FEATURES:
            v.train(CRF_PARAMS, groups)
            show(f"features {'+'.join(groups)}", v.score(policy, CRF_DECODE))
    v.train(CRF_PARAMS)
    show(f"shipped: {'+'.join(CRF_FEATURES)} {CRF_PARAMS} {CRF_DECODE}",
         v.score(policy, CRF_DECODE))
    if args.policy:
        for family in FAMILIES:
            label, other = policy.toggled(family)
            show(label, v.score(other, CRF_DECODE))
    if args.decode:
        for p in ENTITY_PROBABILITY:
            show(f"entity_probability {p}", v.score(policy, {**CRF_DECODE,
                                                             "entity_probability": p}))
        for label in ("PER", "ORG", "LOC"):
            for floor in FLOORS:
                floors = {**CRF_DECODE.get("min_confidence", {}), label: floor}
                show(f"{label} floor {floor}", v.score(policy, {**CRF_DECODE,
                                                                "min_confidence": floors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

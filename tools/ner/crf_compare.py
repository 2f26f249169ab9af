"""The alternative to spaCy weighed for the NER layer: a CRF (python-crfsuite) with word
shape, affix, context and gazetteer features, trained on the same split as tools/ner/train.py
and scored model-only against the spaCy model on the same dev eval set.

    pip install python-crfsuite   # for this comparison only; not a toolkit dependency
    python tools/ner/crf_compare.py --lang en|ar
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools" / "ner"))
sys.path.insert(0, str(ROOT / "tests" / "eval"))

import train as recipe

from toolkit.extract.normalise import matchable, norm

EVAL = ROOT.parent / "shared" / "data" / "eval"
SET = {"en": "conll2003", "ar": "anercorp"}
_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*\.?|[^\w\s]")


def gazetteer() -> set[str]:
    from toolkit.extract.lexicon import load
    from toolkit.extract.places import _index

    words = {norm(w) for lang in ("ar", "latin") for w in load("names")[lang]}
    index = _index()
    return words | {norm(w) for lang in ("ar", "latin") for w in index[lang]}


def shape(word: str) -> str:
    s = re.sub(r"[A-Z]", "X", word)
    s = re.sub(r"[a-z]", "x", s)
    s = re.sub(r"\d", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


def features(words: list[str], gaz: set[str]) -> list[list[str]]:
    out = []
    for i, w in enumerate(words):
        low = w.lower()
        f = [f"w={low}", f"shape={shape(w)}", f"p2={low[:2]}", f"p3={low[:3]}",
             f"s2={low[-2:]}", f"s3={low[-3:]}", f"title={w.istitle()}", f"upper={w.isupper()}",
             f"gaz={norm(w) in gaz}", f"gaz-al={norm(w)[2:] in gaz if norm(w).startswith('ال') else False}"]
        for d in (-2, -1, 1, 2):
            j = i + d
            f.append(f"w{d}={words[j].lower() if 0 <= j < len(words) else '<>'}")
        for d in (-1, 1):
            j = i + d
            f.append(f"shape{d}={shape(words[j]) if 0 <= j < len(words) else '<>'}")
        out.append(f)
    return out


def train_sentences(lang: str):
    data = recipe.DATA
    if lang == "en":
        return recipe.read_conll(data / "conll2003-train.conll")
    train, _, _ = recipe.anercorp_chunks(data)  # as the shipped model: odd eval half too
    return recipe.read_conll(data / "anercorp-train.conll", {n for r in train for n in r})


def held_out_gold(name: str) -> Path:
    """expected.jsonl less the documents the shipped model (and this CRF) trained on."""
    import eval_ner

    seen = eval_ner.trained_on(name)
    lines = [line for line in (EVAL / name / "expected.jsonl").open(encoding="utf-8")
             if json.loads(line)["file"] not in seen]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                     encoding="utf-8") as handle:
        handle.writelines(lines)
    return Path(handle.name)


def score_spacy(lang: str) -> int:
    from toolkit.extract import ner

    nlp = ner.pipeline(lang)
    name = SET[lang]
    key = {"PER": "people", "ORG": "organisations", "LOC": "places"}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as out:
        for line in held_out_gold(name).open(encoding="utf-8"):
            gold = json.loads(line)
            text = matchable((EVAL / name / "docs" / gold["file"]).read_text("utf-8")).text
            fields = {"people": [], "organisations": [], "places": []}
            for ent in nlp(text).ents:
                if ent.label_ in key:
                    fields[key[ent.label_]].append({"name": ent.text})
            out.write(json.dumps({"source": {"path": gold["file"]}, "fields": fields},
                                 ensure_ascii=False) + "\n")
    result = subprocess.run([sys.executable, str(EVAL / "score_fields.py"), out.name,
                             str(held_out_gold(name))], capture_output=True, text=True, check=True)
    print(f"spaCy {lang} raw spans on {name}: {result.stdout.strip().splitlines()[-1]}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en")
    parser.add_argument("--spacy", action="store_true",
                        help="score the shipped spaCy pipeline's raw spans the same way")
    args = parser.parse_args()
    if args.spacy:
        return score_spacy(args.lang)
    import pycrfsuite

    gaz = gazetteer()
    trainer = pycrfsuite.Trainer(verbose=False)
    for sent in train_sentences(args.lang):
        words = [matchable(t).text or t for t, _ in sent]
        trainer.append(features(words, gaz), [tag for _, tag in sent])
    trainer.set_params({"c1": 0.1, "c2": 0.05, "max_iterations": 150,
                        "feature.possible_transitions": True})
    model = Path(tempfile.mkdtemp()) / "crf.model"
    trainer.train(str(model))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    name = SET[args.lang]
    key = {"PER": "people", "ORG": "organisations", "LOC": "places"}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as out:
        for line in held_out_gold(name).open(encoding="utf-8"):
            gold = json.loads(line)
            text = matchable((EVAL / name / "docs" / gold["file"]).read_text("utf-8")).text
            fields = {"people": [], "organisations": [], "places": []}
            for para in text.split("\n"):
                words = _TOKEN.findall(para)
                if not words:
                    continue
                tags = tagger.tag(features(words, gaz))
                span: list[str] = []
                label = None
                for w, t in list(zip(words, tags)) + [("", "O")]:
                    if span and (t == "O" or t.startswith("B-") or t[2:] != label):
                        fields[key[label]].append({"name": " ".join(span)}) if label in key else None
                        span, label = [], None
                    if t != "O":
                        span.append(w)
                        label = t[2:]
            out.write(json.dumps({"source": {"path": gold["file"]}, "fields": fields},
                                 ensure_ascii=False) + "\n")
    result = subprocess.run([sys.executable, str(EVAL / "score_fields.py"), out.name,
                             str(held_out_gold(name))], capture_output=True, text=True, check=True)
    print(f"CRF {args.lang} on {name}: {result.stdout.strip().splitlines()[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the statistical NER pipelines shipped in toolkit/data/ner/<lang>/ (`make train-ner`).

    python tools/ner/train.py [--lang en ar] [--data ../shared/data/ner] [--max-steps N]

Reads the CoNLL files of the shared data pack (../shared/data/README.md), writes spaCy
DocBins under build/ner/<lang>/, runs `spacy train` with tools/ner/<lang>.cfg (CPU, efficiency
architecture) and copies the best pipeline, tok2vec + ner only, into the package.

Kept apart from training, so the eval sets stay held out:
- en: trained on conll2003-train, spaCy's dev is conll2003-valid; eval/conll2003 comes from
  eng.testb, never read here.
- ar: the eval/anercorp documents with an even number (`in_eval_dev = yes` in
  anercorp-train.chunks.tsv) are never read; the odd ones are trained on, and listed in the
  shipped meta.json so eval_ner.py scores only the held-out half; of the chunks trained on,
  every 8th is spaCy's dev.
Tokens are normalised as extract reads text (toolkit.extract.normalise.matchable).
en ships with a per-label `min_probability` and a `beam_width` in meta.json: an entity the
greedy parse finds is kept when a beam of the same weights gives it that probability
(MIN_PROBABILITY, chosen on tools/ner/conll_docs.py's documents; docs/extract.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from toolkit.extract.normalise import matchable

DATA = ROOT.parent / "shared" / "data" / "ner"
BUILD = ROOT / "build" / "ner"
SHIP = ROOT / "toolkit" / "data" / "ner"
HERE = Path(__file__).resolve().parent
BEAM_WIDTH = 8
# An entity's probability over the beam under which ner.py leaves it out, per label; chosen
# on build/ner/en-valid (tools/ner/conll_docs.py: conll2003-valid as documents laid out like
# eval/conll2003), never on the eval sets (docs/extract.md).
MIN_PROBABILITY = {"en": {"PER": 0.9}}
TRAINED_ON = {"en": "conll2003-train.conll (eng.train); checkpoint chosen on "
                    "conll2003-valid.conll (eng.testa), min_probability on conll2003-valid "
                    "as documents (tools/ner/conll_docs.py)"}
CRF_LANGS = {"ar"}  # a CRF beat spaCy there (tools/ner/crf_compare.py); spaCy elsewhere


def read_conll(path: Path, lines: set[int] | None = None) -> list[list[tuple[str, str]]]:
    """Sentences of (token, IOB2 tag); with `lines`, only sentences starting on those lines."""
    sentences, current, first = [], [], 0
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if current and (lines is None or first in lines):
                sentences.append(current)
            current = []
            continue
        if not current:
            first = number
        current.append((parts[0], parts[-1]))
    if current and (lines is None or first in lines):
        sentences.append(current)
    return sentences


def read_conll_documents(path: Path) -> list[list[list[tuple[str, str]]]]:
    """Sentences grouped by -DOCSTART- document."""
    docs: list[list] = []
    for block in path.read_text("utf-8").split("-DOCSTART- O")[1:]:
        tmp = BUILD / "block.conll"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(block, "utf-8")
        docs.append(read_conll(tmp))
    return docs


def held_out(eval_file: str) -> bool:
    """The eval/anercorp documents kept out of training: those with an even number."""
    return int(eval_file.split("_")[-1].split(".")[0]) % 2 == 0


def anercorp_chunks(data: Path, eval_half: bool = True
                    ) -> tuple[list[range], list[range], list[str]]:
    """Line ranges of the ANERcorp chunks to train on, those for spaCy's dev, and the
    eval/anercorp files among the training chunks. The eval documents held out (`held_out`)
    are never read; with `eval_half` the other half of them is trained on (ANERcorp is
    small: the eval documents are 80 % of its sentences)."""
    kept, trained_eval = [], []
    with open(data / "anercorp-train.chunks.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["first_line"] == "-":
                continue
            if row["in_eval_dev"] == "yes":
                if not eval_half or held_out(row["eval_dev_file"]):
                    continue
                trained_eval.append(row["eval_dev_file"])
            kept.append(range(int(row["first_line"]), int(row["last_line"]) + 1))
    dev = [r for i, r in enumerate(kept) if i % 8 == 4]
    return [r for r in kept if r not in dev], dev, trained_eval


def to_docbin(sentences, lang: str, path: Path, per_doc: int = 8) -> int:
    import spacy
    from spacy.tokens import DocBin
    from spacy.training import biluo_tags_to_spans, iob_to_biluo

    nlp = spacy.blank(lang)
    db = DocBin()
    for i in range(0, len(sentences), per_doc):
        group = sentences[i:i + per_doc]
        words = [matchable(tok).text or tok for sent in group for tok, _ in sent]
        tags = [tag for sent in group for _, tag in sent]
        starts = [j == 0 for sent in group for j in range(len(sent))]
        from spacy.tokens import Doc
        doc = Doc(nlp.vocab, words=words, sent_starts=starts)
        doc.ents = biluo_tags_to_spans(doc, iob_to_biluo(tags))
        db.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return len(sentences)


def prepare(lang: str, data: Path) -> None:
    out = BUILD / lang
    if lang == "en":
        n_train = to_docbin(read_conll(data / "conll2003-train.conll"), lang, out / "train.spacy")
        n_dev = to_docbin(read_conll(data / "conll2003-valid.conll"), lang, out / "dev.spacy")
    elif lang == "ar":
        train, dev, trained_eval = anercorp_chunks(data)
        (out / "trained_eval.json").parent.mkdir(parents=True, exist_ok=True)
        (out / "trained_eval.json").write_text(json.dumps(trained_eval))
        lines = lambda ranges: {n for r in ranges for n in r}
        path = data / "anercorp-train.conll"
        n_train = to_docbin(read_conll(path, lines(train)), lang, out / "train.spacy")
        n_dev = to_docbin(read_conll(path, lines(dev)), lang, out / "dev.spacy")
    elif lang == "fr":  # compared only: fr_core_news_md scores better and is shipped
        articles = read_conll_documents(data / "hipe2020-fr-dev.conll")
        dev = [a for i, a in enumerate(articles) if i % 8 == 4]
        train = [a for a in articles if a not in dev]
        n_train = to_docbin([s for a in train for s in a], lang, out / "train.spacy")
        n_dev = to_docbin([s for a in dev for s in a], lang, out / "dev.spacy")
    else:
        raise SystemExit(f"no training recipe for {lang!r}")
    print(f"{lang}: {n_train} training sentences, {n_dev} dev sentences", flush=True)


def train(lang: str, max_steps: int | None) -> Path:
    out = BUILD / lang
    cmd = [sys.executable, "-m", "spacy", "train", str(HERE / f"{lang}.cfg"),
           "--output", str(out / "model"), "--paths.train", str(out / "train.spacy"),
           "--paths.dev", str(out / "dev.spacy")]
    if max_steps:
        cmd += ["--training.max_steps", str(max_steps)]
    subprocess.run(cmd, check=True)
    return out / "model" / "model-best"


def train_crf(lang: str, data: Path) -> None:
    """Arabic: a CRF (toolkit/extract/crf.py) scored better than spaCy on the held-out half
    of eval/anercorp with the same training sentences (README), so it is what ships."""
    import pycrfsuite

    from toolkit.extract.crf import features

    train, dev, trained_eval = anercorp_chunks(data)
    lines = {n for r in train + dev for n in r}  # no early stopping: dev is trained on too
    trainer = pycrfsuite.Trainer(verbose=False)
    for sent in read_conll(data / "anercorp-train.conll", lines):
        words = [matchable(t).text or t for t, _ in sent]
        trainer.append(features(words), [tag for _, tag in sent])
    trainer.set_params({"c1": 0.1, "c2": 0.05, "max_iterations": 150,
                        "feature.possible_transitions": True})
    target = SHIP / lang
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    trainer.train(str(target / "crf.model"))
    (target / "meta.json").write_text(json.dumps(
        {"model": "crfsuite", "trained_on": "anercorp-train.conll less the even-numbered "
         "eval/anercorp documents", "trained_on_eval_files": trained_eval}, indent=1))
    size = (target / "crf.model").stat().st_size
    print(f"{lang}: shipped {target.relative_to(ROOT)} CRF ({size / 1e6:.1f} MB)", flush=True)


def keep_hyphenated_words(nlp) -> None:
    """CoNLL-2003 keeps "Jean-Luc", "AL-AIN" as one token; spaCy's English tokenizer
    splits them, and the model then tags "Jean" and "Luc Brassard" apart."""
    from spacy.util import compile_infix_regex

    infixes = [p for p in nlp.Defaults.infixes if "-" not in p]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def ship(lang: str, best: Path) -> None:
    """tok2vec + ner only, without the training config's paths: what extract loads."""
    import spacy

    nlp = spacy.load(best, exclude=[p for p in spacy.load(best).pipe_names
                                    if p not in ("tok2vec", "ner")])
    if lang == "en":
        keep_hyphenated_words(nlp)
    if lang in MIN_PROBABILITY:  # toolkit/extract/ner.py: the beam scores, greedy finds
        nlp.meta["min_probability"] = MIN_PROBABILITY[lang]
        nlp.meta["beam_width"] = BEAM_WIDTH
    nlp.meta["trained_on"] = TRAINED_ON.get(lang, "")
    # the build folder's paths would ship inside config.cfg: a user's clone has no such folder
    nlp.config["paths"]["train"] = None
    nlp.config["paths"]["dev"] = None
    trained_eval = BUILD / lang / "trained_eval.json"
    # which eval documents the model has read, so that tests/eval/eval_ner.py leaves them out
    nlp.meta["trained_on_eval_files"] = json.loads(trained_eval.read_text()) \
        if trained_eval.exists() else []
    target = SHIP / lang
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    print(f"{lang}: shipped {target.relative_to(ROOT)} ({size / 1e6:.1f} MB)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="+", default=["en", "ar"])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"train-ner: {args.data} not found (the shared data pack); nothing to do",
              file=sys.stderr)
        return 1
    for lang in args.lang:
        if lang in CRF_LANGS and not args.prepare_only:
            train_crf(lang, args.data)
            continue
        prepare(lang, args.data)
        if not args.prepare_only:
            ship(lang, train(lang, args.max_steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())

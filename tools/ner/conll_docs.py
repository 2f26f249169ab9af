"""CoNLL articles as the documents extract reads: a validation set laid out like eval/.

    python tools/ner/conll_docs.py [--conll ../shared/data/ner/conll2003-valid.conll]
                                   [--out build/ner/en-valid]

Writes OUT/docs/*.txt and OUT/expected.jsonl (people = PER, organisations = ORG,
places = LOC; MISC dropped), scored like ../shared/data/eval with its score_fields.py
(`tests/eval/eval_ner.py --sets OUT`). The layout follows the eval/conll2003 documents:
an article of more than 17 sentences is cut into even chunks of at most 17; each sentence
is detokenised (Moses rules) and sentences are joined by a space, five to a paragraph, the
headline (an article's first sentence) a paragraph of its own. (Training on
documents laid out and tokenised this way, instead of CoNLL's own tokens, was measured
worse here: dateline places were missed; docs/extract.md.)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "ner"
MAX_CHUNK = 17
PER_PARAGRAPH = 5
FIELDS = {"PER": "people", "ORG": "organisations", "LOC": "places"}

Sentence = list[tuple[str, str]]  # (token, IOB2 tag)


def read_articles(path: Path) -> list[list[Sentence]]:
    """Sentences grouped by -DOCSTART- article."""
    articles: list[list[Sentence]] = []
    sentence: Sentence = []
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "-DOCSTART-":
            articles.append([])
            continue
        if not parts:
            if sentence:
                articles[-1].append(sentence)
            sentence = []
            continue
        if not articles:
            articles.append([])
        sentence.append((parts[0], parts[-1]))
    if sentence:
        articles[-1].append(sentence)
    return [a for a in articles if a]


def chunks(article: list[Sentence]) -> list[tuple[int, int]]:
    """(first, end) sentence ranges: even chunks of at most MAX_CHUNK sentences."""
    n = len(article)
    parts = math.ceil(n / MAX_CHUNK)
    bounds = [round(n * k / parts) for k in range(parts + 1)]
    return list(pairwise(bounds))


_detok = None


def detokenise(words: list[str]) -> str:
    global _detok
    if _detok is None:
        from sacremoses import MosesDetokenizer

        _detok = MosesDetokenizer("en")
    return _detok.detokenize(words)


def entity_tokens(sentence: Sentence) -> list[tuple[str, int, int]]:
    """(label, first token, end token) of each IOB2 entity."""
    out, label, start = [], None, 0
    for i, (_, tag) in enumerate(sentence + [("", "O")]):
        if label and not tag.startswith("I-"):
            out.append((label, start, i))
            label = None
        if tag.startswith("B-") or (tag.startswith("I-") and label is None):
            label, start = tag[2:], i
    return out


def sentence_text(sentence: Sentence) -> tuple[str, list[tuple[str, int, int]]]:
    """The detokenised sentence and its entities' (label, start, end) character offsets,
    found by detokenising the words before, and the words of, each entity."""
    words = [w for w, _ in sentence]
    text = detokenise(words)
    spans, searched = [], 0
    for label, first, end in entity_tokens(sentence):
        name = detokenise(words[first:end])
        at = text.find(name, searched)
        if at < 0:
            continue
        spans.append((label, at, at + len(name)))
        searched = at + len(name)
    return text, spans


def article_text(sentences: list[Sentence], headline: bool
                 ) -> tuple[str, list[tuple[str, int, int]]]:
    """A chunk's text, laid out as eval/conll2003, with its entities' character spans."""
    text, spans = "", []
    groups = [sentences[:1], sentences[1:]] if headline else [sentences]
    paragraphs = [groups[0]] if headline else []
    for group in groups[1:] if headline else groups:
        paragraphs += [group[i:i + PER_PARAGRAPH] for i in range(0, len(group), PER_PARAGRAPH)]
    for p, paragraph in enumerate(p for p in paragraphs if p):
        for s, sentence in enumerate(paragraph):
            if text:
                text += "\n\n" if s == 0 else " "
            sent, sent_spans = sentence_text(sentence)
            spans += [(label, len(text) + a, len(text) + b) for label, a, b in sent_spans]
            text += sent
    return text + "\n", spans


def documents(path: Path) -> list[tuple[str, str, list[tuple[str, int, int]]]]:
    """(origin, text, entity spans) of every chunk of every article."""
    out = []
    articles = read_articles(path)
    for a, article in enumerate(articles):
        for first, end in chunks(article):
            text, spans = article_text(article[first:end], headline=first == 0)
            origin = f"{path.name} article {a} (of {len(articles)}), sentences " \
                     f"{first}-{end - 1} of {len(article)}"
            out.append((origin, text, spans))
    return out


def write_set(path: Path, out: Path, prefix: str) -> int:
    (out / "docs").mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (origin, text, spans) in enumerate(documents(path)):
        name = f"{prefix}_{i:04d}.txt"
        (out / "docs" / name).write_text(text, "utf-8")
        row = {"file": name, "lang": "en"}
        for label, field in FIELDS.items():
            seen: list[str] = []
            for lab, a, b in spans:
                if lab == label and text[a:b] not in seen:
                    seen.append(text[a:b])
            row[field] = seen
        row["origin"] = origin
        rows.append(json.dumps(row, ensure_ascii=False))
    (out / "expected.jsonl").write_text("\n".join(rows) + "\n", "utf-8")
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conll", type=Path, default=DATA / "conll2003-valid.conll")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "ner" / "en-valid")
    args = parser.parse_args()
    n = write_set(args.conll, args.out, args.conll.stem.replace("-", "_"))
    print(f"{args.out}: {n} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())

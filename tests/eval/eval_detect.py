"""Language identification on the fixtures: py3langid (the toolkit's choice) vs langdetect.

Labelled samples, three lengths: whole documents (fixtures/docs/{ar,fr,en}, plus the
seeds when ../shared/seeds is present: 4 ar, 1 fr), their paragraphs, and their
sentences (the toolkit's splitter; sentences under 20 letters skipped), and the first
four words of each sentence (at least 12 letters), the hard case. Prints
accuracy and speed per library. langdetect is seeded (DetectorFactory.seed = 0) so its
answers are repeatable. Run: .venv/bin/python tests/eval/eval_detect.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from toolkit.detect import detect_language, paragraphs
from toolkit.ingest import ingest_paths
from toolkit.sentences import split_sentences

SEED_LANGS = {"000": "ar", "001": "ar", "002": "ar", "003": "ar", "004": "fr"}


def samples() -> dict[str, list[tuple[str, str]]]:
    docs: list[tuple[str, str]] = []
    for lang in ("ar", "fr", "en"):
        for record in ingest_paths([str(ROOT / "fixtures" / "docs" / lang)]):
            docs.append((lang, f"{record['title'] or ''}\n\n{record['text']}"))
    seeds = ROOT.parent / "shared" / "seeds"
    if seeds.is_dir():
        for record in ingest_paths([str(seeds)]):
            lang = SEED_LANGS.get(Path(record["source"]["path"]).name[:3])
            if lang:
                docs.append((lang, f"{record['title'] or ''}\n\n{record['text']}"))
    paras = [(lang, p) for lang, doc in docs for p in paragraphs(doc)
             if sum(c.isalpha() for c in p) >= 20]
    sentences = [(lang, s.text) for lang, p in paras for s in split_sentences(p, lang)
                 if sum(c.isalpha() for c in s.text) >= 20]
    # The hard case: the first four words of each sentence (a headline fragment).
    snippets = [(lang, " ".join(text.split()[:4])) for lang, text in sentences]
    snippets = [(lang, text) for lang, text in snippets if sum(c.isalpha() for c in text) >= 12]
    return {"documents": docs, "paragraphs": paras, "sentences": sentences,
            "4-word snippets": snippets}


def toolkit_lang(text: str) -> str:
    return detect_language(text)[0]


def langdetect_lang(text: str) -> str:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    try:
        return detect(text)
    except LangDetectException:
        return "und"


def evaluate(name, classify, sets) -> list[str]:
    start = time.perf_counter()
    classify("warm up: load the model before timing")
    load = time.perf_counter() - start
    rows = []
    for kind, items in sets.items():
        start = time.perf_counter()
        right = sum(classify(text) == lang for lang, text in items)
        seconds = time.perf_counter() - start
        rows.append(f"| {name} | {kind} | {len(items)} | {right / len(items):.1%} | "
                    f"{seconds / len(items) * 1000:.2f} ms |")
    rows.append(f"| {name} | model load | | | {load * 1000:.0f} ms |")
    return rows


def main() -> int:
    sets = samples()
    if not sets["documents"]:
        print("no fixtures found under fixtures/docs")
        return 0
    print("| library | samples | n | accuracy | time per sample |")
    print("| --- | --- | --- | --- | --- |")
    for line in evaluate("py3langid (toolkit)", toolkit_lang, sets):
        print(line)
    try:
        import langdetect  # noqa: F401
    except ImportError:
        print("(langdetect not installed: pip install -e '.[dev]' to compare)")
        return 0
    for line in evaluate("langdetect", langdetect_lang, sets):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

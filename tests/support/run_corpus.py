"""Many distinct documents for `toolkit run` tests and benchmarks, made from the fixtures.

Document i is fixture document i % k (ar, fr, en) with a numbered headline and a closing
sentence carrying the number, so every file has its own content hash; the same n give
the same files.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "fixtures" / "docs"
LANGS = ("ar", "fr", "en")
CLOSING = {
    "ar": "وهذا هو البيان رقم {n} في هذه السلسلة.",
    "fr": "Ceci est le communiqué numéro {n} de la série.",
    "en": "This is statement number {n} in the series.",
}


def fixture_documents() -> list[tuple[str, Path]]:
    """(lang, path) of the normal fixture documents, sorted."""
    return [(lang, path) for lang in LANGS for path in sorted((DOCS / lang).glob("*.txt"))]


def make_corpus(folder: Path | str, count: int) -> list[Path]:
    """Write `count` distinct documents under folder/<lang>/; return their paths."""
    folder = Path(folder)
    sources = fixture_documents()
    written = []
    for n in range(count):
        lang, path = sources[n % len(sources)]
        headline, _, body = path.read_text("utf-8").partition("\n")
        target = folder / lang / f"{n:05d}_{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        closing = CLOSING[lang].format(n=n)
        target.write_text(f"{headline} ({n})\n{body.rstrip()}\n\n{closing}\n", "utf-8")
        written.append(target)
    return written

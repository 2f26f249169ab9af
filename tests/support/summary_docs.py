"""Fixture documents as records for the summarize tests, eval and benchmark.

A fixture file is a headline line and the body (fixtures/docs/README.md); this reads it
the way `toolkit ingest` keeps it: title apart, text without it. Labels name, for each
document, the sentences a reader would keep (fixtures/summary_labels.jsonl).
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "fixtures" / "docs"
LABELS = ROOT / "fixtures" / "summary_labels.jsonl"
SEED_LABELS = ROOT / "fixtures" / "summary_seed_labels.jsonl"
SEEDS = ROOT.parent / "shared" / "seeds"
LANGS = ("ar", "fr", "en")


def read_document(path: Path) -> tuple[str, str]:
    """(title, text) of a plain-text document: its first line, and the rest."""
    raw = path.read_text(encoding="utf-8").lstrip("\ufeff")
    title, _, body = raw.partition("\n")
    return title.strip(), body.strip()


def fixture_paths(lang: str) -> list[Path]:
    return sorted((DOCS / lang).glob("*.txt"))


def record_for(path: Path, lang: str | None) -> dict:
    title, text = read_document(path)
    record = {"id": path.name, "title": title, "text": text}
    if lang:
        record["lang"] = lang
    return record


def fixture_records() -> list[dict]:
    return [record_for(path, lang) for lang in LANGS for path in fixture_paths(lang)]


def read_labels(path: Path = LABELS) -> list[dict]:
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def label_path(label: dict) -> Path:
    """Where a label's document lies: fixtures/... relative to the repo, seeds/... in shared."""
    if label["path"].startswith("seeds/"):
        return SEEDS / label["path"].removeprefix("seeds/")
    return ROOT / label["path"]

"""Benchmark `toolkit ingest` on PDFs against the call a user would write, and measure how
close each one's text comes to the source.

Corpus: the PDFs of fixtures/formats (printed by headless Chromium and LibreOffice from
fixtures/docs; tools/make_doc_fixtures.py), copied --copies times. Sides, each its own
subprocess (peak RSS from os.wait4):

- toolkit: `toolkit ingest FOLDER -o out.jsonl` (pdfminer.six glyphs + toolkit.formats.pdf)
- pdfminer: `pdfminer.high_level.extract_text(path)` per file, the library used naively
- pypdf: `"\\n".join(page.extract_text() for page in PdfReader(path).pages)`

Likeness: difflib's SequenceMatcher ratio between the source (the fixture .txt read by
`toolkit ingest`: title and text) and each side's text, white space and presentation
forms normalised the same way on both. Goals (exit 1 when missed): every fixture PDF at
least 0.98 with the toolkit; the toolkit at least 0.5x pdfminer's pages/s.

    .venv/bin/python tests/bench/bench_formats.py [--copies 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from difflib import SequenceMatcher
from pathlib import Path

import bench_ingest  # tests/bench: its `timed`

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
FORMATS = ROOT / "fixtures" / "formats"
DOCS = ROOT / "fixtures" / "docs"
GOAL_LIKENESS = 0.98
GOAL_SPEED = 0.5

NAIVE = r"""
import json, sys
from pathlib import Path
side, folder, out = sys.argv[1:4]
if side == "pdfminer":
    from pdfminer.high_level import extract_text
    read = lambda path: extract_text(str(path))
else:
    from pypdf import PdfReader
    read = lambda path: "\n".join(p.extract_text() for p in PdfReader(path).pages)
with open(out, "w", encoding="utf-8") as stream:
    for path in sorted(Path(folder).rglob("*.pdf")):
        try:
            text = read(path)
        except Exception as exc:
            text = ""
        stream.write(json.dumps({"path": str(path), "text": text}, ensure_ascii=False) + "\n")
"""


def timed(argv: list[str]) -> tuple[float, int]:
    return bench_ingest.timed(argv, stderr=subprocess.DEVNULL)


def page_count(path: Path) -> int:
    from pdfminer.pdfpage import PDFPage

    with open(path, "rb") as stream:
        return sum(1 for _ in PDFPage.get_pages(stream))


def flat(text: str) -> str:
    from toolkit.ingest import normalise_text

    return " ".join(normalise_text(text).split())


def texts_by_file(side: str, out: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in out.read_text("utf-8").splitlines():
        record = json.loads(line)
        path = record.get("path") or record["source"]["path"]
        text = record.get("text", "") if side != "toolkit" else \
            f"{record.get('title') or ''} {record.get('text', '')}"
        key = f"{Path(path).parent.name}/{Path(path).name}"
        found[key] = found.get(key, "") + " " + text
    return found


def likeness_table(outputs: dict[str, Path]) -> list[float]:
    from toolkit.ingest import ingest_paths

    sides = {side: texts_by_file(side, out) for side, out in outputs.items()}
    print("| file | " + " | ".join(sides) + " |")
    print("| --- |" + " --- |" * len(sides))
    mine = []
    for pdf in sorted(FORMATS.glob("*/??_0*.pdf")):
        (record,) = ingest_paths([str(DOCS / pdf.stem[:2] / f"{pdf.stem[3:]}.txt")])
        source = flat(f"{record['title'] or ''} {record['text']}")
        ratios = [SequenceMatcher(None, source, flat(texts.get(f"{pdf.parent.name}/{pdf.name}", "")),
                                  autojunk=False).ratio() for texts in sides.values()]
        mine.append(ratios[0])
        print(f"| {pdf.parent.name}/{pdf.name} | " + " | ".join(f"{r:.3f}" for r in ratios)
              + " |")
    return mine


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=3)
    copies = parser.parse_args().copies
    pdfs = sorted(FORMATS.glob("*/*.pdf"))
    if not pdfs:
        print("fixtures/formats has no PDF: run tools/make_doc_fixtures.py")
        return 1
    pages_once = sum(page_count(p) for p in pdfs)
    with tempfile.TemporaryDirectory() as tmp:
        once, corpus = Path(tmp) / "once", Path(tmp) / "corpus"
        for copy in range(copies):
            for pdf in pdfs:
                for folder, wanted in ((once, copy == 0), (corpus, True)):
                    if wanted:
                        target = folder / f"{copy:03d}" / pdf.parent.name / pdf.name
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(pdf, target)
        pages = pages_once * copies
        print(f"{len(pdfs) * copies} PDFs, {pages} pages (machine shared: expect noise)\n")

        def argv(side: str, folder: Path, out: Path) -> list[str]:
            if side == "toolkit":
                return [str(BIN / "toolkit"), "ingest", str(folder), "-o", str(out)]
            return [sys.executable, "-c", NAIVE, side, str(folder), str(out)]

        sides = ("toolkit", "pdfminer", "pypdf")
        outputs = {side: Path(tmp) / f"{side}-once.jsonl" for side in sides}
        for side in sides:
            timed(argv(side, once, outputs[side]))
        mine = likeness_table(outputs)
        print("\n| side | seconds | pages/s | peak RSS MiB |\n| --- | --- | --- | --- |")
        rates = {}
        for side in sides:
            seconds, peak = timed(argv(side, corpus, Path(tmp) / f"{side}.jsonl"))
            rates[side] = pages / seconds
            print(f"| {side} | {seconds:.1f} | {rates[side]:.1f} | {peak} |")
    speed = rates["toolkit"] / rates["pdfminer"]
    print(f"\nlikeness: toolkit lowest {min(mine):.3f} (goal {GOAL_LIKENESS}); speed: "
          f"{speed:.2f}x pdfminer's extract_text (goal {GOAL_SPEED}x), "
          f"{rates['toolkit'] / rates['pypdf']:.2f}x pypdf's")
    return 0 if min(mine) >= GOAL_LIKENESS and speed >= GOAL_SPEED else 1


if __name__ == "__main__":
    sys.exit(main())

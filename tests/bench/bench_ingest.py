"""Benchmark `toolkit ingest DIR | toolkit detect` against the script a user would write.

The corpus: N generated documents (default 2,000) made by reshuffling the paragraphs
of the fixture documents (ar, fr, en); one in ten is saved in a legacy encoding
(Windows-1256 for Arabic, Windows-1252 otherwise). The baseline reads each file with
charset_normalizer.from_path(...).best(), calls langdetect.detect (seeded) and writes a
JSON line: no normalisation, titles, boilerplate or error records. Each side runs as
its own subprocess; peak RSS comes from os.wait4 (the largest process of the side).

    .venv/bin/python tests/bench/bench_ingest.py [--docs 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

BASELINE = r"""
import json, sys
from pathlib import Path
from charset_normalizer import from_path
from langdetect import DetectorFactory, detect
DetectorFactory.seed = 0
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for path in sorted(Path(sys.argv[1]).rglob("*.txt")):
        best = from_path(path).best()
        text = str(best) if best is not None else ""
        try:
            lang = detect(text)
        except Exception:
            lang = "und"
        out.write(json.dumps({"id": str(path), "text": text, "lang": lang},
                             ensure_ascii=False) + "\n")
"""

FALLBACK = {"ar": "استقبل وزير الخارجية سفير جمهورية تونس لدى ليبيا لبحث التعاون الثنائي.",
            "fr": "Le ministre des Affaires étrangères a reçu l'ambassadeur de Tunisie à Tripoli.",
            "en": "The foreign minister received the ambassador of Tunisia in Tripoli today."}


def paragraphs_by_lang() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for lang in ("ar", "fr", "en"):
        paras = []
        for path in sorted((ROOT / "fixtures" / "docs" / lang).glob("*.txt")):
            paras += [p.strip() for p in path.read_text("utf-8").split("\n") if len(p) > 40]
        found[lang] = paras or [FALLBACK[lang]] * 5
    return found


def make_corpus(folder: Path, count: int) -> int:
    rng = random.Random(7)
    pools = paragraphs_by_lang()
    total = 0
    for n in range(count):
        lang = ("ar", "fr", "en")[n % 3]
        body = rng.sample(pools[lang], k=min(6, len(pools[lang])))
        text = f"Document {n} headline {lang}\n\n" + "\n\n".join(body) + "\n"
        legacy = {"ar": "cp1256", "fr": "cp1252", "en": "cp1252"}[lang]
        data = text.encode(legacy, "replace") if n % 10 == 0 else text.encode("utf-8")
        sub = folder / f"{n // 500:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{n:05d}.txt").write_bytes(data)
        total += len(data)
    return total


def timed(argv: list[str], stderr: int | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS in MiB) of one command; exit 0 or 1 expected."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{argv[:3]} failed")
    return time.perf_counter() - start, usage.ru_maxrss // 1024


def count_lines(path: Path) -> int:
    with open(path, "rb") as stream:
        return sum(1 for _ in stream)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    count = parser.parse_args().docs
    with tempfile.TemporaryDirectory() as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "out.jsonl"
        corpus.mkdir()
        size = make_corpus(corpus, count)
        print(f"{count} documents, {size / 1e6:.1f} MB, 10% legacy-encoded "
              "(machine shared with other work: expect noise)")
        toolkit = (f"'{BIN / 'toolkit'}' ingest '{corpus}' | '{BIN / 'toolkit'}' detect "
                   f"-o '{out}'")
        mine, base = "toolkit ingest, piped to toolkit detect", "baseline script"
        sides = {mine: ["bash", "-c", toolkit],
                 base: [sys.executable, "-c", BASELINE, str(corpus), str(out)]}
        print("| side | records | seconds | docs/s | peak RSS MiB |")
        print("| --- | --- | --- | --- | --- |")
        rates = {}
        for name, argv in sides.items():
            seconds, peak = timed(argv)
            records = count_lines(out)
            rates[name] = count / seconds
            print(f"| {name} | {records} | {seconds:.1f} | {rates[name]:.0f} | {peak} |")
        print(f"ratio: toolkit is {rates[mine] / rates[base]:.1f}x the baseline's throughput")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark `toolkit digest` on 10,000 records: writing the page, and opening it in Chromium.

Records: the bundled documents through `toolkit run` (no translation packages needed),
repeated with new ids and dates up to N. Side by side with what a user would otherwise
write: a script that puts every record in one static HTML page (html.escape, a card per
record, no paging). Each side's page is opened with headless Chromium (wall time from
launch to a screenshot taken after the scripts ran; best of 3), next to an empty page, so
the difference is the page's own cost. Goal: the digest opens faster than the static
page; exit 1 when missed or when Chromium is absent.

    .venv/bin/python tests/bench/bench_digest.py [--records 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests"))

from support import browser

NAIVE = r"""
import html, json, sys
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
cards = []
for r in records:
    f = r.get("fields") or {}
    summary = (r.get("summary") or {}).get(r.get("lang")) or {}
    text = " ".join(s.get("text", "") for s in summary.get("sentences") or [])
    people = ", ".join(p.get("name", "") for p in f.get("people") or [])
    cards.append(f"<article><h2>{html.escape(r.get('title') or '')}</h2>"
                 f"<p>{html.escape(r.get('lang') or '')} {html.escape(f.get('published') or '')}</p>"
                 f"<p>{html.escape(text)}</p><p>{html.escape(people)}</p></article>")
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("<!DOCTYPE html><meta charset=utf-8><title>naive</title>" + "".join(cards))
"""


def timed(argv: list[str]) -> tuple[float, int]:
    """(seconds, peak RSS MiB of the process) of a command that must succeed."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {child.stderr.read().decode()[-500:]}")
    return seconds, usage.ru_maxrss // 1024


def make_records(folder: Path, count: int) -> Path:
    base = folder / "fixtures.jsonl"
    docs = [str(ROOT / "fixtures" / "docs" / lang) for lang in ("ar", "fr", "en")]
    subprocess.run([str(BIN / "toolkit"), "run", *docs, "--to", "en", "-q", "--no-cache",
                    "--skip-missing-models", "-o", str(base)], check=True,
                   stderr=subprocess.DEVNULL,
                   env={**os.environ, "ARGOS_PACKAGES_DIR": str(folder / "no-packages")})
    originals = [json.loads(line) for line in base.read_text("utf-8").splitlines()]
    path = folder / "records.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            record = json.loads(json.dumps(originals[i % len(originals)]))
            record["id"] = f"{record['id']}#{i}"
            record.setdefault("fields", {})["published"] = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def opened(binary: str, page: Path, runs: int = 3) -> float:
    """Best wall time of Chromium loading `page` and running its scripts."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        shown = browser.screenshot(binary, page, page.with_suffix(".png"))
        best = min(best, time.perf_counter() - started)
        if shown.console_errors():
            raise SystemExit(f"{page.name}: console errors: {shown.console_errors()[:3]}")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    count = parser.parse_args().records
    binary = browser.chromium()
    if not binary:
        print(browser.MISSING, file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench_digest.") as tmp:
        folder = Path(tmp)
        records = make_records(folder, count)
        ours, naive, empty = folder / "digest.html", folder / "naive.html", folder / "empty.html"
        empty.write_text("<!DOCTYPE html><title>empty</title>", "utf-8")
        ours_s, ours_mib = timed([str(BIN / "toolkit"), "digest", str(records), "-o", str(ours)])
        naive_s, naive_mib = timed([sys.executable, "-c", NAIVE, str(records), str(naive)])
        blank = opened(binary, empty)
        ours_open, naive_open = opened(binary, ours) - blank, opened(binary, naive) - blank
        print(f"{count:,} records ({records.stat().st_size / 2**20:.0f} MiB of JSON Lines, "
              "the bundled documents repeated); machine shared with other work")
        print("| side | write s | peak RSS MiB | page MiB | Chromium opens it, s |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, write_s, mib, page, open_s in (
                ("toolkit digest (paged, 50 cards)", ours_s, ours_mib, ours, ours_open),
                ("static page, every card", naive_s, naive_mib, naive, naive_open)):
            print(f"| {name} | {write_s:.1f} | {mib} | {page.stat().st_size / 2**20:.1f} | "
                  f"{open_s:.2f} |")
        print(f"Chromium start with an empty page: {blank:.2f} s (subtracted); the digest "
              f"opens {naive_open / ours_open:.1f}x faster than the static page")
    if ours_open >= naive_open:
        print(f"goal missed: the digest opens in {ours_open:.2f} s, the static page in "
              f"{naive_open:.2f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

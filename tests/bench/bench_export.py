"""Benchmark `toolkit export`: 100,000 realistic records to each format, time and peak memory.

Side by side with what a user would otherwise write: a script that loads every line
with json.loads into a list, flattens the same columns by hand and writes them with
csv.DictWriter, json.dumps, pyarrow.Table.from_pylist or sqlite3 executemany (pandas
too, when it is installed). Each run is its own subprocess, so peak RSS (os.wait4) is
that run's alone. Memory flat in the count: the toolkit also exports the first 20,000
records, and the table shows peak memory at 20k and at 100k.

    .venv/bin/python tests/bench/bench_export.py [--records 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMATS = ("csv", "tsv", "jsonl", "parquet", "sqlite")
SMALL = 20_000

AR_TEXT = ("المجلس الوزراء الحكومة الليبية طرابلس الاجتماع القرار رئيس وزير الصحة التعليم "
            "المواطنين الخدمات مشروع التنمية الاقتصادية الوطنية بنغازي مصراتة الطاقة الكهرباء "
            "الأمم المتحدة المنظمة الدولية التعاون الشركاء الدعم البرنامج")
FR_TEXT = ("le la les ministre gouvernement libyen réunion conseil décision Tripoli santé "
            "éducation citoyens services projet développement économique national coopération "
            "partenaires soutien programme agence dépêche septembre mercredi")
EN_TEXT = ("the council ministers government Libyan meeting decision prime minister health "
            "education citizens services project development economic national cooperation "
            "partners support programme agency Tripoli")
AR_WORDS, FR_WORDS, EN_WORDS = AR_TEXT.split(), FR_TEXT.split(), EN_TEXT.split()


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n)) + "."


def make_record(n: int, rng: random.Random) -> dict:
    """A record as `toolkit run` would leave it: text, translation, summary and fields."""
    lang = "ar" if n % 3 else "fr"
    words = AR_WORDS if lang == "ar" else FR_WORDS
    sentences = [sentence(rng, words, rng.randint(6, 16)) for _ in range(rng.randint(4, 10))]
    english = [sentence(rng, EN_WORDS, rng.randint(6, 16)) for _ in sentences]
    record = {
        "id": f"docs/{lang}/{n:06d}.txt",
        "sha256": f"{rng.getrandbits(256):064x}",
        "source": {"path": f"docs/{lang}/{n:06d}.txt", "encoding": "utf-8",
                   "bytes": 4000 + n % 997, "article": None},
        "title": sentence(rng, words, 8),
        "text": " ".join(sentences),
        "lang": lang,
        "lang_score": 0.99,
        "translations": {"en": {
            "title": sentence(rng, EN_WORDS, 8), "text": " ".join(english),
            "model": f"{lang}-en", "pivot": None, "params": {"to": "en", "toolkit": "0.1.0"},
            "sentences": [{"source": s, "target": e, "flags": []}
                          for s, e in zip(sentences, english)]}},
        "summary": {lang: {"method": "lsa", "params": {"n": 3, "toolkit": "0.1.0"},
                           "sentences": [{"index": i, "text": sentences[i],
                                          "translations": {"en": english[i]}}
                                         for i in range(3)]}},
        "fields": {
            "title": None, "published": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "dates": [{"text": "5 مايو 2025", "iso": "2025-05-05", "start": 10, "end": 21}
                      for _ in range(rng.randint(0, 3))],
            "dateline": {"place": "طرابلس", "agency": "LANA" if n % 2 else None},
            "people": [{"name": sentence(rng, words, 2)[:-1], "role": rng.choice([None, "وزير"]),
                        "name_en": None} for _ in range(rng.randint(0, 4))],
            "organisations": [{"name": "مكتب تنسيق الشؤون الإنسانية", "acronym": "OCHA"}],
            "places": [{"name": "طرابلس", "country": "LY"}, {"name": "Paris", "country": "FR"}],
            "countries": ["LY", "FR"][: 1 + n % 2],
            "references": [{"type": "decree", "number": n % 500, "year": 2025,
                            "text": f"قرار رقم ({n % 500}) لسنة 2025"}] if n % 4 == 0 else [],
            "params": {"toolkit": "0.1.0"},
        },
    }
    if n % 50 == 0:
        record["errors"] = [{"stage": "translate", "code": "too_long", "message": "text too long"}]
    if n % 7 == 0:
        record["title"] = "=" + record["title"]  # formula-like cells occur
    return record


def write_input(path: Path, count: int) -> None:
    rng = random.Random(20251123)
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(make_record(n, rng), ensure_ascii=False) + "\n"
                          for n in range(count))


# What a user would otherwise write: load everything, flatten by hand, write in one go.
BASELINE = r'''
import csv, json, sqlite3, sys
fmt, src, dst = sys.argv[1:4]
records = [json.loads(line) for line in open(src, encoding="utf-8")]
def join(items): return " | ".join("" if i is None else str(i) for i in items)
def row(r):
    f = r.get("fields") or {}
    summary = (r.get("summary") or {}).get(r.get("lang")) or {}
    sents = summary.get("sentences") or []
    return {"id": r.get("id"), "source.path": (r.get("source") or {}).get("path"),
        "title": r.get("title"), "lang": r.get("lang"), "published": f.get("published"),
        "dateline": " / ".join(v for v in (f.get("dateline") or {}).values() if v),
        "people": join(p["name"] + (f" ({p['role']})" if p.get("role") else "")
                       for p in f.get("people", [])),
        "organisations": join(f"{o['name']} ({o['acronym']})" for o in f.get("organisations", [])),
        "places": join(f"{p['name']} ({p['country']})" for p in f.get("places", [])),
        "countries": join(f.get("countries", [])),
        "dates": join(d.get("iso") or d.get("text") for d in f.get("dates", [])),
        "references": join(x.get("text") for x in f.get("references", [])),
        "summary": " ".join(s["text"] for s in sents),
        "title_en": ((r.get("translations") or {}).get("en") or {}).get("title"),
        "summary_en": " ".join(s["translations"]["en"] for s in sents),
        "errors": join(f"{e['stage']} {e['code']}: {e['message']}" for e in r.get("errors", []))}
if fmt == "jsonl":
    with open(dst, "w", encoding="utf-8") as out:
        for r in records: out.write(json.dumps(r, ensure_ascii=False) + "\n")
    sys.exit()
rows = [row(r) for r in records]
if fmt in ("csv", "tsv"):
    with open(dst, "w", encoding="utf-8", newline="") as out:
        w = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter="," if fmt == "csv" else "\t")
        w.writeheader(); w.writerows(rows)
elif fmt == "parquet":
    import pyarrow as pa, pyarrow.parquet as pq
    pq.write_table(pa.Table.from_pylist(rows), dst)
elif fmt == "sqlite":
    db = sqlite3.connect(dst); names = list(rows[0])
    db.execute("CREATE TABLE documents (%s)" % ", ".join('"%s" TEXT' % n for n in names))
    db.executemany("INSERT OR REPLACE INTO documents VALUES (%s)" % ",".join("?" * len(names)),
                   [tuple(r.values()) for r in rows]); db.commit()
'''

PANDAS = r'''
import sys, pandas as pd
fmt, src, dst = sys.argv[1:4]
frame = pd.json_normalize(pd.read_json(src, lines=True).to_dict("records"))
{"csv": lambda: frame.astype(str).to_csv(dst, index=False),
 "parquet": lambda: frame.astype(str).to_parquet(dst)}[fmt]()
'''


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one subprocess."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"bench_export: {' '.join(command)} failed ({status})")
    return seconds, usage.ru_maxrss / 1024


def toolkit_export(fmt: str, src: Path, dst: Path) -> list[str]:
    return [sys.executable, "-m", "toolkit", "export", "--format", fmt, "-i", str(src),
            "-o", str(dst), "-q"]


def fresh(path: Path) -> Path:
    path.unlink(missing_ok=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    count = parser.parse_args().records
    small = min(SMALL, count)
    try:
        import pandas  # noqa: F401
        has_pandas = True
    except ImportError:
        has_pandas = False
    with tempfile.TemporaryDirectory(prefix="bench_export.") as tmp:
        folder = Path(tmp)
        big, little = folder / "big.jsonl", folder / "small.jsonl"
        began = time.perf_counter()
        write_input(big, count)
        with open(big, encoding="utf-8") as src, open(little, "w", encoding="utf-8") as dst:
            dst.writelines(line for _, line in zip(range(small), src))
        size = big.stat().st_size / 2**20
        print(f"input: {count:,} records, {size:,.0f} MiB of JSON Lines "
              f"(generated in {time.perf_counter() - began:.0f} s); "
              f"default columns; shared 2-core machine, numbers are indicative")
        print(f"{'format':8} {'toolkit s':>9} {'rec/s':>8} {'MiB 20k':>8} {'MiB all':>8} "
              f"{'naive s':>8} {'naive MiB':>9} {'speed x':>8} {'memory x':>8}")
        for fmt in FORMATS:
            out = folder / f"out.{fmt}"
            ours_s, ours_mib = measure(toolkit_export(fmt, big, fresh(out)))
            _, small_mib = measure(toolkit_export(fmt, little, fresh(out)))
            base_s, base_mib = measure([sys.executable, "-c", BASELINE, fmt, str(big),
                                        str(fresh(out))])
            print(f"{fmt:8} {ours_s:9.1f} {count / ours_s:8,.0f} {small_mib:8.0f} "
                  f"{ours_mib:8.0f} {base_s:8.1f} {base_mib:9.0f} {base_s / ours_s:8.2f} "
                  f"{base_mib / ours_mib:8.1f}")
            if has_pandas and fmt in ("csv", "parquet"):
                pd_s, pd_mib = measure([sys.executable, "-c", PANDAS, fmt, str(big),
                                        str(fresh(out))])
                print(f"{'  pandas':8} {'':9} {'':8} {'':8} {'':8} {pd_s:8.1f} {pd_mib:9.0f} "
                      f"{pd_s / ours_s:8.2f} {pd_mib / ours_mib:8.1f}")
        print("speed x = naive time / toolkit time; memory x = naive peak / toolkit peak; "
              "MiB 20k vs MiB all: toolkit peak RSS for the first 20,000 records and for all")


if __name__ == "__main__":
    main()

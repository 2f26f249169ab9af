"""Every summary method against reference summaries others wrote, per language.

References: ../shared/data/eval/bbc_news_summary (English, extractive), rpm2_fr (French,
four human abstracts per cluster of ten articles, the cluster's articles concatenated)
and fixtures/summary_ar (Arabic, 30 documents written for the toolkit, three sentences a
reader would keep each, written before any method was run on them). Scores: ROUGE-1, -2
and -L F1 (rouge-score, with a tokenizer that keeps Arabic and French words; the best
reference counts) and, for extractive references, sentence precision, both from
rouge-score and from the data pack's scorer (score_summaries.py). Three sentences each.

Also: the story summary (toolkit.story_summary, sentences from the ten articles of an
RPM2 cluster, redundancy removed) against the best single-document method run on the
concatenated cluster.

Exits 1 when a language's default (toolkit.summarize.DEFAULT_METHODS) is not the method
with the best ROUGE-1 there, or the story summary does not beat the best single method.

Run: .venv/bin/python tests/eval/eval_summary_methods.py   (or `make eval`)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from statistics import mean

from toolkit import summarize as sm
from toolkit.ingest import ingest_paths
from toolkit.story_summary import summarize_members

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "data" / "eval"
SETS = [("en", "bbc_news_summary", EVAL / "bbc_news_summary"),
        ("fr", "rpm2_fr", EVAL / "rpm2_fr"),
        ("ar", "summary_ar", ROOT / "fixtures" / "summary_ar")]
N = 3


class Words:
    """rouge-score's tokenizer drops every non-ASCII letter; this one keeps Arabic and
    French words (NFKC, lower case, Arabic without short vowels, tatweel or hamza forms)."""

    _MARKS = re.compile(r"[\u064B-\u0652\u0670\u0640]")
    _ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})

    def tokenize(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        return re.findall(r"\w+", self._MARKS.sub("", text).translate(self._ALEFS))


def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=Words())


def rouge(scorer, predicted: list[str], references: list[list[str]]) -> dict[str, float]:
    best: dict[str, float] = {}
    for reference in references:
        scores = scorer.score(" ".join(reference), " ".join(predicted))
        for key, score in scores.items():
            best[key] = max(best.get(key, 0.0), score.fmeasure)
    return best


_WORDS = Words()


def _same_sentence(a: str, b: str, words: Words = _WORDS) -> bool:
    wa, wb = set(words.tokenize(a)), set(words.tokenize(b))
    return bool(wa and wb) and len(wa & wb) / max(len(wa), len(wb)) >= 0.8


def load(lang: str, folder: Path) -> tuple[list[dict], dict[str, dict]]:
    records = list(ingest_paths([str(folder / "docs")]))
    for record in records:
        record["lang"] = lang
    expected = {json.loads(line)["file"]: json.loads(line)
                for line in (folder / "expected.jsonl").read_text("utf-8").splitlines()}
    return records, expected


def score_set(scorer, summaries: dict[str, list[str]], expected: dict[str, dict]) -> dict:
    rows = []
    for name, predicted in summaries.items():
        gold = expected[name]
        row = rouge(scorer, predicted, gold["summaries"])
        if gold.get("summary_kind", "extractive") == "extractive" and predicted:
            row["precision"] = mean(any(_same_sentence(p, s) for ref in gold["summaries"]
                                        for s in ref) for p in predicted)
        rows.append(row)
    return {key: mean(r[key] for r in rows if key in r)
            for key in ("rouge1", "rouge2", "rougeL", "precision") if any(key in r for r in rows)}


def pack_score(records: list[dict], expected_path: Path, lead: bool = False) -> str:
    """The data pack's own scorer, for the record."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    command = [sys.executable, str(EVAL / "score_summaries.py"), f.name, str(expected_path)]
    out = subprocess.run(command + (["--lead", str(N)] if lead else []), capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()[-1]
    Path(f.name).unlink()
    return out.removeprefix("summaries ")


def method_summaries(records: list[dict], method: str) -> tuple[dict[str, list[str]], list]:
    done = list(sm.summarize_records([json.loads(json.dumps(r)) for r in records],
                                     method=method, sentences=N))
    by_file = {}
    for record in done:
        summary = (record.get("summary") or {}).get(record["lang"]) or {}
        by_file[Path(record["source"]["path"]).name] = [s["text"] for s in
                                                        summary.get("sentences", [])]
    return by_file, done


def story_summaries(expected: dict[str, dict]) -> dict[str, list[str]]:
    """Each RPM2 cluster summarised from its ten articles (rpm2_articles)."""
    articles = list(ingest_paths([str(EVAL / "rpm2_articles" / "docs")]))
    by_cluster: dict[str, list[dict]] = {}
    for record in articles:
        name = Path(record["source"]["path"]).name  # rpm2_T01_C1_01.txt
        by_cluster.setdefault(name.rsplit("_", 1)[0] + ".txt", []).append(record)
    out = {}
    for cluster in expected:
        members = sorted(by_cluster.get(cluster, []), key=lambda r: r["id"])
        texts = [(r["id"], r["text"], r.get("title"), False) for r in members]
        out[cluster] = [s["text"] for s in summarize_members(texts, "fr", N)]
    return out


def main() -> int:
    if not EVAL.is_dir():
        print(f"skipped: {EVAL} is absent (the team's data pack)")
        return 0
    scorer = _scorer()
    failed = False
    best_single = {}
    for lang, name, folder in SETS:
        records, expected = load(lang, folder)
        print(f"\n## {name} ({lang}, {len(records)} documents, {N} sentences)\n")
        print("| method | ROUGE-1 | ROUGE-2 | ROUGE-L | sent. precision | score_summaries.py |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        results = {}
        for method in (m for m in sm.METHODS if m != sm.AUTO):
            summaries, done = method_summaries(records, method)
            results[method] = score_set(scorer, summaries, expected)
            row = results[method]
            mark = " (default)" if sm.DEFAULT_METHODS.get(lang) == method else ""
            print(f"| {method}{mark} | {row['rouge1']:.3f} | {row['rouge2']:.3f} | "
                  f"{row['rougeL']:.3f} | {row.get('precision', float('nan')):.3f} | "
                  f"{pack_score(done, folder / 'expected.jsonl')} |")
        print(f"| lead-3 (score_summaries.py --lead 3) | | | | | "
              f"{pack_score(records, folder / 'expected.jsonl', lead=True)} |")
        best = max(results, key=lambda m: results[m]["rouge1"])
        best_single[lang] = results[best]["rouge1"]
        print(f"\nbest by ROUGE-1: {best}; default for {lang}: {sm.DEFAULT_METHODS.get(lang)}")
        if sm.DEFAULT_METHODS.get(lang) != best:
            failed = True
        if lang == "fr":
            stories = score_set(scorer, story_summaries(expected), expected)
            print(f"\nstory summary (MMR over the cluster's 10 articles): ROUGE-1 "
                  f"{stories['rouge1']:.3f}, ROUGE-2 {stories['rouge2']:.3f}, ROUGE-L "
                  f"{stories['rougeL']:.3f}; best single method on the concatenation: "
                  f"{best} {results[best]['rouge1']:.3f}")
            failed |= stories["rouge1"] <= results[best]["rouge1"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

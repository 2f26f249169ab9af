"""Benchmark: `toolkit summarize` against the ways a user would otherwise run sumy.

Side by side in one run, each side in its own process (peak RSS from os.wait4):

  toolkit     `toolkit summarize --method lexrank` over 1,000 distinct documents (JSONL)
  sumy CLI    `sumy lex-rank --length=3 --file=F` once per file in a shell loop, as users
              do today. It needs NLTK's punkt data, which cannot be downloaded here: a
              minimal punkt_tab (english, french) is trained with NLTK's PunktTrainer on
              the fixture texts into a temporary NLTK_DATA for this run only. sumy's CLI
              cannot do Arabic without pyarabic, so the loop runs over English and French
              files only, a subset (default 50), and its time is extrapolated per document.
  sumy direct sumy's LexRankSummarizer called in one Python process over the same
              documents, with the toolkit's tokenizer (sumy's own needs punkt), sumy's
              Stemmer and stop words, the summariser built once per language.

Then the toolkit's peak memory at 1,000 and 20,000 documents (streaming: should be flat).
Goals: >= 10x the CLI loop, within 1.2x of sumy direct, memory flat within 10 %.

Run: .venv/bin/python tests/bench/bench_summarize.py [--docs 1000] [--large 20000]
     [--cli-files 50]
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

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support.summary_docs import LANGS, fixture_paths, read_document

from toolkit.sentences import split_sentences

BIN = Path(sys.executable).parent
SUMY_LANGUAGE = {"ar": "arabic", "fr": "french", "en": "english"}

DIRECT_SUMY = r"""
import json, sys
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words
from toolkit.summarize import OfflineTokenizer

LANGUAGE = {"ar": "arabic", "fr": "french", "en": "english"}
kits = {}
with open(sys.argv[1], encoding="utf-8") as source, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in source:
        record = json.loads(line)
        lang = record["lang"]
        if lang not in kits:
            summarizer = LexRankSummarizer(Stemmer(LANGUAGE[lang]))
            summarizer.stop_words = get_stop_words(LANGUAGE[lang])
            kits[lang] = (summarizer, OfflineTokenizer(lang))
        summarizer, tokenizer = kits[lang]
        document = PlaintextParser.from_string(record["text"], tokenizer).document
        sentences = [str(s) for s in summarizer(document, 3)]
        out.write(json.dumps({"id": record["id"], "summary": sentences}, ensure_ascii=False) + "\n")
"""


# --- documents ------------------------------------------------------------------------


def base_documents() -> list[tuple[str, str, list[str]]]:
    """(lang, title, body sentences) of every fixture document."""
    docs = []
    for lang in LANGS:
        for path in fixture_paths(lang):
            title, text = read_document(path)
            docs.append((lang, title, [s.text for s in split_sentences(text, lang)]))
    return docs


def make_records(count: int) -> list[dict]:
    """`count` distinct documents: a fixture's lead, its other sentences shuffled and
    regrouped into paragraphs of two or three, one sentence sometimes dropped."""
    bases = base_documents()
    records = []
    for number in range(count):
        lang, title, sentences = bases[number % len(bases)]
        rng = random.Random(number)
        rest = sentences[1:]
        rng.shuffle(rest)
        if len(rest) > 4 and rng.random() < 0.5:
            rest.pop(rng.randrange(len(rest)))
        body, paragraph = [], [sentences[0]]
        for sentence in rest:
            if len(paragraph) >= rng.choice((2, 3)):
                body.append(" ".join(paragraph))
                paragraph = []
            paragraph.append(sentence)
        body.append(" ".join(paragraph))
        records.append({"id": f"bench-{number}", "title": f"{title} ({number})",
                        "text": "\n\n".join(body), "lang": lang})
    return records


def write_jsonl(records: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def write_text_files(records: list[dict], folder: Path) -> list[tuple[Path, str]]:
    folder.mkdir()
    files = []
    for record in records:
        path = folder / f"{record['id']}.txt"
        path.write_text(f"{record['title']}\n\n{record['text']}\n", encoding="utf-8")
        files.append((path, record["lang"]))
    return files


# --- measuring ------------------------------------------------------------------------


def measure(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB of the process and its children) for one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"benchmark command failed ({process.returncode}): {command[:3]}")
    return seconds, usage.ru_maxrss / 1024


def train_punkt(nltk_data: Path) -> None:
    """A minimal punkt_tab for english and french, trained on the fixture texts."""
    script = (
        "import os, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from support.summary_docs import fixture_paths, read_document\n"
        "from nltk.tokenize.punkt import PunktTrainer, save_punkt_params\n"
        "for lang, name in (('en', 'english'), ('fr', 'french')):\n"
        "    text = '\\n\\n'.join('\\n'.join(read_document(p)) for p in fixture_paths(lang))\n"
        "    trainer = PunktTrainer()\n"
        "    trainer.train(text, finalize=True)\n"
        "    folder = os.path.join(os.environ['NLTK_DATA'], 'tokenizers', 'punkt_tab', name)\n"
        "    os.makedirs(os.path.dirname(folder), mode=0o700, exist_ok=True)\n"
        "    save_punkt_params(trainer.get_params(), dir=folder)\n"
    )
    env = {**os.environ, "NLTK_DATA": str(nltk_data)}
    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True)


def cli_loop_command(files: list[tuple[Path, str]]) -> list[str]:
    lines = [f"{BIN / 'sumy'} lex-rank --length=3 --language={SUMY_LANGUAGE[lang]} "
             f"--file={path} > /dev/null" for path, lang in files]
    return ["bash", "-c", "set -e\n" + "\n".join(lines)]


def toolkit_command(source: Path, output: Path) -> list[str]:
    return [str(BIN / "toolkit"), "summarize", "--method", "lexrank", "-q",
            "-i", str(source), "-o", str(output)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--cli-files", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_summarize_") as tmp:
        tmp_path = Path(tmp)
        records = make_records(max(args.docs, args.large))
        small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
        write_jsonl(records[:args.docs], small)
        write_jsonl(records[:args.large], large)
        latin = [r for r in records[:args.docs] if r["lang"] in ("en", "fr")][:args.cli_files]
        files = write_text_files(latin, tmp_path / "files")
        nltk_data = tmp_path / "nltk_data"
        nltk_data.mkdir(mode=0o700)
        train_punkt(nltk_data)
        cli_env = {**os.environ, "NLTK_DATA": str(nltk_data)}

        toolkit_s, toolkit_mb = measure(toolkit_command(small, tmp_path / "out.jsonl"))
        direct_s, direct_mb = measure([sys.executable, "-c", DIRECT_SUMY, str(small),
                                       str(tmp_path / "direct.jsonl")])
        cli_s, cli_mb = measure(cli_loop_command(files), env=cli_env)
        large_s, large_mb = measure(toolkit_command(large, tmp_path / "out_large.jsonl"))

    n = args.docs
    toolkit_rate, direct_rate = n / toolkit_s, n / direct_s
    cli_rate = len(files) / cli_s
    print(f"summarize, LexRank, 3 sentences; {n:,} distinct documents (ar/fr/en, varied "
          f"fixtures); machine shared with other work, {os.cpu_count()} CPUs\n")
    print("| side | documents | seconds | docs/s | toolkit is | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| toolkit summarize | {n:,} | {toolkit_s:.1f} | {toolkit_rate:.0f} | 1.00x | "
          f"{toolkit_mb:.0f} |")
    print(f"| sumy direct, one process | {n:,} | {direct_s:.1f} | {direct_rate:.0f} | "
          f"{toolkit_rate / direct_rate:.2f}x | {direct_mb:.0f} |")
    print(f"| sumy CLI per file (en/fr subset) | {len(files)} | {cli_s:.1f} | {cli_rate:.1f} | "
          f"{toolkit_rate / cli_rate:.0f}x | {cli_mb:.0f} |")
    print(f"\nsumy CLI extrapolated to {n:,} documents: {n / cli_rate:.0f} s "
          f"(measured on {len(files)} files, per-document time x {n:,})")
    growth = large_mb / toolkit_mb - 1
    print(f"toolkit peak RSS: {toolkit_mb:.0f} MiB at {n:,} documents, {large_mb:.0f} MiB at "
          f"{args.large:,} ({growth:+.1%}; {args.large / large_s:.0f} docs/s)")
    goals = [
        ("toolkit >= 10x sumy CLI loop", toolkit_rate / cli_rate >= 10),
        ("toolkit within 1.2x of sumy direct", direct_rate / toolkit_rate <= 1.2),
        ("memory flat within 10 %", abs(growth) <= 0.10),
    ]
    print("goals: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in goals))
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())

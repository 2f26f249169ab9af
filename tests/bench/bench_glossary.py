"""Benchmark: what `translate --glossary` costs over the same translation without it.

The bench package of bench_translate.py (Transformer-base-sized fr→en, int8, random
weights), the same varied French fixture sentences in documents, and fixtures/glossary.csv.
Each side runs `toolkit translate --to en --no-cache --beam-size 4` in its own subprocess
(peak RSS its own), alternating, best of --repeat:

  plain      without a glossary
  glossary   with --glossary fixtures/glossary.csv

Random weights never give a placeholder back, so every sentence holding a term takes the
fallback (the text around its terms translated again as segments): the worst case. With a
real model that keeps placeholders the cost is the matching alone, measured apart
(find_hits + mask + restore over every sentence, in this process). Goals (exit 1 when
missed): glossary / plain <= 1 + 1.25 x (share of sentences with a term), i.e. at most the
sentences with terms translated a second time plus a quarter; matching under 2% of the
plain side's time. Usage: .venv/bin/python tests/bench/bench_glossary.py [--sentences 150]
[--repeat 2] [--json FILE]
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/, for support.argos_package
sys.path.insert(0, str(HERE))

from bench_translate import BEAM, build_and_install, documents

GLOSSARY = HERE.parents[1] / "fixtures" / "glossary.csv"
MATCHING_GOAL = 0.02


def side(source: str, output: str, glossary: bool) -> None:
    import resource

    from toolkit.cli import app

    args = ["translate", "--to", "en", "--from", "fr", "--no-cache", "--beam-size", str(BEAM),
            "-i", source, "-o", output, "--quiet"]
    if glossary:
        args += ["--glossary", str(GLOSSARY)]
    try:
        app(args)
    except SystemExit as exc:
        if exc.code:
            raise
    print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def run_side(name: str, source: Path, output: Path, env: dict) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--side", name, "--input", str(source),
                           "--output", str(output)], env=env, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    usage = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_mb": usage["maxrss_kb"] / 1024}


def matching_seconds(sentences: list[str]) -> tuple[float, int]:
    """Time to find, mask and restore the terms of every sentence (model excluded)."""
    from toolkit.glossary import find_hits, load_glossary, mask, restore

    matcher = load_glossary(GLOSSARY).matcher("fr", "en")
    started = time.perf_counter()
    with_terms = 0
    for sentence in sentences:
        hits = find_hits(sentence, [matcher])
        if hits:
            with_terms += 1
            masked = mask(sentence, hits, "{%d}")
            restore(masked.text or "", masked)
    return time.perf_counter() - started, with_terms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json")
    parser.add_argument("--side", choices=["plain", "glossary"])
    parser.add_argument("--input")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.side:
        side(args.input, args.output, args.side == "glossary")
        return
    from toolkit.sentences import split_sentences

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, ARGOS_PACKAGES_DIR=str(tmp_path / "packages"),
                   XDG_CACHE_HOME=str(tmp_path / "cache"))
        os.environ["ARGOS_PACKAGES_DIR"] = env["ARGOS_PACKAGES_DIR"]
        build_and_install(str(tmp_path / "build"))
        docs = documents(args.sentences)
        source = tmp_path / "docs.jsonl"
        source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                          "utf-8")
        sentences = [s.text for d in docs for key in ("title", "text")
                     for s in split_sentences(d[key], "fr")]
        best: dict[str, dict] = {}
        for _ in range(args.repeat):
            for name in ("plain", "glossary"):
                row = run_side(name, source, tmp_path / f"{name}.jsonl", env)
                if name not in best or row["seconds"] < best[name]["seconds"]:
                    best[name] = row
        matching, with_terms = matching_seconds(sentences)
        out = [json.loads(line) for line in
               (tmp_path / "glossary.jsonl").read_text("utf-8").splitlines()]
    share = with_terms / len(sentences)
    ratio = best["glossary"]["seconds"] / best["plain"]["seconds"]
    goal = 1 + 1.25 * share
    matching_share = matching / best["plain"]["seconds"]
    lost = sum("placeholder_lost" in p["flags"] for r in out
               for p in r["translations"]["en"]["sentences"])
    print(f"{len(sentences)} sentences, {with_terms} with a glossary term "
          f"({share:.0%}); {lost} text sentences took the fallback")
    print(f"{'side':<10} {'seconds':>8} {'peak MiB':>9}")
    for name, row in best.items():
        print(f"{name:<10} {row['seconds']:>8.2f} {row['peak_mb']:>9.0f}")
    print(f"glossary / plain: {ratio:.2f}x (goal <= {goal:.2f}x, every placeholder lost)")
    print(f"matching + masking + restoring: {matching * 1000:.1f} ms "
          f"({matching_share:.2%} of plain; goal < {MATCHING_GOAL:.0%})")
    summary = {"sentences": len(sentences), "with_terms": with_terms, "fallback": lost,
               "sides": best, "ratio": round(ratio, 3), "goal": round(goal, 3),
               "matching_s": round(matching, 4), "matching_share": round(matching_share, 4)}
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2), "utf-8")
    if ratio > goal or matching_share >= MATCHING_GOAL:
        sys.exit(1)


if __name__ == "__main__":
    main()

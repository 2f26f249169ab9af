"""Benchmark `toolkit run`: the whole job over 1,000 distinct documents, small test packages.

Side by side, each in its own process (peak RSS of that process tree):
  - pipes: `toolkit ingest | detect | translate | summarize | extract`, what a user would
    otherwise chain (every stage a process, JSON between them);
  - `toolkit run --translate all` and `--translate summary` (one process);
  - a second `toolkit run` over the unchanged folder with the same --state, as a share of
    the first.
The translation cache is off, so every run translates for real. The packages are tiny
random-weight models: the numbers measure the toolkit's own overhead and the shape of
the work, not the speed of a real translation model.

    .venv/bin/python tests/bench/bench_run.py [--docs 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support.argos_package import build_package
from support.run_corpus import make_corpus

BIN = Path(sys.executable).parent
TOOLKIT = str(BIN / "toolkit")

# Runs a shell command and prints its children's peak RSS (KiB) and wall time.
MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
status = subprocess.run(sys.argv[1], shell=True).returncode
print(status, time.perf_counter() - started,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def measure(command: str, env: dict[str, str]) -> tuple[int, float, float]:
    """(exit status, seconds, peak RSS MiB of the largest process) of a shell command."""
    result = subprocess.run([sys.executable, "-c", MEASURE, command], env=env,
                            capture_output=True, text=True, check=True)
    status, seconds, rss = result.stdout.split()
    return int(status), float(seconds), int(rss) / 1024


def install_packages(folder: Path, env: dict[str, str]) -> None:
    files = [str(build_package(folder / "files", a, b)) for a, b in (("ar", "en"), ("fr", "en"))]
    subprocess.run([TOOLKIT, "models", "install", *files], env=env, check=True,
                   capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"),
               "XDG_CACHE_HOME": str(tmp_path / "cache")}
        install_packages(tmp_path, env)
        docs = tmp_path / "docs"
        make_corpus(docs, args.docs)
        n = args.docs
        pipes = (f"{TOOLKIT} ingest {docs} | {TOOLKIT} detect | {TOOLKIT} translate --to en "
                 f"--no-cache | {TOOLKIT} summarize | {TOOLKIT} extract > {tmp_path}/pipes.jsonl")
        run = f"{TOOLKIT} run {docs} --to en --no-cache -q"
        rows = []
        rows.append(("pipes (5 processes)", *measure(pipes, env)))
        rows.append(("run --translate all", *measure(
            f"{run} --translate all --state {tmp_path}/s1 -o {tmp_path}/all.jsonl "
            f"--report {tmp_path}/all.json", env)))
        rows.append(("run --translate summary", *measure(
            f"{run} --translate summary -o {tmp_path}/summary.jsonl "
            f"--report {tmp_path}/summary.json", env)))
        rows.append(("run again, unchanged folder", *measure(
            f"{run} --translate all --state {tmp_path}/s1 -o {tmp_path}/again.jsonl "
            f"--report {tmp_path}/again.json", env)))
        reports = {name: json.loads((tmp_path / f"{name}.json").read_text())
                   for name in ("all", "summary", "again")}
        if any(status not in (0, 1) for _, status, _, _ in rows):
            print("a run failed:", rows, file=sys.stderr)
            return 1

    print(f"toolkit run, {n:,} distinct documents (ar/fr/en fixtures), tiny test packages, "
          "translation cache off; machine shared with other jobs")
    print(f"{'what':<30} {'seconds':>8} {'docs/s':>8} {'peak MiB':>9}")
    for name, _, seconds, rss in rows:
        print(f"{name:<30} {seconds:>8.1f} {n / seconds:>8.1f} {rss:>9.0f}")
    pipes_s, all_s, summary_s, again_s = (row[2] for row in rows)
    print(f"run vs pipes: {pipes_s / all_s:.2f}x; --translate summary vs all: "
          f"{all_s / summary_s:.2f}x faster, characters translated "
          f"{reports['summary']['translate']['characters']:,} vs "
          f"{reports['all']['translate']['characters']:,}")
    print(f"re-run over the unchanged folder: {again_s:.1f} s = {again_s / all_s:.1%} of the "
          f"first run ({reports['again']['records']['reused']:,} reused, "
          f"{reports['again']['records']['processed']} processed)")
    stages = reports["all"]["stages"]
    print("time per stage (run --translate all): " + ", ".join(
        f"{stage} {v['seconds']:.1f} s" for stage, v in stages.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

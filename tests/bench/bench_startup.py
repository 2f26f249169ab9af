"""Benchmark start-up: `toolkit --help` vs `argos-translate --help`, side by side.

Each command runs RUNS times (after one untimed warm-up run each, so both read from a
warm page cache), alternating; prints the median and best wall time, the ratio, and the
peak RSS of each command (os.wait4 gives the child's own maximum). The goal is a
median under 0.3 s for `toolkit --help` (exit 1 when missed). Also timed: what bash runs
on each TAB once `toolkit completion bash` is installed.

    .venv/bin/python tests/bench/bench_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
GOAL_S = 0.3


# What bash runs on each TAB: `toolkit` with the completion variables (Typer's protocol).
COMPLETION_ENV = {"_TOOLKIT_COMPLETE": "complete_bash", "COMP_WORDS": "toolkit sum",
                  "COMP_CWORD": "1"}


def run_once(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """(seconds, peak RSS in MiB) of one run."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, **env} if env else None)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {child.returncode}")
    return seconds, usage.ru_maxrss // 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    commands = {"toolkit --help": [str(BIN / "toolkit"), "--help"],
                "toolkit TAB completion (bash)": [str(BIN / "toolkit")],
                "argos-translate --help": [str(BIN / "argos-translate"), "--help"]}
    envs = {"toolkit TAB completion (bash)": COMPLETION_ENV}
    commands = {name: argv for name, argv in commands.items() if Path(argv[0]).exists()}
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, int] = {name: 0 for name in commands}
    for name, argv in commands.items():
        run_once(argv, envs.get(name))  # warm-up
    for _ in range(runs):
        for name, argv in commands.items():
            seconds, peak = run_once(argv, envs.get(name))
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
    print(f"start-up, {runs} runs each (machine shared with other work: expect noise)")
    print("| command | median s | best s | peak RSS MiB |")
    print("| --- | --- | --- | --- |")
    for name in commands:
        print(f"| {name} | {statistics.median(times[name]):.3f} | {min(times[name]):.3f} | "
              f"{peaks[name]} |")
    toolkit = statistics.median(times["toolkit --help"])
    if "argos-translate --help" in commands:
        argos = statistics.median(times["argos-translate --help"])
        print(f"ratio: argos-translate / toolkit = {argos / toolkit:.1f}x slower start; "
              f"memory {peaks['argos-translate --help'] / peaks['toolkit --help']:.1f}x")
    verdict = "meets" if toolkit < GOAL_S else "MISSES"
    print(f"toolkit --help median {toolkit:.3f} s {verdict} the {GOAL_S} s goal")
    return 0 if toolkit < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())

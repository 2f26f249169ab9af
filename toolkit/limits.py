"""The range of every numeric option, defined once.

The command-line options take their `min`/`max` from RANGES (toolkit.options), so a value
out of range is refused by the parser in one line, exit 2, before any work; the Python
functions check the same ranges with `check`, so `translate_records(threads=20000)`
raises ValueError instead of aborting inside CTranslate2. The upper bounds are far
beyond any useful value: they exist so that no option can exhaust the machine.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Range(NamedTuple):
    flag: str
    low: int
    high: int


RANGES: dict[str, Range] = {
    "max_chars": Range("--max-chars", 1, 50_000_000),
    "batch_size": Range("--batch-size", 0, 1_000_000),
    "beam_size": Range("--beam-size", 1, 64),
    "threads": Range("--threads", 0, 1024),
    "replicas": Range("--replicas", 0, 32),
    "max_input_tokens": Range("max_input_tokens", 8, 1024),
    "sentences": Range("-n/--sentences", 1, 10_000),
    "width": Range("--width", 40, 10_000),
    "shards": Range("--shard", 1, 1_000_000),
    "chunk_records": Range("chunk_records", 1, 100_000),
    "export_batch": Range("batch_size", 1, 1_000_000),
    "story_days": Range("--days", 0, 36_500),
}


def check(name: str, value: Any, what: str | None = None) -> int:
    """`value` if it is a whole number in the option's range; else ValueError in one line
    naming the parameter and its option (or `what`)."""
    flag, low, high = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        what = what or (name if flag == name else f"{name} ({flag})")
        raise ValueError(f"{what} must be a whole number from {low:,} to {high:,}, "
                         f"not {value!r}")
    return value


def option_range(name: str) -> dict[str, int]:
    """typer.Option keyword arguments for the option's range."""
    _, low, high = RANGES[name]
    return {"min": low, "max": high}

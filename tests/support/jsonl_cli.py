"""Helpers for tests that drive `toolkit` commands and read their JSON Lines."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from toolkit.cli import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "fixtures" / "docs"
AWKWARD = DOCS / "awkward"
SEEDS = ROOT.parent / "shared" / "seeds"
TOOLKIT_BIN = Path(sys.executable).parent / "toolkit"


@dataclass
class Run:
    exit_code: int
    stdout: bytes
    stderr: str

    @property
    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.decode("utf-8").splitlines()]


def invoke(args: list[str], input: bytes | str | None = None) -> Run:
    """Run `toolkit ARGS` in-process; stdout as bytes, stderr as text."""
    if isinstance(input, str):
        input = input.encode("utf-8")
    result = CliRunner().invoke(app, args, input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout_bytes, result.stderr)


def jsonl(*records: dict | str) -> bytes:
    """JSON Lines from dicts (as JSON) and strings (as raw lines)."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    return ("\n".join(lines) + "\n").encode("utf-8")


def codes(record: dict, key: str = "errors") -> list[str]:
    return [entry["code"] for entry in record.get(key) or []]

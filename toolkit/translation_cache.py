"""An on-disk cache of sentence translations (SQLite), so nightly re-runs are near free.

Key: the package (name and version), every decoding option that can change a result
(beam, length penalty, limits, device, compute type), the toolkit's version and the
source text, hashed. WAL mode and a busy timeout let two processes share one file.
A cache that cannot be opened (read-only disk, corrupt file) is skipped with one line
on stderr: translation goes on without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

from toolkit import __version__

SCHEMA = "CREATE TABLE IF NOT EXISTS translations (key TEXT PRIMARY KEY, target TEXT NOT NULL)"
BUSY_TIMEOUT_MS = 30_000


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "toolkit" / "translations.sqlite"


class TranslationCache:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000,
                                  isolation_level=None)
        self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(SCHEMA)
        self._prefixes: dict[tuple, str] = {}
        self.hits = 0
        self.misses = 0

    def _prefix(self, package, options) -> str:
        from toolkit.translate import LENGTH_PENALTY, resolve_device

        key = (package.path, options)
        if key not in self._prefixes:
            self._prefixes[key] = json.dumps([
                package.name, package.version, package.from_code, package.to_code,
                package.target_prefix, options.beam_size, LENGTH_PENALTY,
                options.max_input_tokens, "limit=ceil64(2n+10)<=512", resolve_device(options.device),
                options.compute_type, __version__], ensure_ascii=False)
        return self._prefixes[key]

    def _key(self, package, options, text: str) -> str:
        material = self._prefix(package, options) + "\x00" + text
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def get(self, package, options, text: str) -> str | None:
        row = self.db.execute("SELECT target FROM translations WHERE key = ?",
                              (self._key(package, options, text),)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return row[0]

    def put_many(self, package, options, targets: dict[str, str]) -> None:
        rows = [(self._key(package, options, text), target) for text, target in targets.items()]
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany(
                    "INSERT OR IGNORE INTO translations (key, target) VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            _say(f"cache {self.path}: could not store translations ({exc}); going on")

    def close(self) -> None:
        self.db.close()


def open_cache(cache) -> TranslationCache | None:
    """True: the default file; a path: that file; None/False: no cache."""
    if cache is None or cache is False:
        return None
    path = default_cache_path() if cache is True else Path(cache)
    try:
        return TranslationCache(path)
    except (sqlite3.Error, OSError) as exc:
        _say(f"cache {path} unusable ({exc}); translating without it")
        return None


def _say(line: str) -> None:
    from toolkit.records import say

    say("translate", line)

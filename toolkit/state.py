"""What `toolkit run --state DIR` remembers between runs, and the lock that keeps runs apart.

A document is known by its id, the sha256 of its normalised text and a hash of every
option that shapes its result: a nightly run over a growing folder looks each ingested
document up and only processes the new or edited ones. Finished records are written to
a SQLite file as they come out of the pipeline, in small transactions, so a run killed
with -9 loses at most the last few documents and `--resume` picks up from there.

Layout of DIR: `state.sqlite` (documents and runs) and `lock` (flock'ed by a running job,
holding its pid).

A state database that cannot be read (garbage, truncated, another program's schema) never
stops the job: it is moved aside to `state.sqlite.corrupt-<UTC time>` with a one-line
warning, and a new one is built from the inputs. The state itself is only a cache.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from toolkit.inputs import file_kind, kind_name
from toolkit.records import Record, dumps

STATE_FILE = "state.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    params TEXT NOT NULL,
    run INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (id, sha256, params)
);
CREATE TABLE IF NOT EXISTS runs (
    run INTEGER PRIMARY KEY AUTOINCREMENT,
    params TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL
);
"""

# Commit at least this often: a kill -9 loses at most this much finished work.
COMMIT_EVERY_RECORDS = 16
COMMIT_EVERY_SECONDS = 2.0


def params_hash(params: dict[str, Any]) -> str:
    """A short stable hash of the options that shape a document's result."""
    canonical = json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


class RunLocked(Exception):
    """Another run holds the state folder's lock."""

    def __init__(self, directory: Path, holder: str):
        self.directory = directory
        self.holder = holder
        super().__init__(f"another toolkit run (pid {holder}) holds {directory / 'lock'}; "
                         "wait for it to finish or pass --wait")


class RunLock:
    """An exclusive flock on DIR/lock, released by the kernel even after kill -9."""

    def __init__(self, directory: Path | str, *, wait: bool = False):
        self.directory = Path(directory)
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise RunLocked(self.directory, holder) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def __exit__(self, *exc_info) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def state_problem(directory: Path | str) -> str | None:
    """Why --state DIR cannot hold a state, in one line (bad usage), else None."""
    kind, info = file_kind(str(directory))
    if info is not None and kind != "folder":
        return f"--state {directory}: not a folder; give the folder that holds the state"
    for name in (STATE_FILE, "lock"):
        path = str(Path(directory) / name)
        kind, info = file_kind(path)
        if info is not None and kind != "file":
            return (f"--state {directory}: {path} is {kind_name(info.st_mode)}, not a regular "
                    "file; move it away")
    return None


def _open_database(path: Path) -> sqlite3.Connection:
    """The state database at `path`, created if missing; sqlite3.DatabaseError when the
    file is not one this toolkit can use (checked whole now, not halfway through a run)."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(verdict)
        db.execute("SELECT id, sha256, params, run, record FROM documents LIMIT 0")
        db.execute("SELECT run, params, started, finished FROM runs LIMIT 0")
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _move_aside(path: Path) -> Path:
    """Rename the database (and its journal files) to a free `.corrupt-<time>` name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm", "-journal"):  # never replayed into the new database
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, aside.with_name(aside.name + suffix))
    return aside


class State:
    """Finished documents by (id, sha256, params hash), and the runs that made them."""

    def __init__(self, directory: Path | str, params: dict[str, Any]):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.params = params_hash(params)
        path = self.directory / STATE_FILE
        try:
            self._db = _open_database(path)
        except sqlite3.DatabaseError as exc:
            aside = _move_aside(path)
            sys.stderr.write(f"toolkit run: the state database {path} is unreadable ({exc}); "
                             f"moved it to {aside} and rebuilding the state from the inputs\n")
            self._db = _open_database(path)
        self._db.execute(
            "INSERT INTO runs (params, started) VALUES (?, ?)", (self.params, time.time())
        )
        self.run = self._db.execute("SELECT last_insert_rowid()").fetchone()[0]
        self.interrupted = self._interrupted_runs()
        self._pending = 0
        self._last_commit = time.monotonic()
        self._db.execute("BEGIN")

    def _interrupted_runs(self) -> frozenset[int]:
        """Earlier runs with these params that never finished, since the last that did."""
        rows = self._db.execute(
            "SELECT run FROM runs WHERE params = ? AND run < ? AND finished IS NULL AND run > "
            "(SELECT COALESCE(MAX(run), 0) FROM runs WHERE params = ? AND run < ? "
            "AND finished IS NOT NULL)",
            (self.params, self.run, self.params, self.run),
        ).fetchall()
        return frozenset(row[0] for row in rows)

    def lookup(self, key: tuple[str, str] | None) -> tuple[Record, int] | None:
        """The stored result for a document's key (document_key) and these params, with
        the run that made it."""
        if key is None:
            return None
        row = self._db.execute(
            "SELECT record, run FROM documents WHERE id = ? AND sha256 = ? AND params = ?",
            (*key, self.params),
        ).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    def store(self, record: Record, key: tuple[str, str] | None) -> None:
        """Remember a finished record under its document's key; committed in small batches."""
        if key is None:
            return
        self._db.execute(
            "INSERT OR REPLACE INTO documents (id, sha256, params, run, record) "
            "VALUES (?, ?, ?, ?, ?)",
            (*key, self.params, self.run, dumps(record)),
        )
        self._pending += 1
        if (self._pending >= COMMIT_EVERY_RECORDS
                or time.monotonic() - self._last_commit > COMMIT_EVERY_SECONDS):
            self.commit()

    def commit(self) -> None:
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")
        self._pending = 0
        self._last_commit = time.monotonic()

    def count(self) -> int:
        return self._db.execute(
            "SELECT COUNT(*) FROM documents WHERE params = ?", (self.params,)
        ).fetchone()[0]

    def finish(self) -> None:
        """Mark this run complete (a later run is then not a resume of it)."""
        self._db.execute("UPDATE runs SET finished = ? WHERE run = ?", (time.time(), self.run))
        self.commit()

    def close(self) -> None:
        try:
            self._db.execute("COMMIT")
        except sqlite3.OperationalError:
            pass
        self._db.close()


def document_key(document: Record) -> tuple[str, str] | None:
    """(id, hash of the whole ingested record) for a document read well, else None.

    The whole record, not only its text's sha256: two lines of a JSON Lines file with the
    same id and text but different fields (their line number, at least) are two documents,
    and each must come back from the state as it came out of a run without one.
    """
    doc_id, sha = document.get("id"), document.get("sha256")
    if not (isinstance(doc_id, str) and isinstance(sha, str)):
        return None
    return doc_id, hashlib.sha256(dumps(document).encode("utf-8", "surrogatepass")).hexdigest()


# --- sharding across hosts ------------------------------------------------------------


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """'K/N' -> (K, N) with 1 <= K <= N; raises ValueError on anything else."""
    if value is None:
        return None
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise ValueError(f"--shard {value!r}: expected K/N such as 1/4") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {value!r}: K must be between 1 and N")
    return k, n


def shard_of(relative_path: str, shards: int) -> int:
    """The shard (1..N) a file belongs to: a stable hash of its path under the folder given."""
    digest = hashlib.sha256(relative_path.replace(os.sep, "/").encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards + 1


def relative_source(record: Record, roots: Iterable[str]) -> str:
    """The record's file path relative to the PATH argument it was found under."""
    source = record.get("source")
    path = source.get("path") if isinstance(source, dict) else None
    if not path:
        return str(record.get("id", ""))
    absolute = os.path.abspath(path)
    for root in roots:
        base = os.path.abspath(root)
        if os.path.isdir(base) and absolute.startswith(base.rstrip(os.sep) + os.sep):
            return os.path.relpath(absolute, base)
    return os.path.basename(path)

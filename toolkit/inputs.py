"""Opening and reading inputs so that no input can hang a run or fill its memory.

Every file the toolkit reads (a document, a `.jsonl` file, `-i FILE`) is opened by
`open_regular`: the path must be a regular file (after symbolic links) before it is
opened, it is opened without blocking (a FIFO swapped in meanwhile cannot make open()
wait for a writer), and it is checked again on the open descriptor. A FIFO, socket or
device is refused with `NotRegularFile`, never read.

Every read is bounded: `read_at_most` reads a file's head, `record_lines` yields JSON
Lines one bounded line at a time (an over-long line becomes an `Overlong` marker after
its bytes were skipped, not kept), decoding UTF-16/UTF-32 streams marked by a BOM.

Paths that are not valid UTF-8 (os.fsdecode keeps their bytes as lone surrogates, which
JSON cannot carry) are shown by `shown_path` with each such byte as `\\xHH`; `path_bytes`
gives the exact bytes, base64-encoded, for those paths only.
"""

from __future__ import annotations

import base64
import codecs
import errno
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

# Bytes a line or a document may take per character allowed by --max-chars: room for
# UTF-8 (up to 4 bytes), JSON escapes (\uXXXX: 6) and the fields stages add around a
# text (translations, summaries, HTML markup). Never below 1 MiB.
BYTES_PER_CHAR = 64
MIN_BYTES = 1 << 20
# How much of an over-long line is kept in the error record, to show what it was.
KEEP_OF_OVERLONG = 200


def byte_limit(max_chars: int) -> int:
    """The most bytes read for one document or one JSON line under --max-chars."""
    return max(BYTES_PER_CHAR * max_chars, MIN_BYTES)


# --- paths ----------------------------------------------------------------------------


def shown_path(path: str) -> str:
    """The path as text JSON can carry: bytes that are not UTF-8 shown as `\\xHH`."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def path_fields(path: str) -> dict[str, str]:
    """`{"path": shown}`, plus `path_bytes` (base64 of the exact name) when the name is
    not valid UTF-8, so it can be recovered: os.fsdecode(base64.b64decode(path_bytes))."""
    shown = shown_path(path)
    if shown == path:
        return {"path": path}
    return {"path": shown, "path_bytes": base64.b64encode(os.fsencode(path)).decode("ascii")}


# --- opening --------------------------------------------------------------------------

_KINDS = ((stat.S_ISFIFO, "fifo", "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "socket", "a socket"),
          (stat.S_ISCHR, "device", "a character device"),
          (stat.S_ISBLK, "device", "a block device"),
          (stat.S_ISDIR, "folder", "a folder"))


def kind_name(mode: int) -> str:
    """What a file that is not a regular file is, in words: 'a FIFO (named pipe)'..."""
    return next((what for test, _, what in _KINDS if test(mode)), "a special file")


class NotRegularFile(OSError):
    """The path is a FIFO, socket, device or folder: never opened for reading."""

    def __init__(self, path: str, mode: int):
        self.kind = next((kind for test, kind, _ in _KINDS if test(mode)), "other")
        super().__init__(errno.EINVAL, f"{kind_name(mode)}, not a regular file; not read")
        self.filename = path


def file_kind(path: str) -> tuple[str, os.stat_result | None]:
    """('file' | 'folder' | 'fifo' | 'socket' | 'device' | 'other', stat) after symbolic
    links; ('broken', None) when the path or its link target cannot be stat'ed."""
    try:
        info = os.stat(path)
    except OSError:
        return "broken", None
    if stat.S_ISREG(info.st_mode):
        return "file", info
    return next((kind for test, kind, _ in _KINDS if test(info.st_mode)), "other"), info


def open_regular(path: str) -> IO[bytes]:
    """A binary stream on a regular file; NotRegularFile (an OSError) for anything else.

    Checked before opening and again on the descriptor (the path may be swapped for a
    FIFO in between); O_NONBLOCK so that even then open() does not wait for a writer.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, info.st_mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, info.st_mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_at_most(stream: IO[bytes], limit: int) -> bytes:
    """Up to `limit + 1` bytes: one more than the limit tells the caller it was passed."""
    parts, left = [], limit + 1
    while left > 0:
        part = stream.read(min(left, 1 << 20))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


# --- JSON Lines -----------------------------------------------------------------------


@dataclass(frozen=True)
class Overlong:
    """A line longer than the byte limit: its length and its first bytes, nothing more."""

    size: int
    head: bytes


# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_STREAM_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                (codecs.BOM_UTF16_BE, "utf-16-be"))


def stream_encoding(head: bytes) -> tuple[str, int]:
    """(encoding, BOM length) of a record stream starting with `head` (UTF-8 by default)."""
    for bom, name in _STREAM_BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return "utf-8", 0


class _Prefixed(io.RawIOBase):
    """`head` (bytes already read) followed by the rest of `stream`; closing leaves
    `stream` open (it may be stdin)."""

    def __init__(self, head: bytes, stream: IO[bytes]):
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        read1 = getattr(self._stream, "read1", self._stream.read)
        data = read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def prefixed(head: bytes, stream: IO[bytes]) -> IO[bytes]:
    """A buffered stream that gives `head` again, then the rest of `stream`."""
    return io.BufferedReader(_Prefixed(head, stream), 1 << 16)


def record_lines(stream: IO[bytes], limit: int) -> Iterator[bytes | Overlong]:
    """The lines of a JSON Lines stream as UTF-8 bytes without their line break, each at
    most `limit` bytes; a longer line is skipped and given as an Overlong marker.

    A UTF-8 BOM is dropped; a UTF-16 or UTF-32 BOM (PowerShell's `>` writes UTF-16-LE)
    decodes the stream, whose lines are then re-encoded as UTF-8.
    """
    head = read_at_most(stream, 3)  # 4 bytes: the longest BOM
    encoding, bom = stream_encoding(head)
    buffered = prefixed(head[bom:], stream)
    if encoding == "utf-8":
        yield from _bounded_lines(buffered.readline, limit)
        return
    # Undecodable bytes become `\xHH` text, which no JSON string allows: a bad line.
    text = io.TextIOWrapper(buffered, encoding=encoding, errors="backslashreplace",
                            newline="\n")
    yield from _bounded_lines(lambda size: text.readline(size).encode("utf-8"), limit)
    text.detach()


def _bounded_lines(readline, limit: int) -> Iterator[bytes | Overlong]:
    """Lines from `readline(size)` (at most `size` bytes, or characters for a decoded
    stream, and so never fewer bytes): a line longer than `limit` bytes is read on in
    pieces of at most MIN_BYTES, counted and dropped."""
    asked = limit + 2  # room for the line's CR LF
    while line := readline(asked):
        data = line.rstrip(b"\r\n")
        # Without a line break, a line shorter than asked for is the stream's last.
        whole = line.endswith(b"\n") or len(line) < asked
        if whole and len(data) <= limit:
            yield data
            continue
        size = len(line)
        while not whole and (line := readline(MIN_BYTES)):
            size += len(line)
            whole = line.endswith(b"\n")
        yield Overlong(size, data[:KEEP_OF_OVERLONG])

"""Where results go: the one way every command writes records, tables and reports.

`Output(path)` is the only place an output is opened. It writes where a shell
redirection would (CONTRACT.md promise 11):

- no path or '-': stdout;
- a character device or FIFO (`-o /dev/null`, `-o /dev/stdout`, a named pipe): written
  through, never replaced;
- anything else: a temporary file in the folder of the file the path finally names (a
  symbolic link is followed, so it keeps pointing where it pointed), renamed onto it
  when complete; the old file is kept until then and keeps its permissions.

Every failure to write comes out as one of three exceptions, which toolkit.records
turns into the exit status: OutputUsageError (the location can never work: 2),
OutputWriteError (disk full, I/O error, closed stdout: 5, the old file kept) and
ReaderGone (`| head -1` closed the pipe: a quiet 0). `output_problem` finds the first
kind before any work starts.
"""

from __future__ import annotations

import io
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from toolkit.inputs import kind_name


class OutputUsageError(Exception):
    """The output names a place no file can be written (bad usage, exit 2)."""


class OutputWriteError(Exception):
    """Writing the output failed (disk full, I/O error, closed stream): exit 5."""


class ReaderGone(Exception):
    """The program reading stdout went away (`| head -1`): end quietly."""


# File descriptors 0-2 the process started without (`toolkit detect <&-`, `>&-`).
_closed_at_start: set[int] = set()


def guard_standard_streams() -> None:
    """Put /dev/null on stdin, stdout or stderr where the process started without one.

    Otherwise the next file opened (a temporary output, an input) would get that
    descriptor and anything written to "stdout" would land in it. Which ones were
    closed is remembered: reading a closed stdin is bad usage (exit 2), writing a
    closed stdout an output failure (exit 5).
    """
    for fd, mode in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            _closed_at_start.add(fd)
            replacement = os.open(os.devnull, mode)
            if replacement != fd:
                os.dup2(replacement, fd)
                os.close(replacement)
    # Python starts with None for a missing one; give it a working object.
    for fd, name, mode in ((0, "stdin", "rb"), (1, "stdout", "wb"), (2, "stderr", "wb")):
        if fd in _closed_at_start:
            binary = open(fd, mode, closefd=False)  # noqa: SIM115 - lives with the process
            setattr(sys, name, io.TextIOWrapper(binary, write_through=mode == "wb"))


def stdin_closed() -> bool:
    return 0 in _closed_at_start


def is_stdout(path: Path | str | None) -> bool:
    return path is None or str(path) == "-"


# --- checking a location before any work -----------------------------------------------


def output_problem(flag: str, path: Path | str | None, *, regular_only: bool = False
                   ) -> str | None:
    """Why `flag path` cannot be written, in one line, found before any work; else None.

    `regular_only`: the writer needs a real file (SQLite), so devices and FIFOs are
    refused instead of written through.
    """
    if is_stdout(path):
        return None
    where = f"{flag} {os.fsdecode(path)}"
    try:
        found = os.stat(path)  # through symbolic links: the file the output goes to
    except FileNotFoundError:
        found = None
    except OSError as exc:  # a symlink loop, a file used as a folder, no permission
        return f"{where}: cannot write there ({exc.strerror})"
    if found is not None:
        if stat.S_ISDIR(found.st_mode):
            return f"{where}: is a folder; give a file name"
        if _written_through(found.st_mode):
            return f"{where}: needs a regular file, not a device or pipe" if regular_only \
                else None
        if not stat.S_ISREG(found.st_mode):
            return f"{where}: is {kind_name(found.st_mode)}, not a file; give a file name"
    folder = final_path(path).parent
    if not folder.is_dir():
        linked = "" if folder == Path(os.path.abspath(path)).parent else f" ({folder})"
        return f"{where}: its folder does not exist{linked}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{where}: cannot write in its folder {folder} (read-only or no permission)"
    if found is not None and not os.access(path, os.W_OK):
        return f"{where}: the file is read-only; it was left as it is"
    return None


def folder_problem(flag: str, path: Path | str) -> str | None:
    """Why a folder the command writes in (`--state DIR`) cannot be used; else None.

    The folder may not exist yet (it is created), but then the nearest existing folder
    above it must be writable.
    """
    where = f"{flag} {os.fsdecode(path)}"
    existing = Path(os.path.abspath(path))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{where}: {existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{where}: cannot write in {existing} (read-only or no permission)"
    return None


def final_path(path: Path | str) -> Path:
    """The file a path names once every symbolic link is followed (it may not exist)."""
    return Path(os.path.realpath(path))


def _written_through(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def temporary_pattern(path: Path | str) -> tuple[Path, str]:
    """(folder, glob) of the temporary files Output makes for `path`."""
    target = final_path(path)
    return target.parent, f".{target.name}.*.tmp"


# --- writing ---------------------------------------------------------------------------


class Output:
    """A binary output stream opened the one way (see the module docstring).

        with Output(path, flag="-o") as stream:
            stream.write(b"...")

    On success the file appears complete; on any exception it is left as it was and
    a failed write is raised as OutputWriteError (ReaderGone for a closed pipe on
    stdout).
    """

    def __init__(self, path: Path | str | None, flag: str = "-o"):
        self.path = None if is_stdout(path) else Path(path)
        self.flag = flag
        self.where = "stdout" if self.path is None else f"{flag} {os.fsdecode(self.path)}"
        self._tmp: str | None = None
        self._target: Path | None = None
        self._raw: IO[bytes] | None = None
        self.stream: GuardedStream

    def __enter__(self) -> GuardedStream:
        problem = output_problem(self.flag, self.path)
        if problem:
            raise OutputUsageError(problem)
        if self.path is None:
            if 1 in _closed_at_start or sys.stdout is None:
                raise OutputWriteError("stdout is closed (>&-); give -o FILE")
            self._raw = sys.stdout.buffer
        elif self.path.exists() and _written_through(os.stat(self.path).st_mode):
            self._raw = self._call(lambda: open(self.path, "wb"))  # noqa: SIM115
        else:
            self._target = final_path(self.path)
            fd, self._tmp = self._call(lambda: tempfile.mkstemp(
                prefix=f".{self._target.name}.", suffix=".tmp", dir=self._target.parent))
            self._raw = os.fdopen(fd, "wb")
            try:
                self._call(lambda: _copy_permissions(self._tmp, self._target))
            except BaseException:
                self._discard()
                raise
        self.stream = GuardedStream(self._raw, self)
        return self.stream

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._discard()
            return
        try:
            self._call(self._raw.flush)
            if self._tmp is not None:
                self._call(lambda: os.fsync(self._raw.fileno()))
            if self.path is not None:
                self._call(self._raw.close)
            if self._tmp is not None:
                self._call(lambda: os.replace(self._tmp, self._target))
                self._tmp = None
        finally:
            self._discard()

    def _discard(self) -> None:
        """Close what is still open and remove the temporary file: the old file stays."""
        if self.path is not None and not self._raw.closed:
            _close_quietly(self._raw)
        if self._tmp is not None:
            Path(self._tmp).unlink(missing_ok=True)
            self._tmp = None

    def _call(self, action):
        """Run one write step; an OSError becomes the exception the exit status comes from."""
        try:
            return action()
        except BrokenPipeError:
            if self.path is None:
                raise ReaderGone() from None
            raise self.failed("the reader of the pipe went away") from None
        except OSError as exc:
            raise self.failed(exc.strerror or str(exc)) from None

    def failed(self, why: str) -> OutputWriteError:
        kept = "; the old file was kept" if self._tmp is not None and self._target.exists() \
            else "; nothing was written" if self._tmp is not None else ""
        return OutputWriteError(f"{self.where}: could not write ({why}){kept}")


def _copy_permissions(tmp: str, target: Path) -> None:
    """The new file gets the old one's mode (and owner, where allowed), as `>` keeps them;
    a new file gets what a plain open() would give, not mkstemp's private 0600."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode))
    try:
        os.chown(tmp, old.st_uid, old.st_gid)
    except OSError:
        pass  # not ours to give away: the file is the writer's, as with any new file


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _close_quietly(stream: IO[bytes]) -> None:
    try:
        stream.close()
    except OSError:
        pass


class GuardedStream(io.RawIOBase):
    """A write-only binary stream whose OSErrors come out as Output's exceptions, so an
    error while writing is never mistaken for one while reading the input."""

    def __init__(self, raw: IO[bytes], output: Output):
        super().__init__()
        self._raw = raw
        self._output = output

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._output._call(lambda: self._raw.write(data))
        return len(data)

    def flush(self) -> None:
        if not self.closed and not self._raw.closed:
            self._output._call(self._raw.flush)

    def fileno(self) -> int:
        return self._raw.fileno()

    def tell(self) -> int:
        return self._raw.tell()

    def close(self) -> None:  # the Output closes the real stream
        self.flush()
        super().close()


def write_stdout(text: str) -> None:
    """Text meant for a person or a script (tables, lists) to stdout, the one way."""
    with Output(None) as stream:
        stream.write(text.encode("utf-8"))


def silence_stdout() -> None:
    """After the reader went away, point stdout (and stderr, when it went to the same pipe)
    at /dev/null, so nothing more fails and the exit flushes quietly."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real descriptor (a test runner's buffer): nothing to flush at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        same = os.path.sameopenfile(fd, 2)
    except OSError:
        same = False
    os.dup2(devnull, fd)
    if same:
        os.dup2(devnull, 2)
    os.close(devnull)


# --- stopping --------------------------------------------------------------------------


@contextmanager
def terminate_like_ctrl_c() -> Iterator[None]:
    """SIGTERM (cron's `timeout`, `kill`, systemd) ends the command as Ctrl-C does: the
    output's temporary file is removed and the status is 130. The toolkit's one SIGTERM
    handler; only in the main thread and where SIGTERM still has its default action."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

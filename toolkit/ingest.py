"""`toolkit ingest`: documents on disk (or stdin) into records: id, sha256, source, title, text.

Reads .txt, .md, .html/.htm and .jsonl (and hands .pdf, .docx, .doc, .eml and .mbox to
their readers in toolkit/formats, which come back through `block_records`); finds the
encoding (BOMs, strict UTF-8, then a guess among legacy code pages checked for plausible
Arabic or Latin text); normalises the
text (NFC, Arabic presentation forms to base letters, no tatweel); drops site furniture
by patterns kept per language in toolkit/data/boilerplate.json; takes the headline out
as `title`; and, with `split_articles`, cuts a file that runs several articles together
into several records. A file that cannot become a record (missing, empty, binary,
undecodable, too long) becomes an error record naming it; nothing raises.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import io
import itertools
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import IO

from toolkit.inputs import (
    NotRegularFile,
    Overlong,
    byte_limit,
    file_kind,
    open_regular,
    path_fields,
    prefixed,
    read_at_most,
    record_lines,
    shown_path,
    stream_encoding,
)
from toolkit.records import (
    DEFAULT_MAX_CHARS,
    Record,
    add_error,
    add_warning,
    check_max_chars,
    overlong_line,
    parse_line,
    record_title,
)

STAGE = "ingest"

KINDS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html",
         ".htm": "html", ".xhtml": "html", ".jsonl": "jsonl", ".ndjson": "jsonl",
         ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".eml": "eml", ".mbox": "mbox"}
# Kinds read by a reader in toolkit/formats (whole files, never cut) rather than as text.
FORMAT_KINDS = frozenset({"pdf", "docx", "doc", "eml", "mbox"})
# In a folder walk these describe the folder rather than being documents.
_NOT_DOCUMENTS = re.compile(r"^(readme|license|licence|changelog)(\.|$)", re.IGNORECASE)


@dataclass(frozen=True)
class _Options:
    split_articles: bool
    max_chars: int
    cut: bool


@dataclass
class Block:
    """A paragraph of a document; `level` is set for explicit headings (md, html)."""

    text: str
    level: int | None = None
    article: int | None = None


# --- paths ----------------------------------------------------------------------------


def ingest_paths(
    paths: Iterable[str],
    *,
    split_articles: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    cut: bool = False,
) -> Iterator[Record]:
    """Records for files, folders (recursive, sorted), globs and '-' (stdin), in order."""
    check_max_chars(max_chars)  # now, not at the first file
    return _ingest_all(paths, _Options(split_articles, max_chars, cut))


def _ingest_all(paths: Iterable[str], options: _Options) -> Iterator[Record]:
    for given in paths:
        given = str(given)
        if given == "-":
            yield from ingest_stream(sys.stdin.buffer, options=options)
            continue
        found = expand_path(given)
        if not given:
            yield _file_error(given, None, "not_found",
                              "an empty argument names no file or folder (an unset shell "
                              "variable?); check the command line")
        elif found is None:
            yield _file_error(given, None, "not_found",
                              "no such file or folder; check the path")
        elif not found:
            yield _file_error(given, None, "no_documents",
                              "matches no .txt, .md, .html, .jsonl, .pdf, .docx, .eml or "
                              ".mbox file")
        for item in found or ():
            if isinstance(item, Unlisted):
                yield _file_error(item.path, None, "unreadable_folder",
                                  f"cannot list this folder ({item.reason}); its documents "
                                  "were not read: check its permissions")
            else:
                yield from ingest_file(item, options=options)


def ingest_records(
    records: Iterable[Record],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    cut: bool = False,
) -> Iterator[Record]:
    """Dicts with a `text` (and maybe `title`) made into records, as `toolkit ingest -`
    does with JSON Lines: text normalised, `sha256` added, `id` (a hash of the text) and
    `source` added when missing. An item that is not a dict becomes an error record."""
    check_max_chars(max_chars)
    return _ingest_dicts(records, _Options(False, max_chars, cut))


def _ingest_dicts(records: Iterable[Record], options: _Options) -> Iterator[Record]:
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            yield add_error({"source": {"path": "-", "line": number}, "raw": repr(record)},
                            STAGE, "bad_record", f"item {number} is a "
                            f"{type(record).__name__}, not a dict; kept in 'raw'")
            continue
        yield _jsonl_record(record, "-", number, options, from_stdin=True)


@dataclass(frozen=True)
class Unlisted:
    """A folder met in a walk whose entries could not be listed (no permission, gone)."""

    path: str
    reason: str


def expand_path(given: str) -> list[str | Unlisted] | None:
    """The files a command-line path stands for, sorted; None when nothing is there.

    A folder yields its documents and every FIFO, socket or device in it (to be reported,
    never opened: see ingest_file), plus the subfolders it could not list.
    """
    if not given:  # Path("") is the current folder; an empty argument names nothing
        return None
    path = Path(given)
    if path.is_dir():
        return _walk(given)
    if path.exists():
        return [given]
    if glob.has_magic(given):
        found: list[str | Unlisted] = []
        for match in sorted(glob.glob(given, recursive=True)):
            found.extend(_walk(match) if os.path.isdir(match) else [match])
        return found
    return None


def _walk(folder: str) -> list[str | Unlisted]:
    """Depth-first, without following links to folders (so no link loop can hang it)."""
    found: list[str | Unlisted] = []
    pending = [folder]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as exc:
            found.append(Unlisted(directory, exc.strerror or str(exc)))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:  # gone or unreachable since the listing: ingest_file says so
                is_folder = False
            if is_folder:
                pending.append(entry.path)
                continue
            kind, _ = file_kind(entry.path)
            if kind in ("fifo", "socket", "device", "other") or (
                    kind in ("file", "broken") and _is_document(entry.name)):
                found.append(entry.path)
    return sorted(found, key=lambda item: Path(getattr(item, "path", item)).parts)


def _is_document(name: str) -> bool:
    return Path(name).suffix.lower() in KINDS and not _NOT_DOCUMENTS.match(name)


# --- files ----------------------------------------------------------------------------


def ingest_file(path: str, *, options: _Options | None = None) -> Iterator[Record]:
    """The records of one file (several for .jsonl or split articles).

    Only a regular file is opened (toolkit.inputs.open_regular): a FIFO, socket or device,
    or a link to one, becomes a `special_file` error record without being read.
    """
    options = options or _Options(False, DEFAULT_MAX_CHARS, False)
    kind = KINDS.get(Path(path).suffix.lower(), "txt")
    try:
        stream = open_regular(path)
    except NotRegularFile as exc:
        yield _file_error(path, None, "special_file", f"{exc.strerror} (documents are read from "
                          "regular files only; pipe a stream to `toolkit ingest -`)", kind)
        return
    except OSError as exc:
        yield _file_error(path, None, "unreadable", f"cannot read: {exc.strerror or exc}",
                          kind)
        return
    with stream:
        try:
            size = os.fstat(stream.fileno()).st_size
            if kind == "jsonl":
                lines = record_lines(stream, byte_limit(options.max_chars))
                yield from _jsonl_lines(lines, path, options, from_stdin=False)
                return
            read = read_at_most(stream, byte_limit(options.max_chars))
        except OSError as exc:
            yield _file_error(path, None, "unreadable", f"cannot read: {exc.strerror or exc}",
                              kind)
            return
    # A PDF, Word file or e-mail is read whole or not at all: its head is not a document.
    if kind in FORMAT_KINDS:
        data = read if len(read) <= byte_limit(options.max_chars) else None
    else:
        data = _bounded(read, options)
    if data is None:
        how = "raise --max-chars" if kind in FORMAT_KINDS else \
            "raise --max-chars or pass --cut to take the start only"
        yield _file_error(path, size, "too_long", f"{size:,} bytes, far over --max-chars "
                          f"{options.max_chars:,}; {how}", kind)
        return
    for record in _document(data, path, kind, options, id_base=shown_path(path), size=size):
        if len(data) < size and "text" in record and not _was_cut(record):
            add_warning(record, STAGE, "cut", f"file read up to byte {len(data):,} of "
                        f"{size:,} (--cut)")
        yield record


def _was_cut(record: Record) -> bool:
    return any(isinstance(w, dict) and w.get("code") == "cut"
               for w in record.get("warnings") or ())


def _bounded(data: bytes, options: _Options) -> bytes | None:
    """`data` read with read_at_most(byte_limit): whole, its head with --cut when the
    limit was passed, or None (too long)."""
    limit = byte_limit(options.max_chars)
    if len(data) <= limit:
        return data
    if not options.cut:
        return None
    head = data[:limit]
    # End at a line break when one is near the end, so no word is cut; never at one near
    # the start, which would drop most of a document written as one long paragraph.
    newline = head.rfind(b"\n")
    return _whole_characters(head[:newline] if newline >= len(head) // 2 else head)


def _whole_characters(head: bytes) -> bytes:
    """`head` without the character its cut end splits (UTF-8 or UTF-16 bytes)."""
    utf16 = next((name for bom, name in _BOMS if head.startswith(bom) and "16" in name),
                 None) or _utf16_without_bom(head)
    if utf16:
        head = head[: len(head) - len(head) % 2]
        last = int.from_bytes(head[-2:], "little" if utf16.endswith("le") else "big")
        return head[:-2] if 0xD800 <= last < 0xDC00 else head  # half a surrogate pair
    start = len(head)
    while start > 0 and len(head) - start < 4 and head[start - 1] & 0xC0 == 0x80:
        start -= 1  # back over UTF-8 continuation bytes to their lead byte
    if start > 0 and head[start - 1] >= 0xC0:
        lead = head[start - 1]
        needed = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        if len(head) - (start - 1) < needed:
            return head[: start - 1]
    return head


def ingest_bytes(data: bytes, *, options: _Options | None = None) -> Iterator[Record]:
    """Records from raw bytes, as from stdin (see ingest_stream)."""
    return ingest_stream(io.BytesIO(data), options=options)


def ingest_stream(stream: IO[bytes], *, options: _Options | None = None) -> Iterator[Record]:
    """Records from a byte stream (stdin): JSON Lines when it starts with '{' (in UTF-8,
    or UTF-16/32 after a BOM), read line by line; else one document, read up to the byte
    limit. The id of a document read this way is a hash of its content.
    """
    options = options or _Options(False, DEFAULT_MAX_CHARS, False)
    limit = byte_limit(options.max_chars)
    head, first = _head_to_first_character(stream, limit)
    if first == "{":
        lines = record_lines(prefixed(head, stream), limit)
        yield from _jsonl_lines(lines, "-", options, from_stdin=True)
        return
    read = head + read_at_most(stream, limit - len(head)) if len(head) <= limit else head
    data = _bounded(read, options)
    if data is None:
        yield _file_error("-", None, "too_long",
                          f"stdin holds over {limit:,} bytes, far over --max-chars "
                          f"{options.max_chars:,}; raise --max-chars or pass --cut to take "
                          "the start only")
        return
    kind = _sniff_kind(data)
    digest = hashlib.sha256(data).hexdigest()[:16]
    records = _document(data, "-", kind, options, id_base=digest, size=len(read))
    for record in records:
        if len(data) < len(read) and "text" in record and not _was_cut(record):
            add_warning(record, STAGE, "cut", f"stdin read up to byte {len(data):,} (--cut)")
        yield record


def _head_to_first_character(stream: IO[bytes], limit: int) -> tuple[bytes, str]:
    """The bytes read up to the stream's first character that is not white space (or
    its end, or the byte limit), and that character ('' if none)."""
    parts = [read_at_most(stream, 3)]  # the longest BOM
    encoding, _ = stream_encoding(parts[0])
    decoder = codecs.getincrementaldecoder(encoding)("ignore")
    seen = decoder.decode(parts[0]).lstrip("\ufeff")
    size = len(parts[0])
    read1 = getattr(stream, "read1", stream.read)
    while not seen.strip() and size <= limit:
        chunk = read1(1 << 16)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
        seen = decoder.decode(chunk)
    return b"".join(parts), seen.strip()[:1]


def _sniff_kind(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/document.xml" in data:
        return "docx"
    head = data[:2048].lstrip().lower()
    if re.match(rb"(<!doctype html|<html|<head|<body|<article|<p[ >]|<div[ >])", head):
        return "html"
    return "md" if head.startswith(b"# ") else "txt"


def _file_error(path: str, size: int | None, code: str, message: str,
                kind: str | None = None) -> Record:
    return Origin(path, kind, shown_path(path), size).error(code, message)


# --- documents ------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a document's records come from: the file (`path`, `size`), what it was
    (`kind`: txt, md, html, pdf, docx, eml, mbox), the id they build on, and `source`
    fields beyond path/kind/encoding/bytes/article (e-mail headers, `parent`)."""

    path: str
    kind: str | None  # None when the path named no file
    id_base: str
    size: int | None
    extra: tuple[tuple[str, object], ...] = ()

    def source(self, encoding: str | None, article: int | None) -> dict:
        return {**path_fields(self.path), "kind": self.kind, "encoding": encoding,
                "bytes": self.size, "article": article, **dict(self.extra)}

    def error(self, code: str, message: str, encoding: str | None = None) -> Record:
        record: Record = {"id": self.id_base, "source": self.source(encoding, None)}
        return add_error(record, STAGE, code, message)


def _document(data: bytes, path: str, kind: str, options: _Options, *, id_base: str,
              size: int) -> Iterator[Record]:
    return document_records(data, Origin(path, kind, id_base, size), options)


def document_records(data: bytes, origin: Origin, options: _Options) -> Iterator[Record]:
    """The records of one document's bytes, read as `origin.kind` says."""
    if origin.kind in FORMAT_KINDS:
        from toolkit.formats import format_records

        yield from format_records(data, origin, options)
        return
    if not data.strip():
        yield origin.error("empty_file", "empty file (no text); nothing to ingest")
        return
    if looks_binary(data):
        yield origin.error("binary_file", "binary file, not text; convert it to .txt, .md, "
                           ".html, .pdf or .docx first")
        return
    declared = _declared_charset(data) if origin.kind == "html" else None
    decoded = decode_bytes(data, declared)
    if decoded is None:
        yield origin.error("undecodable", "cannot tell the text encoding; re-save the file "
                           "as UTF-8")
        return
    raw_text, encoding = decoded
    yield from text_records(raw_text, origin, options, encoding=encoding)


def text_records(raw_text: str, origin: Origin, options: _Options, *,
                 encoding: str | None, title: str | None = None,
                 markup: str | None = None) -> Iterator[Record]:
    """The records of a document's decoded text (txt, md or html as `origin.kind`, or
    `markup` when given); `title`, when given, is the first article's headline (an
    e-mail's subject) and the whole first article its body."""
    markup = markup or (origin.kind if origin.kind in ("md", "html") else "txt")
    text = normalise_text(raw_text)
    blocks, page_title = _blocks(text, markup)
    yield from block_records(blocks, origin, options, encoding=encoding,
                             title=title or page_title, title_given=title is not None)


def block_records(blocks: list[Block], origin: Origin, options: _Options, *,
                  encoding: str | None, title: str | None = None,
                  title_given: bool = False) -> Iterator[Record]:
    """Records from a document's blocks: boilerplate dropped, articles split when asked,
    the headline taken out. `title` is used when the first article has none (or always,
    with `title_given`)."""
    articles = split_into_articles(drop_boilerplate(blocks), origin.kind,
                                   options.split_articles)
    if not articles:
        what = "only boilerplate" if any(b.text.strip() for b in blocks) else "no text"
        yield origin.error("empty_file", f"no text left ({what}); nothing to ingest",
                           encoding)
        return
    several = len(articles) > 1
    for number, article in enumerate(articles, start=1):
        if number == 1 and title_given:
            head, body = title, "\n\n".join(b.text for b in article)
        else:
            head, body = title_and_body(article)
            if head is None and number == 1 and title:
                head = title
        source = origin.source(encoding, number if several else None)
        record_id = f"{origin.id_base}#{number}" if several else origin.id_base
        yield _build_record(record_id, source, head, body, options)


def _build_record(record_id: str, source: dict, title: str | None, body: str,
                  options: _Options) -> Record:
    record: Record = {"id": record_id, "sha256": None, "source": source, "title": title}
    if len(body) > options.max_chars:
        if not options.cut:
            del record["sha256"], record["title"]
            return add_error(record, STAGE, "too_long",
                             f"text has {len(body):,} characters, over --max-chars "
                             f"{options.max_chars:,}; raise --max-chars or pass --cut to "
                             "take the start only")
        add_warning(record, STAGE, "cut", f"text cut from {len(body):,} to "
                    f"{options.max_chars:,} characters (--cut)")
        body = body[: options.max_chars].rstrip()
    record["text"] = body
    record["sha256"] = text_sha256(title, body)
    if "warnings" in record:  # keep `warnings` after the text, as other stages append it
        record["warnings"] = record.pop("warnings")
    return record


def text_sha256(title: str | None, text: str) -> str:
    """The hash of the normalised title and text: it changes when the document does."""
    return hashlib.sha256(f"{title or ''}\n\n{text}".encode()).hexdigest()


# --- bytes to text --------------------------------------------------------------------

_BOMS = [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be")]
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b",
                 b"\x7fELF", b"BZh", b"\xfd7zXZ", b"Rar!", b"7z\xbc\xaf")
# Legacy code pages plausible for this toolkit's documents, tried in this order.
_LEGACY = ("cp1252", "cp1256", "latin-1")
_PLAUSIBLE = 0.6


def looks_binary(data: bytes) -> bool:
    """NUL bytes (outside UTF-16/32), a known binary signature, or many control bytes."""
    if any(data.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(data):
        return False
    sample = data[:8192]
    if sample.startswith(_BINARY_MAGIC) or b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > 0.05 * len(sample)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str] | None:
    """(text, encoding): a BOM, UTF-16 without BOM, the declared charset, strict UTF-8,
    then the most plausible legacy decoding; None when nothing reads as text."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _strict(data, name)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16)
    if declared and (decoded := _strict(data, declared)):
        return decoded
    return _strict(data, "utf-8") or _guess_legacy(data)


def _strict(data: bytes, encoding: str) -> tuple[str, str] | None:
    try:
        name = codecs.lookup(encoding).name
        return data.decode(name), name
    except (LookupError, UnicodeDecodeError):
        return None


def _guess_legacy(data: bytes) -> tuple[str, str] | None:
    """Decode with each plausible code page and charset-normalizer's guesses; keep the
    decoding whose text looks most like real Arabic or Latin-script prose.

    Short texts defeat statistical detectors (French in Windows-1252 often reads as
    valid Windows-1256, whose lower-case French letters sit at the same bytes), so the
    final word is a plausibility score: one dominant script, few accented Latin letters,
    no word mixing Arabic and Latin letters, no C1 control characters.
    """
    names = list(_LEGACY)
    for guess in _charset_normalizer_guesses(data):
        if guess not in names:
            names.append(guess)
    best: tuple[float, str, str] | None = None
    seen: set[str] = set()
    for name in names:
        decoded = _strict(data, name)
        if decoded is None or decoded[0] in seen:
            continue
        seen.add(decoded[0])
        score = plausibility(decoded[0])
        if best is None or score > best[0]:
            best = (score, decoded[0], decoded[1])
    if best is None or best[0] < _PLAUSIBLE:
        return None
    return best[1], best[2]


def _charset_normalizer_guesses(data: bytes) -> list[str]:
    from charset_normalizer import from_bytes

    return [match.encoding for match in list(from_bytes(data))[:3]]


_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=8192)
def _script(char: str) -> str:
    code = ord(char)
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if code < 0x80:
        return "ascii"
    name = unicodedata.name(char, "")
    return "latin" if name.startswith("LATIN") else name.split(" ")[0]


def plausibility(text: str) -> float:
    """0..1: how much `text` reads like prose in one script (see _guess_legacy)."""
    sample = text[:5_000]
    counts: dict[str, int] = {}
    c1_controls = 0
    for char in sample:
        if "\x80" <= char <= "\x9f":
            c1_controls += 1
        elif char.isalpha():
            script = _script(char)
            counts[script] = counts.get(script, 0) + 1
    letters = sum(counts.values())
    if not letters:
        return 0.0
    latin = counts.pop("ascii", 0) + counts.get("latin", 0)
    accented = counts.pop("latin", 0)
    # A Latin-script text with more than a third accented letters is mojibake.
    counts["latin"] = latin if accented <= latin / 3 else latin - accented
    dominant = max(counts.values()) / letters
    words = _WORD.findall(sample)
    mixed = sum(1 for word in words if len({_script(c) for c in word} - {"ascii", "latin"}) > 0
                and any(_script(c) in ("ascii", "latin") for c in word))
    nonspace = sum(1 for char in sample if not char.isspace()) or 1
    density = min(1.0, letters / nonspace / 0.6)
    return dominant * density - 2 * mixed / max(len(words), 1) - 5 * c1_controls / len(sample)


def _declared_charset(data: bytes) -> str | None:
    match = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]+)", data[:4096], re.IGNORECASE)
    if not match:
        return None
    name = match.group(1).decode("ascii").lower()
    # Browsers read pages labelled Latin-1 or ASCII as Windows-1252 (WHATWG Encoding).
    return "cp1252" if name in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii") else name


# --- normalisation --------------------------------------------------------------------

_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
_INVISIBLE = re.compile("[\u0640\ufeff\u200b\u2060\u200e\u200f\u202a-\u202e\u2066-\u2069"
                        "\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\f\v]")
_SPACES = re.compile(r"[^\S\n]+")


def normalise_text(text: str) -> str:
    """NFC; Arabic presentation forms to base letters; tatweel, zero-width and bidi
    marks and control characters removed; one kind of line break; single spaces."""
    text = _LINE_BREAKS.sub("\n", text)
    text = unicodedata.normalize("NFC", text)
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return "\n".join(line.strip() for line in _SPACES.sub(" ", text).split("\n"))


# --- structure: lines and markup to blocks --------------------------------------------

_SENTENCE_END = re.compile(r"[.!?؟…:;][\"'»”’)\]]*$")
_LIST_MARK = re.compile(r"^([-*•–]|\d+[.)])\s")


def _blocks(text: str, kind: str) -> tuple[list[Block], str | None]:
    if kind == "html":
        from toolkit._html import html_blocks

        blocks, page_title = html_blocks(text)
        return [Block(normalise_text(b.text).replace("\n", " "), b.level, b.article)
                for b in blocks], page_title
    if kind == "md":
        return _markdown_blocks(text), None
    return [Block(p) for p in text_paragraphs(text)], None


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text.

    Blank lines separate blocks. Inside a block a line break is kept as a paragraph
    break (news sites often put one paragraph per line, and translation keeps them),
    except in hard-wrapped prose: a block whose lines are long and mostly do not end a
    sentence is joined into one paragraph.
    """
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        if _is_wrapped(lines):
            paragraphs.append(" ".join(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


def _is_wrapped(lines: list[str]) -> bool:
    if len(lines) < 2 or any(_LIST_MARK.match(line) for line in lines):
        return False
    widest = max(len(line) for line in lines)
    if widest > 150 or widest < 40:
        return False
    inner = lines[:-1]
    open_ended = [line for line in inner if not _SENTENCE_END.search(line)]
    long_lines = [line for line in inner if len(line) >= 0.6 * widest]
    return len(open_ended) * 2 >= len(inner) and len(long_lines) * 2 >= len(inner)


_FRONT_MATTER = re.compile(r"\A---\n.*?\n(---|\.\.\.)\n", re.DOTALL)


def _markdown_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown document: headings keep their level, markup marks go."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(_FRONT_MATTER.sub("", text))
    blocks: list[Block] = []
    level: int | None = None
    for token in tokens:
        if token.type == "heading_open":
            level = int(token.tag[1])
        elif token.type == "heading_close":
            level = None
        elif token.type == "inline":
            inline = _markdown_inline(token.children or [])
            if level is not None:
                blocks.append(Block(" ".join(inline.split()), level))
            else:
                blocks.extend(Block(p) for p in text_paragraphs(inline))
        elif token.type == "html_block":
            from toolkit._html import html_blocks

            blocks.extend(Block(b.text) for b in html_blocks(token.content)[0])
    return blocks


def _markdown_inline(children) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts).strip()


# --- boilerplate ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def boilerplate_patterns() -> tuple[re.Pattern, re.Pattern]:
    """(drop, end) patterns of all languages from toolkit/data/boilerplate.json."""
    data = json.loads(resources.files("toolkit.data").joinpath("boilerplate.json")
                      .read_text("utf-8"))
    drop, end = [], []
    for lang, table in data.items():
        if lang.startswith("_") or "drop" not in table:
            continue
        drop.extend(table["drop"])
        end.extend(table["end"])
    return (re.compile("(?:" + "|".join(drop) + ")", re.IGNORECASE),
            re.compile("(?:" + "|".join(end) + ")", re.IGNORECASE))


_BOILERPLATE_MAX = 120
_TRIM = " \t*:|•·-–—>#"


def drop_boilerplate(blocks: list[Block]) -> list[Block]:
    """Blocks without site furniture; a footer marker ends the document."""
    drop, end = boilerplate_patterns()
    kept = []
    for block in blocks:
        if len(block.text) <= _BOILERPLATE_MAX:
            line = block.text.strip(_TRIM).rstrip(".!؟?").strip()
            if end.fullmatch(line):
                break
            if drop.fullmatch(line) or not line:
                continue
        kept.append(block)
    return kept


# --- articles and titles --------------------------------------------------------------

_TERMINAL = re.compile(r"[.!?؟…][\"'»”’)\]]*$")
_CLAUSE_MARKS = re.compile(r"[,،;؛]")


def _words(text: str) -> int:
    return len(text.split())


def is_headline(text: str, *, strict: bool = True) -> bool:
    """A short line that reads as a headline.

    Strict (a headline inside a file): 3-25 words, at most 150 characters, no sentence
    punctuation at the end. Loose (the first line of a document): up to 200 characters
    and 30 words, and it may end with one full stop when it has no comma in it
    (a headline written as a sentence, as in LANA's French dispatches).
    """
    if _LIST_MARK.match(text) or text.endswith(":"):
        return False
    if strict:
        return 3 <= _words(text) <= 25 and len(text) <= 150 and not _TERMINAL.search(text)
    if not (2 <= _words(text) <= 30 and len(text) <= 200):
        return False
    if not _TERMINAL.search(text):
        return True
    return (text.endswith(".") and not text.endswith("..") and not _CLAUSE_MARKS.search(text)
            and not re.search(r"[.!?؟][\s\"»”]+\S", text))


def _is_body(block: Block) -> bool:
    return block.level is None and (len(block.text) >= 100 or bool(_TERMINAL.search(block.text)))


def title_and_body(article: list[Block]) -> tuple[str | None, str]:
    """The headline (an explicit heading or a headline-like first line) and the body."""
    first = article[0]
    if len(article) > 1 and (first.level is not None or is_headline(first.text, strict=False)):
        return first.text, "\n\n".join(b.text for b in article[1:])
    return None, "\n\n".join(b.text for b in article)


def split_into_articles(blocks: list[Block], kind: str, split: bool) -> list[list[Block]]:
    """One list of blocks per article; everything is one article unless `split`.

    Split points, in order of trust: separate <article> elements (HTML); headings of
    the top level when there are two or more (Markdown, HTML); otherwise, in plain
    text, a headline-like line followed by body text, and an Arabic paragraph opening
    with «وكان» + a verb (see _is_wakana_story).
    """
    if not blocks:
        return []
    if not split:
        return [blocks]
    starts = _explicit_starts(blocks) or _text_starts(blocks)
    bounds = [0, *[i for i in starts if i > 0], len(blocks)]
    return [blocks[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _explicit_starts(blocks: list[Block]) -> list[int]:
    articles = [b.article for b in blocks]
    if len({a for a in articles if a is not None}) > 1:
        return [i for i, a in enumerate(articles) if i == 0 or a != articles[i - 1]]
    levels = [b.level for b in blocks if b.level is not None]
    if not levels:
        return []
    top = min(levels)
    heads = [i for i, b in enumerate(blocks) if b.level == top]
    return heads if len(heads) > 1 else []


_WAKANA = re.compile(r"^وكان\s+(\S+)")


def _is_wakana_story(text: str) -> bool:
    """«وكان» + a verb with no «قد» in the next words: a news item run on after another
    (as in seed 002: «وكان استقبل الوزير...», «وكان أوضح...»). «وكان X قد فعل»
    is the pluperfect of background inside a story and does not start one."""
    match = _WAKANA.match(text)
    if not match or len(text) < 100:
        return False
    following = text.split()[1:7]
    return not match.group(1).startswith("ال") and "قد" not in following


def _text_starts(blocks: list[Block]) -> list[int]:
    starts = [0]
    for i in range(1, len(blocks)):
        since = i - starts[-1]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if (nxt is not None and since >= 2 and is_headline(blocks[i].text) and _is_body(nxt)
                and _is_body(blocks[i - 1])) or since >= 2 and _is_wakana_story(blocks[i].text) and _story_length(blocks, i) >= 2:
            starts.append(i)
    return starts


def _story_length(blocks: list[Block], start: int) -> int:
    """Paragraphs from `start` up to the next «وكان» story opening or headline."""
    end = start + 1
    while end < len(blocks) and not (_is_wakana_story(blocks[end].text)
                                     or is_headline(blocks[end].text)):
        end += 1
    return end - start


# --- JSON Lines -----------------------------------------------------------------------


def _jsonl_lines(lines: Iterable[bytes | Overlong], path: str, options: _Options, *,
                 from_stdin: bool) -> Iterator[Record]:
    """Records passed through: `text` required; normalised; id, sha256, source added.
    A file with no record in it is an `empty_file` error, as an empty .txt is."""
    empty = True
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, Overlong):
            record = overlong_line(raw, number, STAGE, options.max_chars, code="too_long")
        elif not raw.strip():
            continue
        else:
            record = parse_line(raw, number, STAGE)
        empty = False
        if "raw" in record and record.get("errors"):
            record["source"] = {**path_fields(path), "kind": "jsonl", "line": number}
            yield record
            continue
        yield _jsonl_record(record, path, number, options, from_stdin)
    if empty:
        yield _file_error(path, None, "empty_file", "empty file (no JSON line); nothing to "
                          "ingest")


def _jsonl_record(record: Record, path: str, number: int, options: _Options,
                  from_stdin: bool) -> Record:
    source = {**path_fields(path), "kind": "jsonl", "line": number}
    path = source["path"]
    text = record.get("text")
    if not isinstance(text, str):
        what = "has no" if text is None else "has a non-string"
        # Where it came from, as a good record says it, so an exported error row is traceable.
        record.setdefault("id", f"{path}:{number}")
        record.setdefault("source", source)
        return add_error(record, STAGE, "no_text" if text is None else "bad_text",
                         f"{path} line {number}: record {what} 'text' field; give each "
                         "JSON line a 'text' string")
    text = normalise_text(text).strip()
    title = record.get("title")
    if isinstance(title, str):
        record["title"] = normalise_text(title).strip() or None
        bounded = record_title(record, STAGE, max_chars=options.max_chars, cut=options.cut)
        record["title"] = title = bounded if isinstance(bounded, str) else record["title"]
    if len(text) > options.max_chars:
        if not options.cut:
            add_error(record, STAGE, "too_long",
                      f"{path} line {number}: text has {len(text):,} characters, over "
                      f"--max-chars {options.max_chars:,}; raise --max-chars or pass --cut")
        else:
            add_warning(record, STAGE, "cut", f"text cut from {len(text):,} to "
                        f"{options.max_chars:,} characters (--cut)")
            text = text[: options.max_chars].rstrip()
    record["text"] = text
    digest = text_sha256(title if isinstance(title, str) else None, text)
    if "id" not in record:
        record["id"] = digest[:16] if from_stdin else f"{path}:{number}"
    record["sha256"] = digest
    record.setdefault("source", source)
    return record

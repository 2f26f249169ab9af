"""Hypothesis strategies for what a hostile inbox holds, and the oracles the property
tests judge the toolkit's answers by (tests/test_properties.py).

Lines: JSON objects whose fields have any JSON type, JSON values that are not objects,
byte strings that are not JSON or not UTF-8 (NUL, lone CR, BOMs, U+2028, truncations).
Folders: entries with any byte-string name (not UTF-8, spaces, newlines, leading
dashes, 255 bytes) and any kind (document, empty, binary, FIFO, socket, links to
nothing, to themselves, to /dev/null, subfolders).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from hypothesis import strategies as st

BOM = b"\xef\xbb\xbf"

# Real sentences, so stages have words to work on, and odd characters to mix into them.
SENTENCES = [
    "Le ministre de l'Intérieur a reçu mardi à Tripoli une délégation de l'OIM.",
    "Les deux parties ont examiné les programmes de retour volontaire le 5 mars 2024.",
    "استقبل وزير الخارجية يوم الثلاثاء سفير جمهورية تونس لدى ليبيا.",
    "وأكد الجانبان أهمية تنسيق المواقف في المحافل الدولية.",
    "The Ministry of Foreign Affairs said on Tuesday that the minister met a UN delegation.",
    "TRIPOLI (Reuters) - Decree No. 12 of 2023 was published on 3 January.",
    "=HYPERLINK(\"http://x\") +1 -2 @SUM(A1)",
]
ODD = ["\u2028", "\u2029", "\u0085", "\x00", "\r", "\t", "\ufeff", "\u200f", "\u0640",
       "\ufdfa", "e\u0301", "\U0001f600", "\x0b", "\x1c", "  ", "\n", "\n\n", "\\", '"']

_NOT_SURROGATE = st.characters(exclude_categories=("Cs",))
texts = st.lists(st.one_of(st.sampled_from(SENTENCES), st.sampled_from(ODD),
                           st.text(_NOT_SURROGATE, max_size=12)),
                 max_size=8).map(" ".join)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), texts)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.text(_NOT_SURROGATE, max_size=6), children,
                                               max_size=3)),
    max_leaves=8)
# The keys stages read or own, each with any JSON type, so a stage meets `"text": 5`,
# `"summary": []`, `"errors": "x"`, `"lang": {}` and the like.
KNOWN_KEYS = ["id", "title", "lang", "source", "errors", "warnings", "translations",
              "summary", "fields", "sha256", "paragraph_langs", "lang_score", "raw"]


@st.composite
def records(draw) -> dict:
    record = {}
    if draw(st.booleans()):
        record["id"] = draw(st.one_of(st.text(_NOT_SURROGATE, max_size=10), json_values))
    record["text"] = draw(st.one_of(texts, texts, json_values))  # mostly a string
    for key in draw(st.lists(st.sampled_from(KNOWN_KEYS), max_size=3, unique=True)):
        record[key] = draw(json_values)
    for key in draw(st.lists(st.text(_NOT_SURROGATE, max_size=6), max_size=2)):
        record.setdefault(key, draw(json_values))
    return record


def _one_line(data: bytes) -> bytes:
    return data.replace(b"\n", b" ")


@st.composite
def lines(draw) -> bytes:
    """One input line (no b"\\n" in it): mostly records, then every other kind of line."""
    kind = draw(st.sampled_from(["record", "record", "record", "value", "bytes", "mangled",
                                 "nonstandard"]))
    if kind == "record":
        return json.dumps(draw(records()), ensure_ascii=draw(st.booleans())).encode("utf-8")
    if kind == "value":  # [], 3, "x", null, true...
        value = draw(json_values.filter(lambda v: not isinstance(v, dict)))
        return json.dumps(value, ensure_ascii=draw(st.booleans())).encode("utf-8")
    if kind == "bytes":
        return _one_line(draw(st.binary(max_size=40)))
    if kind == "nonstandard":
        return draw(st.sampled_from([
            b'{"text": "x", "n": NaN}', b'{"text": "x", "n": 1e999}', b'{"text": "x", "n": -Infinity}',
            b'{"text": "half \\ud800 pair"}', b'{"text": "' + b"1" * 5000 + b'"}',
            b'{"n": ' + b"9" * 5000 + b"}", b"[" * 5000 + b"]" * 5000, b'{"text": "a\x00b"}',
            b'{"text": "caf\xe9"}', b"\xff\xfe{\x00}\x00", b"{}", b"{\"text\": \"\"}"]))
    # a good record line, then mangled the ways files are: BOM, CR, NUL, cut, bad byte
    line = json.dumps(draw(records()), ensure_ascii=False).encode("utf-8")
    how = draw(st.sampled_from(["bom", "cr", "cr-inside", "nul", "cut", "latin1", "u2028"]))
    if how == "bom":
        return BOM + line
    if how == "cr":
        return line + b"\r"
    if how == "cr-inside":
        return line[: len(line) // 2] + b"\r" + line[len(line) // 2:]
    if how == "nul":
        return line[:-1] + b"\x00" + line[-1:]
    if how == "cut":
        return line[: draw(st.integers(0, max(0, len(line) - 1)))]
    if how == "latin1":
        return line[:-1] + b"\xe9\xff" + line[-1:]
    return line[:-1] + "\u2028".encode() + line[-1:]


input_lines = st.lists(lines(), min_size=1, max_size=6)


def join(lines_: list[bytes], *, final_newline: bool = True) -> bytes:
    return b"\n".join(lines_) + (b"\n" if final_newline else b"")


# A UTF-16/32 BOM opening a stream makes the whole stream that encoding (README: "a BOM
# decides"); longest first, as the UTF-32-LE BOM starts with the UTF-16-LE one.
WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
             (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def stream_lines(lines_: list[bytes]) -> list[bytes]:
    """The lines a reader sees in join(lines_), as UTF-8: these lines, or, when the first
    opens with a UTF-16/32 BOM, the stream decoded as that (bytes it cannot decode as
    `\\xHH`, which no JSON string allows) and split at its own line feeds."""
    data = join(lines_)
    for bom, encoding in WIDE_BOMS:
        if data.startswith(bom):
            text = data[len(bom):].decode(encoding, "backslashreplace")
            return [line.rstrip("\r").encode("utf-8") for line in text.split("\n")]
    return lines_


def counted(lines_: list[bytes]) -> list[bytes]:
    """The lines a reader must answer: every line but blank ones (only whitespace), which
    JSON Lines readers skip; a BOM opening the stream is not content."""
    kept = []
    for number, line in enumerate(stream_lines(lines_)):
        if number == 0 and line.startswith(BOM):
            line = line[len(BOM):]
        if line.strip():
            kept.append(line)
    return kept


def as_object(line: bytes) -> dict | None:
    """The JSON object a good line holds, or None for a line that must become a bad_line
    error record (not UTF-8, not JSON, not an object, NaN, out of range, lone surrogate)."""
    def refuse(name):
        raise ValueError(name)

    try:
        text = line.lstrip(BOM).decode("utf-8") if line.startswith(BOM) else line.decode("utf-8")
        value = json.loads(text, parse_constant=refuse)
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        return None
    if any(isinstance(v, float) and v in (float("inf"), float("-inf")) for v in _leaves(value)):
        return None
    return value if isinstance(value, dict) else None


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def raw_kept(line: bytes) -> str:
    """What an error record's `raw` must hold for a bad line: the line as text (bytes that
    are not UTF-8 replaced, as JSON output must be UTF-8), BOMs and end-of-line CRs aside."""
    return line.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r")


# --- spreadsheets ---------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def runs_as_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell)


# --- folders --------------------------------------------------------------------------

DOCUMENT_SUFFIXES = [b".txt", b".md", b".html", b".jsonl"]
# Names a folder walk skips by design: hidden ones and the folder's own README/LICENSE.
_SKIPPED = re.compile(rb"^(\.|(readme|license|licence|changelog)(\.|$))", re.IGNORECASE)
# Kinds whose entry must become exactly one error record (a document it cannot read).
BAD_KINDS = {"empty", "binary", "fifo", "socket", "dangling", "loop", "devnull",
             "empty-jsonl"}
# Kinds that are not regular files: never read as an empty document.
SPECIAL_KINDS = {"fifo", "socket", "devnull"}


@dataclass
class Entry:
    name: bytes
    kind: str
    lines: list[bytes] = field(default_factory=list)  # for "jsonl"

    def expected_records(self) -> int:
        if self.kind == "jsonl":
            return len(counted(self.lines))
        return 1  # text, subfolder (holds one text file), link, and every BAD_KINDS entry


_name_bytes = st.binary(min_size=1, max_size=24).map(
    lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_"))
_long_stem = st.integers(200, 245).map(lambda n: b"\xc3\xa9" * (n // 2))
stems = st.one_of(
    _name_bytes,
    st.sampled_from([b"caf\xe9", b"-rf", b"--help", b"a b", b"new\nline", b"tab\there", b"\xff\xfe",
                     b"\xed\xa0\x80", "نص عربي".encode(), b"*", b"[x]", b"?", b"~", b"-"]),
    _long_stem,
).filter(lambda s: not _SKIPPED.match(s))

def _utf8(name: bytes) -> bool:
    try:
        name.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


KINDS = ["text", "text", "jsonl", "empty", "binary", "fifo", "socket", "dangling", "loop",
         "devnull", "subfolder", "link-to-text", "empty-jsonl"]


@st.composite
def folder_entries(draw, kinds: list[str] = KINDS, max_size: int = 5,
                   utf8_names: bool = False) -> list[Entry]:
    entries, names = [], set()
    for _ in range(draw(st.integers(1, max_size))):
        kind = draw(st.sampled_from(kinds))
        stem = draw(stems.filter(_utf8) if utf8_names else stems)
        if kind in ("jsonl", "empty-jsonl"):
            suffix = b".jsonl"
        elif kind == "subfolder":
            suffix = b""
        else:
            suffix = draw(st.sampled_from(DOCUMENT_SUFFIXES[:3]))
        name = stem + suffix
        if name.lower() in names or len(name) > 255:
            continue
        names.add(name.lower())
        body = draw(input_lines) if kind == "jsonl" else []
        if kind == "jsonl" and not counted(body):
            kind = "empty-jsonl"
        entries.append(Entry(name, kind, body))
    return entries

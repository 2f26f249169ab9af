"""Glossary terms and protected spans for translation: read, match, mask, restore.

A glossary is a CSV or TSV file with a header `source_lang,target_lang,source,target`
and optional columns `protect` (yes/true/1: a do-not-translate term, kept as written;
its `target` may be empty) and `case` (yes: matched as written, for an acronym that is
also a word: "AN", "CE"). `*` as a language matches any language.

Matching: Arabic terms after the toolkit's normalisation (toolkit.extract.normalise:
alef and hamza forms, ى, diacritics, tatweel) plus tā' marbūṭa as hā' and hamza on wāw
and yā' as the bare letter, with the clitics و/ف, ب/ل/ك and the article ال allowed in
front («وبحكومة الوحدة الوطنية», «للدبيبة») of a term of several words or of four letters
or more (CLITIC_MIN_LETTERS); Latin-script terms without case (unless `case=yes`, or a
--protect-entities name in capitals, an acronym: as written), on word boundaries. The longest term wins
where two overlap, the article included.

Mechanism (toolkit.translate drives it): each matched term becomes a placeholder such as
`{0}` in the text sent to the model; after decoding, each placeholder is replaced by the
term's target. A placeholder the model lost (or doubled) is never dropped silently: the
sentence is flagged `placeholder_lost` and rebuilt from the text around the terms,
translated as separate segments, with the targets spliced in between.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from toolkit.extract.normalise import _dropped, matchable

COLUMNS = ("source_lang", "target_lang", "source", "target")
ANY = "*"
TRUE_WORDS = {"yes", "y", "true", "1", "x", "protect"}
FALSE_WORDS = {"", "no", "n", "false", "0"}
# Placeholder forms tried in order; a route uses the first that survives every tokenizer
# on it (toolkit.translate.placeholder_form). `{0}`: three common pieces in any vocabulary
# trained on software-localisation text (OPUS holds much of it), no underscore (argos'
# decoding turns `_` into a space), nothing a Moses tokenizer escapes.
PLACEHOLDER_FORMS = ("{%d}", "[%d]", "TRM%d")
_EXTRA = str.maketrans({"ة": "ه", "ؤ": "و", "ئ": "ي"})  # one letter for one: offsets hold
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# Lazy: the shortest prefix first, so a term holding the article («الحكومة») wins over
# the same term without it («حكومة») where both are entries.
_PREFIX = r"(?P<pre>[وف]??[بلك]??(?:ال)??)"
# A clitic in front of a short word is too often the word's own first letter: «فعلي»
# ("actual") is not ف + علي, «بلد» is not ب + لد. Shorter one-word terms match bare only.
CLITIC_MIN_LETTERS = 4
_ARABIC_PUNCTUATION = str.maketrans({"،": ",", "؛": ";", "؟": "?"})


class GlossaryError(ValueError):
    """A glossary file that cannot be used: one line saying why (bad usage, exit 2)."""


@dataclass(frozen=True)
class Entry:
    source_lang: str
    target_lang: str
    source: str
    target: str
    protect: bool = False
    line: int = 0
    entity: str | None = None  # "person", "organisation", "place" for --protect-entities
    # Matched as written: a name extract found in capitals ("CE", an acronym) is not the
    # word "ce". Glossary lines match without case (French writes «la Manul», «l'Onu»).
    case_sensitive: bool = False

    def applies(self, source_lang: str, target_lang: str) -> bool:
        return (self.source_lang in (ANY, source_lang)
                and (self.protect or self.target_lang in (ANY, target_lang)))


@dataclass(frozen=True, eq=False)
class Glossary:
    entries: tuple[Entry, ...]
    sha256: str
    path: str = ""

    def matcher(self, source_lang: str, target_lang: str) -> Matcher:
        return _matcher(self, source_lang, target_lang)


@lru_cache(maxsize=64)
def _matcher(glossary: Glossary, source_lang: str, target_lang: str) -> Matcher:
    return Matcher([e for e in glossary.entries if e.applies(source_lang, target_lang)])


# --- reading ---------------------------------------------------------------------------


def load_glossary(path: str | Path | Glossary | None) -> Glossary | None:
    """The glossary in `path` (GlossaryError says what is wrong with it); None for none."""
    if path is None or isinstance(path, Glossary):
        return path
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise GlossaryError(f"--glossary {path}: cannot be read ({exc.strerror or exc})") from None
    return _load(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> Glossary:
    """Read once per process per file version (`run` calls translate once per chunk)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise GlossaryError(f"--glossary {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"--glossary {path}: not UTF-8 (byte {exc.start}); save it as "
                            f"UTF-8 CSV or TSV") from None
    return parse_glossary(text, path)


def parse_glossary(text: str, name: str = "glossary") -> Glossary:
    lines = text.splitlines()
    header_line = next((line for line in lines
                        if line.strip() and not line.lstrip().startswith("#")), "")
    delimiter = "\t" if "\t" in header_line else ","
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header, entries = _read_rows(rows, name)
    except csv.Error as exc:  # a field over csv's size limit, a stray quote in strict mode
        raise GlossaryError(f"--glossary {name} line {rows.line_num}: not readable as "
                            f"CSV/TSV ({exc})") from None
    if header is None:
        raise GlossaryError(f"--glossary {name}: empty; the first line must name "
                            f"{','.join(COLUMNS)}[,protect][,case]")
    # In file order: where two entries hold one term for a pair, the earlier line wins.
    canonical = [(e.source_lang, e.target_lang, e.source, e.target, e.protect)
                 + ((True,) if e.case_sensitive else ()) for e in entries]
    digest = hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()
    return Glossary(tuple(entries), digest, name)


def _read_rows(rows, name: str) -> tuple[list[str] | None, list[Entry]]:
    """The header and the entries, in file order."""
    header: list[str] | None = None
    entries: list[Entry] = []
    seen: dict[tuple, Entry] = {}
    for row in rows:
        number = rows.line_num
        if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise GlossaryError(f"--glossary {name}: missing column(s) {', '.join(missing)}; "
                                    f"the first line must name {','.join(COLUMNS)}[,protect][,case]")
            continue
        entry = _entry(dict(zip(header, (cell.strip() for cell in row))), number, name)
        key = (entry.source_lang, entry.target_lang, _key(entry.source))
        if key in seen and seen[key].target != entry.target:
            raise GlossaryError(f"--glossary {name} line {number}: {entry.source!r} is also on "
                                f"line {seen[key].line} with another target")
        seen[key] = entry
        entries.append(entry)
    return header, entries


def _entry(row: dict[str, str], number: int, name: str) -> Entry:
    where = f"--glossary {name} line {number}"
    langs = []
    for column in ("source_lang", "target_lang"):
        value = (row.get(column) or "").lower()
        if value != ANY and not (value.isalpha() and 2 <= len(value) <= 3):
            raise GlossaryError(f"{where}: {column} {value!r} is not a language code "
                                f"(en, fr, ar) or *")
        langs.append(value)
    protect, case_sensitive = (_yes_or_no(row, column, where) for column in ("protect", "case"))
    source, target = " ".join(row.get("source", "").split()), " ".join(row.get("target", "").split())
    if not source:
        raise GlossaryError(f"{where}: empty source term")
    if not target and not protect:
        raise GlossaryError(f"{where}: empty target for {source!r} (mark do-not-translate "
                            f"terms with protect=yes)")
    return Entry(langs[0], langs[1], source, target or source, protect, number,
                 case_sensitive=case_sensitive)


def _yes_or_no(row: dict[str, str], column: str, where: str) -> bool:
    """An optional yes/no column (empty: no)."""
    word = (row.get(column) or "").lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise GlossaryError(f"{where}: {column} {word!r}: expected yes or no")
    return word in TRUE_WORDS


# --- matching --------------------------------------------------------------------------


def _normal(text: str) -> str:
    return matchable(text).text.translate(_EXTRA)


def _fold(text: str) -> str:
    """Lower case, one character for one so that offsets hold; the same on the terms and
    on the text (casefold would turn a term's "ß" into "ss", which "Straße" never holds)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def _key(term: str) -> str:
    return " ".join(_fold(_normal(term)).split())


def _pattern(term: str) -> str:
    return r"\s+".join(re.escape(word) for word in term.split())


@dataclass
class Hit:
    """One term found in a sentence: [start, end) is the whole word with its clitics;
    [cut, end) is what the placeholder replaces (the clitics و/ب/ل stay in the text)."""

    start: int
    cut: int
    end: int
    entry: Entry
    form: str
    target: str
    restored: str = ""  # "placeholder" or "fallback", once translated

    def as_dict(self) -> dict:
        out = {"term": self.entry.source, "form": self.form, "target": self.target,
               "restored": self.restored}
        if self.entry.protect:
            out["protect"] = True
        if self.entry.entity:
            out["entity"] = self.entry.entity
        return out


class Matcher:
    """One regular expression over the normalised text for a set of entries."""

    def __init__(self, entries: list[Entry]):
        # folded key -> the entries under it, in order: the first that fits a match wins
        # (an earlier line; entities come after the glossary). A variant needs ل in front;
        # a case-sensitive entry needs its exact form.
        self.by_key: dict[str, list[tuple[Entry, bool, str | None]]] = {}
        # ar: Arabic terms that take clitics; bare: short Arabic ones; la: the rest
        groups: dict[str, set[str]] = {"ar": set(), "bare": set(), "la": set()}
        for entry in entries:
            key = _key(entry.source)
            if not key:
                continue
            exact = " ".join(_normal(entry.source).split()) if entry.case_sensitive else None
            self.by_key.setdefault(key, []).append((entry, False, exact))
            if not _ARABIC.search(key):
                groups["la"].add(key)
            elif " " not in key and len(key) < CLITIC_MIN_LETTERS:
                groups["bare"].add(key)
            else:
                groups["ar"].add(key)
                if key.startswith("ال") and len(key) > 2:  # «للدبيبة»: ل + (ا)لدبيبة
                    variant = key[1:]
                    self.by_key.setdefault(variant, []).append((entry, True, None))
                    groups["ar"].add(variant)
        parts = [("" if name != "ar" else _PREFIX) + f"(?P<{name}>" + "|".join(
                     _pattern(k) for k in sorted(keys, key=lambda k: (-len(k), k))) + ")"
                 for name, keys in groups.items() if keys]
        self.regex = (re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")
                      if parts else None)

    def find(self, text: str, taken: list[Hit] | None = None) -> list[Hit]:
        """Hits in `text`, left to right, none overlapping each other or `taken`; a hit
        holding whole hits of `taken` (a name around a glossary term) takes their place."""
        if self.regex is None:
            return []
        source = matchable(text)
        normal = source.text.translate(_EXTRA)
        hits: list[Hit] = []
        for m in self.regex.finditer(_fold(normal)):
            group = m.lastgroup  # the term's group: "ar", "bare" or "la"
            pre = m.group("pre") if group == "ar" else ""
            entry = self._entry(" ".join(m.group(group).split()), pre,
                                " ".join(normal[m.start(group):m.end(group)].split()))
            if entry is None:
                continue
            cut = m.start(group) - (2 if pre.endswith("ال") else 0)
            start, cut, end = _original(source, m.start(), cut, m.end())
            overlapping = [h for h in (taken or []) if h.start < end and start < h.end]
            if any(h.start < start or h.end > end for h in overlapping):
                continue
            for h in overlapping:
                taken.remove(h)
            form = text[start:end]
            target = text[cut:end] if entry.protect else entry.target
            hits.append(Hit(start, cut, end, entry, form, target))
        return hits


    def _entry(self, key: str, pre: str, written: str) -> Entry | None:
        """The first entry under `key` that fits: `pre` the clitics in front, `written`
        the term's letters as the text has them (case kept)."""
        return next((entry for entry, variant, exact in self.by_key.get(key, [])
                     if (not variant or pre.endswith("ل")) and exact in (None, written)),
                    None)


def _original(source, start: int, cut: int, end: int) -> tuple[int, int, int]:
    """Offsets in the original text; the diacritics after the last letter go with it."""
    origin, text = source.origin, source.source
    at = [origin[i] if i < len(origin) else len(text) for i in (start, cut)]
    stop = origin[end - 1] + 1
    while stop < len(text) and _dropped(text[stop]):
        stop += 1
    return at[0], at[1], stop


def find_hits(text: str, matchers: list[Matcher]) -> list[Hit]:
    """Hits of several matchers, the first matcher's first (glossary before entities)."""
    hits: list[Hit] = []
    for matcher in matchers:
        hits.extend(matcher.find(text, hits))
    return sorted(hits, key=lambda h: h.start)


# --- masking and restoring -------------------------------------------------------------


@dataclass
class Masked:
    """A sentence with its terms replaced by placeholders, and what restores it."""

    hits: list[Hit]
    text: str | None  # None: no placeholder form for this route; segments only
    form: str | None
    segments: list[str] = field(default_factory=list)  # text between the masked spans


def mask(sentence: str, hits: list[Hit], form: str | None) -> Masked:
    segments, last = [], 0
    for hit in hits:
        segments.append(sentence[last:hit.cut])
        last = hit.end
    segments.append(sentence[last:])
    if form is None or any(_placeholder_regex(form, i).search(sentence)
                           for i in range(len(hits))):
        return Masked(hits, None, None, segments)  # the text holds a look-alike already
    masked = "".join(seg + (form % i if i < len(hits) else "")
                     for i, seg in enumerate(segments))
    return Masked(hits, masked, form, segments)


@lru_cache(maxsize=1024)
def _placeholder_regex(form: str, index: int) -> re.Pattern:
    """`{ 0 }` as well as `{0}`; `TRM0` neither inside a word ("xTRM0") nor with the space
    after it (the form has nothing after the number: that space belongs to the text)."""
    before, after = form.split("%d")
    before, after = before.strip(), after.strip()
    guard = r"(?<!\w)" if re.match(r"\w", before) else ""
    tail = r"\s*" + re.escape(after) if after else ""
    return re.compile(guard + re.escape(before) + r"\s*" + str(index) + r"(?!\d)" + tail,
                      re.IGNORECASE)


def restore(target: str, masked: Masked) -> str | None:
    """The model's output with each placeholder replaced by its term's target; None when
    a placeholder is missing or doubled (the sentence then goes to fallback)."""
    if masked.form is None:
        return None
    found = []
    for index in range(len(masked.hits)):
        matches = list(_placeholder_regex(masked.form, index).finditer(target))
        if len(matches) != 1:
            return None
        found.append((matches[0].start(), matches[0].end(), masked.hits[index].target))
    out, last = [], 0
    for start, end, value in sorted(found):
        out.append(target[last:start] + value)
        last = end
    out.append(target[last:])
    return "".join(out)


def needs_translation(segment: str) -> bool:
    return any(ch.isalnum() for ch in segment)


def assemble(masked: Masked, translated: dict[str, str], to: str) -> str:
    """The fallback: translated segments with the targets spliced in between, in the
    target language's typography (French keeps its space before ; : ! ? »)."""
    parts = []
    for index, segment in enumerate(masked.segments):
        if needs_translation(segment):
            parts.append(translated[segment.strip()])
        else:
            parts.append(segment.strip().translate(_ARABIC_PUNCTUATION))
        if index < len(masked.hits):
            parts.append(masked.hits[index].target)
    text = " ".join(p for p in parts if p)
    return re.sub(r"\s+([,.)])" if to == "fr" else r"\s+([,.;:!?)»])", r"\1", text)


def entity_entries(names: list[tuple[str, str, str]]) -> list[Entry]:
    """Entries for --protect-entities: (kind, name, target) -> a term kept as `target`;
    a name in capitals (an acronym: "CE", "LANA") matches only in capitals."""
    return [Entry(ANY, ANY, name, target, False, 0, kind, case_sensitive=name.isupper())
            for kind, name, target in names if name.strip() and target.strip()]


__all__ = ["Entry", "Glossary", "GlossaryError", "Hit", "Masked", "Matcher", "assemble",
           "entity_entries", "find_hits", "load_glossary", "mask", "parse_glossary", "restore"]

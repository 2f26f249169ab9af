"""Stories: group the records that tell the same story, mark near-copies: `story`.

A grouping stage: it must see every record before it can say which story a record
belongs to, so it reads the whole input first. It keeps only a small signature per
record in memory (a MinHash of the body, the record's top weighted terms, its date);
the records themselves wait in a temporary file and are written back with
`story: {id, size, duplicate_of}` in their input order.

- `duplicate_of`: the body is a near-copy of an earlier record (a republished dispatch:
  edited headline, trimmed footer, a sentence changed): MinHash over word 3-shingles,
  candidates from datasketch's LSH index, kept when the estimated Jaccard similarity
  reaches DUPLICATE_JACCARD. It points at the first record of the copies.
- `id`: shared by records about the same story. Records are taken in a fixed order
  (publication date, then id); each joins the story whose centroid is most similar
  (cosine over tf-idf weighted words, titles counted twice, people/places/countries from
  `fields` as extra terms, the English translation's words when there is one, so an
  Arabic and a French dispatch meet) when that similarity reaches `threshold` and the
  story's last record is at most `days` away; otherwise it starts a story. The id is
  derived from the story's first record, and a record's story depends only on the
  records before it (document frequencies too are counted over those records only):
  documents added later (a cron job's new day) leave old ids alone. Candidates come
  from an index of each record's top terms (bounded lists), so the work grows with
  the number of records, not with its square.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from toolkit import limits
from toolkit.records import Record, dumps, failed_upstream, stage_params

STAGE = "stories"
EMITS = ("records", "stories")
DEFAULT_THRESHOLD = 0.17
DEFAULT_DAYS = 7
DUPLICATE_JACCARD = 0.5
NUM_PERM = 64
SHINGLE = 3
TOP_TERMS = 40          # terms kept per record (by tf) before weighting
INDEXED_TERMS = 20      # of those, the best weighted go into the candidate index
POSTINGS_CAP = 100      # stories of the latest records kept per indexed term
CANDIDATES = 50         # candidates scored per record, most terms shared first
CENTROID_TERMS = 100     # terms kept per story centroid
ENTITY_WEIGHT = 1.0     # a name from `fields` counts as one more mention (docs/stories.md)
BACKGROUND_DOCUMENTS = 50  # idf as if that many earlier records lacked the term
UNDATED_FACTOR = 2.0       # a dated record and an undated story (or the reverse)
_WORD = re.compile(r"[^\W\d_]{2,}")


def story_id(first_member_id: str) -> str:
    return "story-" + hashlib.sha1(first_member_id.encode("utf-8")).hexdigest()[:12]


# --- per-record signature -------------------------------------------------------------


@dataclass
class Signature:
    position: int                    # input order
    id: str
    day: int | None                  # publication date as an ordinal
    date: str | None
    terms: dict[int, float]          # term id -> count (top TOP_TERMS)
    minhash: Any = None              # numpy uint32 array, or None for an empty body
    story: int = -1                  # position of the story's first record
    duplicate_of: str | None = None
    usable: bool = True              # False: a record with no text, passed on untouched


def _published(record: Record) -> tuple[str | None, int | None]:
    fields = record.get("fields")
    value = fields.get("published") if isinstance(fields, dict) else None
    if not isinstance(value, str):
        return None, None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None, None
    return day.isoformat(), day.toordinal()


def _story_text(record: Record) -> tuple[str, str, str | None]:
    """(title, text, language) whose words describe the story: the English translation
    when the record has one, so records in different languages share words."""
    translation = (record.get("translations") or {}).get("en") if isinstance(
        record.get("translations"), dict) else None
    if record.get("lang") != "en" and isinstance(translation, dict) and isinstance(
            translation.get("text"), str):
        return str(translation.get("title") or ""), translation["text"], "en"
    title = record.get("title")
    return (title if isinstance(title, str) else ""), record.get("text") or "", record.get("lang")


def _entity_terms(record: Record) -> list[str]:
    fields = record.get("fields")
    if not isinstance(fields, dict):
        return []
    terms = []
    for person in fields.get("people") or []:
        if isinstance(person, dict):
            name = person.get("name_en") or person.get("name")
            if isinstance(name, str) and name.strip():
                terms.append("@p:" + " ".join(name.lower().split()))
    for place in fields.get("places") or []:
        if isinstance(place, dict) and isinstance(place.get("name"), str) \
                and place.get("kind") != "country":  # a country counts once, by its code
            terms.append("@l:" + " ".join(place["name"].lower().split()))
    for code in fields.get("countries") or []:
        if isinstance(code, str):
            terms.append("@c:" + code.upper())
    return terms


class _Words:
    """Content words of a text, stemmed, without stop words, per language."""

    def __init__(self):
        self._kits: dict[str | None, Any] = {}

    def __call__(self, text: str, lang: str | None) -> list[str]:
        from toolkit.summarize import SUPPORTED, language_kit, normalise_word

        key = lang if lang in SUPPORTED else None
        kit = self._kits.get(key)
        if kit is None:
            kit = self._kits[key] = language_kit(key)
        stop = kit.stop_words
        stem = kit.stemmer
        words = (normalise_word(w.lower()) for w in _WORD.findall(text))
        return [stem(w) for w in words if w not in stop and len(w) > 2]


def _term_id(term: str) -> int:
    """A number for a term that is the same in every run, whatever the input order."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "big")


def _shingles(text: str) -> list[bytes]:
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < SHINGLE:
        return [" ".join(words).encode("utf-8")] if words else []
    return sorted({" ".join(words[i:i + SHINGLE]).encode("utf-8")
                   for i in range(len(words) - SHINGLE + 1)})


@lru_cache(maxsize=1)
def _permutations():
    """datasketch draws its permutations anew for every MinHash: once is enough."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32").permutations


def _minhash(text: str):
    import numpy
    from datasketch import MinHash

    shingles = _shingles(text)
    if not shingles:
        return None
    # crc32 (C, deterministic) to number the shingles: the MinHash permutations do the
    # hashing that matters, and sha1 (datasketch's default) was a third of the stage's time
    sketch = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32, scheme="affine32",
                     permutations=_permutations())
    sketch.update_batch(shingles)
    return numpy.asarray(sketch.hashvalues, dtype=numpy.uint32)  # the affine32 scheme


class _Collection:
    """The signatures of the whole input."""

    def __init__(self):
        self.signatures: list[Signature] = []
        self.words = _Words()

    def add(self, record: Record, position: int) -> Signature:
        title, text, lang = _story_text(record)
        counts = Counter(self.words(text, lang))
        for word in self.words(title, lang):
            counts[word] += 2
        for term in _entity_terms(record):
            counts[term] += ENTITY_WEIGHT
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_TERMS]
        top = [(_term_id(term), n) for term, n in top]
        iso, day = _published(record)
        body = record.get("text") if isinstance(record.get("text"), str) else ""
        signature = Signature(position, str(record.get("id") or f"#{position}"), day, iso,
                              dict(top), _minhash(body))
        self.signatures.append(signature)
        return signature

    def weighted(self, signature: Signature, df: Counter, total: int) -> dict[int, float]:
        """tf-idf weights of the record's top terms, unit length."""
        total += BACKGROUND_DOCUMENTS
        weights = {t: (1 + math.log(n)) * math.log((1 + total) / (1 + df[t]))
                   for t, n in signature.terms.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items() if w > 0}


# --- grouping ------------------------------------------------------------------------


def _order(signature: Signature) -> tuple:
    # dated records first, by date; then by id: the same records always go in the same order
    return (signature.date is None, signature.date or "", signature.id, signature.position)


def _cosine(a: dict[int, float], b: dict[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def assign_stories(collection: _Collection, *, threshold: float, days: int | None) -> None:
    """Set `story` and `duplicate_of` on every signature, in story order."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=DUPLICATE_JACCARD, num_perm=NUM_PERM)
    memory = _Memory()
    seen_df: Counter[int] = Counter()  # document frequencies over the records so far only
    signatures = collection.signatures
    in_order = sorted((s for s in signatures if s.usable), key=_order)
    for seen, signature in enumerate(in_order, start=1):
        original = _find_original(signature, signatures, lsh)
        seen_df.update(signature.terms.keys())
        vector = collection.weighted(signature, seen_df, seen)
        if original is not None:
            signature.duplicate_of = original.duplicate_of or original.id
            signature.story = original.story
        else:
            best = _best_match(signature, vector, memory, threshold, days)
            signature.story = best if best is not None else signature.position
            if signature.minhash is not None:
                from datasketch import LeanMinHash
                lsh.insert(signature.position, _lean(signature.minhash, LeanMinHash))
        memory.remember(signature, vector)


def _lean(values, lean_class):
    return lean_class(seed=1, hashvalues=values, scheme="affine32")


def _find_original(signature: Signature, signatures: list[Signature], lsh) -> Signature | None:
    if signature.minhash is None:
        return None
    from datasketch import LeanMinHash

    found = []
    for position in lsh.query(_lean(signature.minhash, LeanMinHash)):
        other = signatures[position]
        if float((other.minhash == signature.minhash).mean()) >= DUPLICATE_JACCARD:
            found.append(other)
    return min(found, key=_order) if found else None


def _best_match(signature, vector, memory, threshold, days):
    """The story (position of its first record) whose centroid is closest to `vector`
    among the stories of the records sharing its top terms, or None."""
    shared: Counter[int] = Counter()
    for term in _indexed_terms(vector):
        shared.update(memory.postings.get(term, ()))
    best, best_score = None, 0.0
    for story, _ in heapq.nsmallest(CANDIDATES, shared.items(),
                                    key=lambda item: (-item[1], item[0])):
        last = memory.last_day.get(story)
        if days is not None and None not in (signature.day, last) and abs(signature.day - last) > days:
            continue
        score = _cosine(vector, _unit(memory.centroids[story]))
        # a date on one side only: time cannot back the match, the words must do more
        needed = threshold * (UNDATED_FACTOR if (signature.day is None) != (last is None) else 1)
        if score >= needed and (score > best_score or (score == best_score and story < best)):
            best, best_score = story, score
    return best


def _unit(vector: dict[int, float]) -> dict[int, float]:
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {t: w / norm for t, w in vector.items()}


def _indexed_terms(vector: dict[int, float]) -> list[int]:
    return [t for t, _ in sorted(vector.items(), key=lambda item: (-item[1], item[0]))
            [:INDEXED_TERMS]]


@dataclass
class _Memory:
    """What grouping keeps while it walks the records: bounded per record and per term."""

    postings: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # stories
    centroids: dict[int, dict[int, float]] = field(default_factory=dict)  # summed weights
    last_day: dict[int, int] = field(default_factory=dict)

    def remember(self, signature: Signature, vector: dict[int, float]) -> None:
        centroid = self.centroids.setdefault(signature.story, {})
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight
        if len(centroid) > CENTROID_TERMS:  # bounded: the story's strongest terms
            kept = sorted(centroid.items(), key=lambda item: (-item[1], item[0]))
            self.centroids[signature.story] = dict(kept[:CENTROID_TERMS])
        for term in _indexed_terms(vector):  # the story, not the record: stories never merge
            entries = self.postings[term]
            entries.append(signature.story)
            if len(entries) > POSTINGS_CAP:
                del entries[0]
        if signature.day is not None:
            self.last_day[signature.story] = max(self.last_day.get(signature.story, 0),
                                                 signature.day)


# --- the stage ------------------------------------------------------------------------


def check_options(*, threshold: float, days: int | None, emit: str) -> None:
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be over 0 and at most 1, not {threshold!r}")
    if days is not None:
        limits.check("story_days", days, what="days (--days)")
    if emit not in EMITS:
        raise ValueError(f"--emit takes {' or '.join(EMITS)}, not {emit!r}")


def story_records(
    records: Iterable[Record],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    days: int | None = DEFAULT_DAYS,
    emit: str = "records",
    sentences: int = 3,
) -> Iterator[Record]:
    """Add `story: {id, size, duplicate_of}` to every record (emit="records"), or yield
    one record per story (emit="stories"): id, members, languages, dates, title,
    summary.<lang> (sentences from every member, redundancy removed) and fields counted.

    Reads every record before the first is written (a grouping stage); records wait in
    a temporary file, only their signatures stay in memory.
    """
    import tempfile

    check_options(threshold=threshold, days=days, emit=emit)
    params = stage_params(threshold=threshold, days=days)
    with tempfile.TemporaryFile() as spool:
        collection = _Collection()
        skipped: set[int] = set()
        for position, record in enumerate(records):
            spool.write(dumps(record).encode("utf-8") + b"\n")
            if failed_upstream(record) or not isinstance(record.get("text"), str):
                skipped.add(position)
                collection.signatures.append(Signature(position, "", None, None, {},
                                                       usable=False))
                continue
            collection.add(record, position)
        assign_stories(collection, threshold=threshold, days=days)
        sizes = Counter(s.story for s in collection.signatures if s.position not in skipped)
        spool.seek(0)
        spooled = (json.loads(line) for line in spool)
        if emit == "records":
            yield from _with_story(spooled, collection, skipped, sizes)
        else:
            yield from _story_summaries(spooled, collection, skipped, sizes, params, sentences)


def _story_of(signature: Signature, collection: _Collection, sizes: Counter) -> dict:
    first = collection.signatures[signature.story]
    return {"id": story_id(first.id), "size": sizes[signature.story],
            "duplicate_of": signature.duplicate_of}


def _with_story(spooled, collection, skipped, sizes) -> Iterator[Record]:
    for position, record in enumerate(spooled):
        if position not in skipped:
            record["story"] = _story_of(collection.signatures[position], collection, sizes)
        yield record


def _story_summaries(spooled, collection, skipped, sizes, params, sentences) -> Iterator[Record]:
    """One record per story, written when its last member has been read back."""
    from toolkit.story_summary import story_record

    open_stories: dict[int, list[tuple[Signature, Record]]] = defaultdict(list)
    for position, record in enumerate(spooled):
        if position in skipped:
            yield record  # nothing is lost: a record no stage could read passes on as it was
            continue
        signature = collection.signatures[position]
        members = open_stories[signature.story]
        members.append((signature, _member_view(record)))
        if len(members) == sizes[signature.story]:
            del open_stories[signature.story]
            members.sort(key=lambda item: _order(item[0]))
            yield story_record(story_id(members[0][0].id), members, params, sentences)


def _member_view(record: Record) -> Record:
    """What a story record needs from a member: not its whole translation output."""
    keep = ("id", "lang", "title", "text", "fields")
    view = {key: record.get(key) for key in keep}
    translation = (record.get("translations") or {}).get("en") if isinstance(
        record.get("translations"), dict) else None
    if isinstance(translation, dict):
        view["translation_en"] = {"title": translation.get("title"),
                                  "text": translation.get("text")}
    return view

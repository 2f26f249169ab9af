"""`toolkit detect`: offline language identification: lang, lang_score, paragraph_langs.

Uses py3langid (a maintained fork of langid.py): its naive Bayes model over byte
n-grams ships inside the wheel (4.5 MB), covers 97 languages, needs only numpy, loads
in well under a second and classifies a paragraph in tens of microseconds. Its scores
are calibrated probabilities (norm_probs); we round them to 3 decimals so output is
byte-identical from run to run. The README compares it with langdetect.

`detect_language` and `paragraph_languages` are for other stages too (translate and
summarize call detect_language for a record that has no `lang`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from toolkit.records import (
    DEFAULT_MAX_CHARS,
    Record,
    add_warning,
    already_done,
    check_max_chars,
    failed_upstream,
    record_text,
    record_title,
    stage_params,
)

STAGE = "detect"
UNKNOWN = "und"  # ISO 639-2 "undetermined": too little text, or no language stands out
MIN_LETTERS = 12  # fewer letters than this say nothing reliable about the language
MIN_SCORE = 0.1  # below this the best language is a guess (tuned on tests/eval/eval_detect.py)
PARAGRAPH_MIN_LETTERS = 20  # paragraphs shorter than this do not make a document "mixed"
PARAGRAPH_MIN_SCORE = 0.5
SAMPLE_CHARS = 20_000  # the start of a long text is enough to tell its language
# The model tells some varieties apart (Moroccan and Egyptian Arabic...); the toolkit
# wants the language its translation models are keyed by, so these fold into it.
MACROLANGUAGE = {"ary": "ar", "arz": "ar", "uzs": "uz", "gug": "gn", "wuu": "zh", "yue": "zh"}
PARAGRAPH_SAMPLE_CHARS = 400  # a paragraph's first sentences tell its language


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def model_name() -> str:
    from importlib.metadata import version

    return f"py3langid {version('py3langid')}"


_LETTER = re.compile(r"[^\W\d_]")


def _has_letters(text: str, count: int) -> bool:
    """At least `count` letters in `text` (stops counting once there)."""
    for seen, _ in enumerate(_LETTER.finditer(text), start=1):
        if seen >= count:
            return True
    return False


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, score 0..1) of `text`; ("und", score) when it cannot tell."""
    sample = text[:SAMPLE_CHARS]
    if not _has_letters(sample, MIN_LETTERS):
        return UNKNOWN, 0.0
    identifier = _identifier()
    lang, score = identifier.classify(sample)
    if lang in MACROLANGUAGE:  # a variety won: add up its language's varieties
        scores: dict[str, float] = {}
        for label, probability in identifier.rank(sample):
            macro = MACROLANGUAGE.get(label, label)
            scores[macro] = scores.get(macro, 0.0) + float(probability)
        lang, score = max(scores.items(), key=lambda item: (item[1], item[0]))
    score = round(min(float(score), 1.0), 3)
    if lang == "zxx" or score < MIN_SCORE:
        return UNKNOWN, score
    return lang, score


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a record's text (separated by blank lines), as ingest writes them."""
    return [part.strip() for part in text.split("\n\n") if part.strip()]


def paragraph_languages(text: str) -> list[dict]:
    """[{index, lang, score}] for every paragraph of `text`; short ones are "und"."""
    found = []
    for index, paragraph in enumerate(paragraphs(text)):
        if not _has_letters(paragraph, PARAGRAPH_MIN_LETTERS):
            lang, score = UNKNOWN, 0.0
        else:
            lang, score = detect_language(paragraph[:PARAGRAPH_SAMPLE_CHARS])
        found.append({"index": index, "lang": lang, "score": score})
    return found


def mixed_paragraphs(text: str) -> list[dict]:
    """paragraph_languages(text) when confident paragraphs disagree on the language, else [].

    Listing every paragraph of every document would bloat each record for nothing; a
    document in one language gets an empty list.
    """
    found = paragraph_languages(text)
    confident = {p["lang"] for p in found
                 if p["lang"] != UNKNOWN and p["score"] >= PARAGRAPH_MIN_SCORE}
    return found if len(confident) > 1 else []


def detect_records(
    records: Iterable[Record],
    *,
    force: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    cut: bool = False,
) -> Iterator[Record]:
    """Add lang, lang_score, paragraph_langs and lang_params to each record.

    Skipped: records that failed upstream, records detected before with the same
    params, and records that bring their own `lang` (no lang_params), unless `force`.
    """
    check_max_chars(max_chars)  # now, not at the first record
    return _detect_all(records, force=force, max_chars=max_chars, cut=cut)


def _detect_all(records: Iterable[Record], *, force: bool, max_chars: int,
                cut: bool) -> Iterator[Record]:
    params = stage_params(model=model_name(), max_chars=max_chars, cut=cut)
    for record in records:
        if failed_upstream(record) or (not force and _keep_existing(record, params)):
            yield record
            continue
        text = record_text(record, STAGE, max_chars=max_chars, cut=cut)
        title = record_title(record, STAGE, max_chars=max_chars, cut=cut) if text is not None else None
        if text is None or title is False:
            yield record
            continue
        yield detect_record(record, text, params, title)


def _keep_existing(record: Record, params: dict) -> bool:
    if "lang_params" in record:
        return already_done({"params": record["lang_params"]}, params)
    return isinstance(record.get("lang"), str) and bool(record["lang"])


def detect_record(record: Record, text: str, params: dict, title: str | None = None) -> Record:
    """Language fields for `text` (with `title`, already bounded by record_title)."""
    whole = f"{title}\n\n{text}" if title else text
    lang, score = detect_language(whole)
    record["lang"] = lang
    record["lang_score"] = score
    record["paragraph_langs"] = mixed_paragraphs(text)
    record["lang_params"] = params
    if lang == UNKNOWN:
        add_warning(record, STAGE, "unknown_language",
                    "cannot tell the language (too little text or no clear winner); "
                    "set 'lang' in the record to choose it")
    return record

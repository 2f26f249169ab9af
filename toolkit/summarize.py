"""Extractive summaries with sumy, offline, for Arabic, French and English: `summary.<lang>`.

sumy's own Tokenizer needs NLTK's punkt data (and pyarabic for Arabic); neither is
available offline, so the document model is built here: sentences come from the
toolkit's one splitter (so `index` points into split_sentences(text, lang)), words from
a regular expression that knows Arabic marks and French elisions. Stop words are the
lists sumy ships; stemmers are NLTK's Snowball stemmers (pure code, no data), as sumy
itself uses them. sumy is imported only inside the functions that run it.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from toolkit import limits
from toolkit.records import (
    DEFAULT_MAX_CHARS,
    Record,
    add_error,
    add_warning,
    already_done,
    as_dict,
    check_max_chars,
    failed_upstream,
    record_text,
    record_title,
    stage_params,
)
from toolkit.sentences import Sentence, split_sentences

STAGE = "summarize"
SUMY_METHODS = ("lexrank", "textrank", "lsa", "luhn", "edmundson", "kl", "sumbasic",
                "reduction")
# The graph methods with a bonus for coming early in the text (news puts the facts first):
# a sentence's rating times 1 + POSITION_BONUS / (1 + its place among the candidates).
POSITION_METHODS = ("lexrank-position", "textrank-position")
POSITION_BONUS = 1.0
LEAD = "lead"  # the first sentences after the headline and the dateline
AUTO = "auto"
METHODS = (AUTO, *SUMY_METHODS, *POSITION_METHODS, LEAD)
# `auto`, the default: per language, the method with the best ROUGE-1 against reference
# summaries others wrote (tests/eval/eval_summary_methods.py, README "summarize"): BBC
# News (en), RPM2 (fr), fixtures/summary_ar (ar). Other languages: the best mean of the three.
DEFAULT_METHOD = AUTO
DEFAULT_METHODS = {"en": "reduction", "fr": "lexrank-position", "ar": "lsa"}
FALLBACK_METHOD = "textrank"


def method_for(method: str, lang: str | None) -> str:
    """The method `auto` stands for in this language; any other method as it is."""
    return DEFAULT_METHODS.get(lang or "", FALLBACK_METHOD) if method == AUTO else method
DEFAULT_SENTENCES = 3
SUPPORTED = {"ar": "arabic", "fr": "french", "en": "english"}
UNKNOWN_LANG = "und"
# Arabic stemming measured by the eval (every option sees words already normalised by
# normalise_word): NLTK's Snowball and ISRI stemmers, or the normalisation alone, which
# kept the most labelled sentences over the eight methods.
ARABIC_STEMMERS = ("snowball", "isri", "normalise")
ARABIC_STEMMER = "normalise"

# Letters, plus the Arabic combining marks (harakat, shadda, superscript alef) that
# str.isalpha() does not count as letters, so a vocalised word stays one word.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_LETTER = rf"(?:[^\W\d_]|[{_MARKS}])"
_WORD = re.compile(rf"{_LETTER}+(?:['’\-]{_LETTER}+)*")
# French elided articles and pronouns: "l'État" counts as "État", "qu'il" as "il".
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)['’](?=\w)",
                      re.IGNORECASE)
_ARABIC_MARKS_AND_TATWEEL = re.compile(rf"[{_MARKS}\u0640]")
_ARABIC_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})

# Edmundson's cue method wants words that mark a side remark ("stigma"); these mark
# follow-up or hedged sentences in news copy. Its bonus words are the title's words.
_STIGMA_WORDS = {
    "en": ("also", "meanwhile", "however", "perhaps", "maybe", "reportedly"),
    "fr": ("aussi", "également", "cependant", "toutefois", "peut-être", "par ailleurs"),
    "ar": ("أيضا", "كما", "لكن", "ربما", "بدوره"),
}
_NEVER_A_WORD = "\x00"  # sumy's Edmundson refuses empty word sets; this one matches nothing


def normalise_word(word: str) -> str:
    """Arabic without short vowels, tatweel or hamza-on-alef variants; others unchanged."""
    if not word or word[0] < "\u0600":
        return word
    return _ARABIC_MARKS_AND_TATWEEL.sub("", word).translate(_ARABIC_ALEFS)


class OfflineTokenizer:
    """A sumy tokenizer that needs no NLTK data: the toolkit's splitter and a word regex."""

    def __init__(self, lang: str | None):
        self.lang = lang
        self.language = SUPPORTED.get(lang or "", lang or UNKNOWN_LANG)

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(sentence.text for sentence in split_sentences(paragraph, self.lang))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        words = (_ELISION.sub("", word) for word in _WORD.findall(sentence))
        return tuple(normalise_word(word) for word in words if word)


@dataclass(frozen=True)
class LanguageKit:
    lang: str | None
    tokenizer: OfflineTokenizer
    stemmer: Callable[[str], str]
    stop_words: frozenset[str]
    supported: bool


def _lowercase(word: str) -> str:
    return word.lower()


def _stemmer(lang: str, arabic_stemmer: str) -> Callable[[str], str]:
    from nltk.stem import snowball

    if lang == "ar" and arabic_stemmer == "isri":
        from nltk.stem.isri import ISRIStemmer

        return ISRIStemmer().stem
    if lang == "ar" and arabic_stemmer == "normalise":
        return _lowercase
    return getattr(snowball, f"{SUPPORTED[lang].capitalize()}Stemmer")().stem


@lru_cache(maxsize=16)
def language_kit(lang: str | None, arabic_stemmer: str = ARABIC_STEMMER) -> LanguageKit:
    """Tokenizer, stemmer and stop words for a language; neutral ones for an unknown one."""
    tokenizer = OfflineTokenizer(lang)
    if lang not in SUPPORTED:
        return LanguageKit(lang, tokenizer, _lowercase, frozenset(), False)
    from sumy.utils import get_stop_words

    stop_words = frozenset(normalise_word(w.lower()) for w in get_stop_words(SUPPORTED[lang]))
    # Words repeat across sentences and documents; stemming each once is most of the speed.
    stemmer = lru_cache(maxsize=8192)(_stemmer(lang, arabic_stemmer))
    return LanguageKit(lang, tokenizer, stemmer, stop_words, True)


# --- the sumy document --------------------------------------------------------------


def _indexed_sentence_class():
    from sumy.models.dom import Sentence

    class IndexedSentence(Sentence):
        """A sumy sentence that remembers its index, so equal texts stay distinct."""

        __slots__ = ("index",)

        def __init__(self, text: str, tokenizer: Any, index: int, is_heading: bool = False):
            super().__init__(text, tokenizer, is_heading)
            self.index = index

        def __eq__(self, other: object) -> bool:
            return isinstance(other, IndexedSentence) and self.index == other.index

        def __hash__(self) -> int:
            return hash(self.index)

    return IndexedSentence


_IndexedSentence: Any = None


def build_document(text: str, lang: str | None, title: str | None, tokenizer: Any,
                   split: list[Sentence] | None = None):
    """sumy's document for `text`: paragraphs split at blank lines, the title as a heading.

    Returns (document, number of candidate sentences). A text sentence equal to the title
    becomes a heading too, so the title is never a summary sentence. `split` is
    split_sentences(text, lang) when the caller has it already.
    """
    global _IndexedSentence
    from sumy.models.dom import ObjectDocumentModel, Paragraph

    if _IndexedSentence is None:
        _IndexedSentence = _indexed_sentence_class()
    breaks = [m.start() for m in re.finditer(r"\n[ \t\r\f\v]*\n", text)]
    title_key = " ".join(title.split()) if title else None
    paragraphs: list[list] = [[]]
    if title_key:
        paragraphs[0].append(_IndexedSentence(title_key, tokenizer, -1, is_heading=True))
    candidates = 0
    next_break = 0
    for index, sentence in enumerate(split_sentences(text, lang) if split is None else split):
        while next_break < len(breaks) and breaks[next_break] < sentence.start:
            next_break += 1
            if paragraphs[-1]:
                paragraphs.append([])
        is_title = title_key is not None and " ".join(sentence.text.split()) == title_key
        if is_title and index == 0:
            continue  # already the heading
        paragraphs[-1].append(_IndexedSentence(sentence.text, tokenizer, index, is_title))
        candidates += not is_title
    return ObjectDocumentModel(Paragraph(p) for p in paragraphs if p), candidates


# --- the methods, as sumy has them ----------------------------------------------------


def _lexrank(kit: LanguageKit, title_words: tuple[str, ...]):
    from sumy.summarizers.lex_rank import LexRankSummarizer

    class StableLexRank(LexRankSummarizer):
        """sumy's LexRank with its similarity matrix built the same way in every process.

        sumy sums over frozensets, whose order changes with PYTHONHASHSEED, so a tie could
        break differently from run to run; here the terms are summed in sorted order, and
        from an index of the sentences holding each term instead of sumy's loop over every
        pair in Python (minutes on a long text). Same formula and threshold as sumy.
        """

        def _compute_idf(self, sentences):
            # sumy counts each term's sentences by scanning them all, per term (slow on
            # long texts); the same counts from one pass.
            counts = Counter(term for sentence in sentences for term in set(sentence))
            return {term: math.log(len(sentences) / (1 + n)) for term, n in counts.items()}

        def _create_matrix(self, sentences, threshold, tf_metrics, idf_metrics):
            import numpy

            squared_idf = {term: idf ** 2 for term, idf in idf_metrics.items()}
            matrix = shared_term_sums(tf_metrics, float, squared_idf)
            norms = numpy.array([math.sqrt(sum((tf[t] * idf_metrics[t]) ** 2 for t in sorted(tf)))
                                 for tf in tf_metrics])
            positive = norms > 0
            for start in range(0, len(sentences), _ROWS):
                rows = slice(start, start + _ROWS)
                similarity = numpy.zeros_like(matrix[rows])
                numpy.divide(matrix[rows], numpy.outer(norms[rows], norms), out=similarity,
                             where=positive[rows, None] & positive[None, :])
                matrix[rows] = similarity > threshold
            degrees = matrix.sum(axis=1)
            degrees[degrees == 0] = 1.0
            matrix /= degrees[:, None]
            return matrix

    return _with_stop_words(StableLexRank(kit.stemmer), kit)


def _textrank(kit: LanguageKit, title_words: tuple[str, ...]):
    from sumy.summarizers.text_rank import TextRankSummarizer

    class FastTextRank(TextRankSummarizer):
        """sumy's TextRank with its matrix from shared-word counts computed in numpy: the
        same numbers as sumy's loop over every pair of sentences, far faster."""

        def _create_matrix(self, document):
            import numpy

            words = [self._to_words_set(sentence) for sentence in document.sentences]
            count = len(words)
            ranks = shared_term_sums([Counter(w) for w in words], numpy.int64)
            weights = numpy.zeros((count, count))
            for rows, norms in _log_length_sums(words):
                edges = weights[rows]
                numpy.divide(ranks[rows], norms, out=edges, where=(ranks[rows] > 0) & (norms != 0))
                single = (ranks[rows] > 0) & (norms == 0)  # two one-word sentences
                edges[single] = ranks[rows][single]
            del ranks
            weights /= (weights.sum(axis=1)[:, numpy.newaxis] + self._ZERO_DIVISION_PREVENTION)
            # sumy's full((1 - damping) / count) + damping * weights, in place
            weights *= self.damping
            weights += (1. - self.damping) / count
            return weights

    return _with_stop_words(FastTextRank(kit.stemmer), kit)


def _lsa(kit: LanguageKit, title_words: tuple[str, ...]):
    from sumy.summarizers.lsa import LsaSummarizer

    class StableLsa(LsaSummarizer):
        # sumy numbers the words in frozenset order (hash-seed dependent): sort them.
        def _create_dictionary(self, document):
            words = map(self.normalize_word, document.words)
            unique = {self.stem_word(w) for w in words if w not in self._stop_words}
            return {w: i for i, w in enumerate(sorted(unique))}

    return _with_stop_words(StableLsa(kit.stemmer), kit)


def _luhn(kit: LanguageKit, title_words: tuple[str, ...]):
    from sumy.summarizers.luhn import LuhnSummarizer

    return _with_stop_words(LuhnSummarizer(kit.stemmer), kit)


def _edmundson(kit: LanguageKit, title_words: tuple[str, ...]):
    from sumy.summarizers.edmundson import EdmundsonSummarizer

    summarizer = EdmundsonSummarizer(kit.stemmer)
    bonus = [w for w in title_words if w.lower() not in kit.stop_words]
    summarizer.bonus_words = bonus or [_NEVER_A_WORD]
    summarizer.stigma_words = _STIGMA_WORDS.get(kit.lang or "", ()) or [_NEVER_A_WORD]
    summarizer.null_words = kit.stop_words or [_NEVER_A_WORD]
    return summarizer


def _kl(kit: LanguageKit, title_words: tuple[str, ...]):
    from sumy.summarizers.kl import KLSummarizer

    class FirstChoicesKL(KLSummarizer):
        """sumy's KL-Sum, stopping once the summary is full. sumy goes on ranking every
        sentence (cubic time: minutes on a long text) though only the first `count` are
        used; the others get a rating below them all, so the choice is the same."""

        def __call__(self, document, sentences_count):
            sentences = document.sentences
            ratings = self._ratings_of_first(sentences, sentences_count)
            return self._get_best_sentences(sentences, sentences_count, ratings)

        def _ratings_of_first(self, sentences, wanted: int):
            word_freq = self.compute_tf(sentences)
            ratings = {}
            summary = []
            remaining = list(sentences)
            remaining_words = [self._get_content_words_in_sentence(s) for s in sentences]
            while remaining and len(ratings) < wanted:  # sumy's loop, up to `wanted`
                summary_words = self._get_all_words_in_doc(summary)
                kls = [self._kl_divergence(self._joint_freq(words, summary_words), word_freq)
                       for words in remaining_words]
                best = self._find_index_of_best_sentence(kls)
                chosen = remaining.pop(best)
                del remaining_words[best]
                summary.append(chosen)
                ratings[chosen] = -1 * len(ratings)
            for sentence in remaining:
                ratings[sentence] = -len(sentences)
            return ratings

    return _with_stop_words(FirstChoicesKL(kit.stemmer), kit)


def _sumbasic(kit: LanguageKit, title_words: tuple[str, ...]):
    from sumy.summarizers.sum_basic import SumBasicSummarizer

    return _with_stop_words(SumBasicSummarizer(kit.stemmer), kit)


def _reduction(kit: LanguageKit, title_words: tuple[str, ...]):
    from sumy.summarizers.reduction import ReductionSummarizer

    class FastReduction(ReductionSummarizer):
        """sumy's Reduction with the pair scores from shared-word counts in numpy, each
        sentence's total summed in sumy's order: the same ratings, far faster."""

        def rate_sentences(self, document):
            import numpy

            sentences = document.sentences
            words = [self._to_words_set(sentence) for sentence in sentences]
            ranks = shared_term_sums([Counter(w) for w in words], numpy.int64)
            totals = numpy.zeros(len(sentences))
            for rows, norms in _log_length_sums(words):
                edges = numpy.zeros(norms.shape)
                numpy.divide(ranks[rows], norms, out=edges, where=(ranks[rows] > 0) & (norms != 0))
                for offset, row in enumerate(range(rows.start, min(rows.stop, len(words)))):
                    edges[offset, row] = 0.0  # no pair with itself
                # sumy adds a sentence's pair scores one by one, partner by partner
                totals[rows] = numpy.cumsum(edges, axis=1)[:, -1]
            return defaultdict(float, zip(sentences, map(float, totals)))

    return _with_stop_words(FastReduction(kit.stemmer), kit)


_ROWS = 512  # rows of a sentences x sentences matrix worked on at a time (bounds memory)


def shared_term_sums(values: list[dict], dtype, factors: dict | None = None):
    """The sentences x sentences matrix of sum(values[i][t] * values[j][t] * factors[t])
    over the terms t that sentences i and j share, added in sorted term order.

    Built from an index of the sentences holding each term, so the work follows the
    shared terms instead of every pair of sentences.
    """
    import numpy

    postings: dict[str, tuple[list[int], list]] = {}
    for row, terms in enumerate(values):
        for term, value in terms.items():
            rows, term_values = postings.setdefault(term, ([], []))
            rows.append(row)
            term_values.append(value)
    matrix = numpy.zeros((len(values), len(values)), dtype=dtype)
    for term in sorted(postings):
        rows, term_values = postings[term]
        columns = numpy.array(rows)
        vector = numpy.array(term_values, dtype=dtype)
        for start in range(0, len(rows), _ROWS):
            block = numpy.outer(vector[start:start + _ROWS], vector)
            if factors is not None:
                block *= factors[term]
            matrix[numpy.ix_(columns[start:start + _ROWS], columns)] += block
    return matrix


def _log_length_sums(words: list[list[str]]):
    """(rows, log(len(words[i])) + log(len(words[j]))) for blocks of rows, as sumy's
    TextRank and Reduction compute it per pair (an empty sentence shares no word)."""
    import numpy

    logs = numpy.array([math.log(len(w)) if w else 0.0 for w in words])
    for start in range(0, len(words), _ROWS):
        rows = slice(start, start + _ROWS)
        yield rows, logs[rows, None] + logs[None, :]


def _with_stop_words(summarizer, kit: LanguageKit):
    summarizer.stop_words = kit.stop_words
    return summarizer


_BUILDERS = {
    "lexrank": _lexrank, "textrank": _textrank, "lsa": _lsa, "luhn": _luhn,
    "edmundson": _edmundson, "kl": _kl, "sumbasic": _sumbasic, "reduction": _reduction,
}


def summarizer_for(method: str, kit: LanguageKit, title_words: tuple[str, ...]):
    """The sumy summariser; built once per language, except Edmundson's (title words)."""
    if method == "edmundson":
        return _choosing_in_document_order(_edmundson(kit, title_words), 0.0)
    return _shared_summarizer(method, kit)


@lru_cache(maxsize=64)
def _shared_summarizer(method: str, kit: LanguageKit):
    # sumy's summarisers keep no state between documents, so one serves them all.
    base, _, position = method.partition("-")
    return _choosing_in_document_order(_BUILDERS[base](kit, ()),
                                       POSITION_BONUS if position else 0.0)


def _choosing_in_document_order(summarizer, position_bonus: float):
    """sumy's choice of the best rated sentences, with equal ratings kept in document order.

    sumy sorts by rating with a stable sort, so ties should keep document order, but
    ratings computed in floating point (LSA's SVD above all) give two equal sentences
    ratings that differ in the last digits, and the later one could win. Ratings are
    compared at 10 significant digits. With a position bonus, candidate k's rating is
    multiplied by 1 + bonus / (1 + k).
    """

    def best_sentences(sentences, count, rating, *args, **kwargs):
        from sumy.summarizers._summarizer import AbstractSummarizer

        rate = (lambda s: rating[s]) if isinstance(rating, dict) else (
            lambda s: rating(s, *args, **kwargs))
        ratings = {}
        for order, sentence in enumerate(sentences):
            value = float(f"{float(rate(sentence)):.10g}")
            ratings[sentence] = value * (1 + position_bonus / (1 + order))
        return AbstractSummarizer._get_best_sentences(sentences, count, ratings)

    summarizer._get_best_sentences = best_sentences
    return summarizer


def lead_sentences(document, count: int) -> list[int]:
    """The first `count` candidate sentences, after a dateline or byline standing alone
    (a first sentence of fewer than DATELINE_WORDS words)."""
    sentences = list(document.sentences)
    while sentences and len(sentences) > count and len(sentences[0].words) < DATELINE_WORDS:
        sentences.pop(0)
    return [s.index for s in sentences[:count]]


DATELINE_WORDS = 4


def summary_size(candidates: int, sentences: int, ratio: float | None) -> int:
    if ratio is not None:
        return max(1, round(candidates * ratio))
    return sentences


def summarize_text(
    text: str,
    lang: str | None,
    *,
    title: str | None = None,
    sentences: int = DEFAULT_SENTENCES,
    ratio: float | None = None,
    method: str = DEFAULT_METHOD,
    arabic_stemmer: str = ARABIC_STEMMER,
    split: list[Sentence] | None = None,
) -> list[int]:
    """Indices (into split_sentences(text, lang)) of the summary sentences, in order.

    A text with no more candidate sentences than asked for gives all of them; when a
    method rates fewer sentences than asked (no content words), the earliest unchosen
    sentences fill the summary.
    """
    method = method_for(method, lang)
    kit = language_kit(lang if lang in SUPPORTED else None, arabic_stemmer)
    document, candidates = build_document(text, lang, title, kit.tokenizer, split)
    count = summary_size(candidates, sentences, ratio)
    in_order = [s.index for s in document.sentences]
    if candidates <= count:
        return in_order
    if method == LEAD:
        return lead_sentences(document, count)
    title_words = kit.tokenizer.to_words(title) if title else ()
    summarizer = summarizer_for(method, kit, title_words)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LSA warns about short documents on stderr
        chosen = {s.index for s in summarizer(document, count)}
    for index in in_order:
        if len(chosen) >= count:
            break
        chosen.add(index)
    return sorted(chosen)


# --- the stage ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    key: str            # the summary.<key> to write
    lang: str | None    # language of the text, None when unknown
    text: str
    title: str | None
    is_source: bool


def summarize_records(
    records: Iterable[Record],
    *,
    sentences: int = DEFAULT_SENTENCES,
    ratio: float | None = None,
    method: str = DEFAULT_METHOD,
    on: str = "source",
    force: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    cut: bool = False,
) -> Iterator[Record]:
    """Add `summary.<lang>`: the chosen sentences, verbatim, with their indices.

    `on` is "source" (the record's text), a language code (its translation into that
    language, or the text when it is in that language) or "all" (the text and every
    translation). A source summary carries, for each sentence, the aligned sentence of
    every translation that has sentence pairs. `ratio` (0-1], when given, replaces
    `sentences`.
    """
    check_options(sentences=sentences, ratio=ratio, method=method, on=on)
    check_max_chars(max_chars)
    params = stage_params(method=method, sentences=None if ratio else sentences, ratio=ratio)
    return _summarize_all(records, params, on=on, force=force, max_chars=max_chars, cut=cut)


def check_options(*, sentences: int, ratio: float | None, method: str, on: str) -> None:
    """Raise ValueError for options no record could satisfy (bad usage, exit 2)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if ratio is None:
        limits.check("sentences", sentences)
    if ratio is not None and not 0 < ratio <= 1:
        raise ValueError(f"ratio must be over 0 and at most 1, not {ratio!r}")
    if on not in ("source", "all") and not re.fullmatch(r"[a-z]{2,3}", on):
        raise ValueError(f"--on takes 'source', 'all' or a language code such as 'en', not {on!r}")


def _summarize_all(records, params, *, on, force, max_chars, cut) -> Iterator[Record]:
    for record in records:
        if not failed_upstream(record):
            for target in _targets(record, on, max_chars=max_chars, cut=cut):
                _summarize_target(record, target, params, force)
        yield record


def _summarize_target(record: Record, target: _Target, params: dict, force: bool) -> None:
    summaries = record.get("summary")
    existing = summaries.get(target.key) if isinstance(summaries, dict) else None
    if already_done(existing, params, force):
        return
    if not target.text.strip():
        add_error(record, STAGE, "empty_text", f"nothing to summarise: the {_what(target)} is "
                  "empty; check the input document")
        return
    if target.lang not in SUPPORTED:
        add_warning(record, STAGE, "unsupported_language",
                    f"no stop words or stemmer for language {target.lang or 'unknown'!r} "
                    f"(supported: {', '.join(SUPPORTED)}); summarised with a "
                    "language-neutral tokenizer")
    texts = split_sentences(target.text, target.lang)
    try:
        chosen = summarize_text(target.text, target.lang, title=target.title,
                                sentences=params["sentences"] or DEFAULT_SENTENCES,
                                ratio=params["ratio"], method=params["method"], split=texts)
    except ImportError as exc:
        add_error(record, STAGE, "missing_sumy", f"cannot import sumy ({exc}); install it with "
                  "`.venv/bin/pip install 'sumy>=0.11'`")
        return
    except Exception as exc:  # noqa: BLE001 - a sumy failure on odd input must not stop the batch
        add_error(record, STAGE, "summarizer_failed",
                  f"{params['method']} failed on the {_what(target)} ({type(exc).__name__}: "
                  f"{exc}); try another --method")
        return
    aligned = _aligned_sentences(record, target, len(texts))
    if not isinstance(record.get("summary"), dict):
        record["summary"] = {}
    record["summary"][target.key] = {
        "method": method_for(params["method"], target.lang),
        "params": params,
        "sentences": [
            {"index": i, "text": texts[i].text,
             "translations": {to: pairs[i] for to, pairs in aligned.items()}}
            for i in chosen
        ],
    }


def _what(target: _Target) -> str:
    return "text" if target.is_source else f"translation into {target.key}"


def _targets(record: Record, on: str, *, max_chars: int, cut: bool) -> list[_Target]:
    translations = as_dict(record.get("translations"))
    source_lang = _record_language(record)
    wanted: list[str | None]
    if on == "source":
        wanted = [None]
    elif on == "all":
        wanted = [None, *(to for to in translations if to != source_lang)]
    else:
        wanted = [None if on == source_lang else on]
    targets = []
    for lang in wanted:
        target = (_source_target(record, source_lang, max_chars, cut) if lang is None
                  else _translation_target(record, lang, translations, max_chars, cut))
        if target is not None:
            targets.append(target)
    return targets


def _source_target(record, lang, max_chars, cut) -> _Target | None:
    text = record_text(record, STAGE, max_chars=max_chars, cut=cut)
    if text is None:
        return None
    title = record_title(record, STAGE, max_chars=max_chars, cut=cut)
    if title is False:
        return None
    return _Target(lang or UNKNOWN_LANG, lang, text, title, True)


def _translation_target(record, lang, translations, max_chars, cut) -> _Target | None:
    translation = translations.get(lang)
    if not isinstance(translation, dict) or not isinstance(translation.get("text"), str):
        add_error(record, STAGE, "no_translation",
                  f"no translation into {lang!r} to summarise; run `toolkit translate --to "
                  f"{lang}` first, or use --on source")
        return None
    holder: Record = {"text": translation["text"]}
    text = record_text(holder, STAGE, max_chars=max_chars, cut=cut)
    for entry in holder.get("errors", ()):
        add_error(record, **entry)
    for entry in holder.get("warnings", ()):
        add_warning(record, **entry)
    if text is None:
        return None
    title = record_title(record, STAGE, max_chars=max_chars, cut=cut, holder=translation)
    if title is False:
        return None
    return _Target(lang, lang, text, title, False)


def _record_language(record: Record) -> str | None:
    lang = record.get("lang")
    if isinstance(lang, str) and lang:
        return lang
    text = record.get("text")
    return detected_language(text) if isinstance(text, str) and text.strip() else None


def detected_language(text: str) -> str | None:
    """The language toolkit.detect finds, or None when it cannot tell (or is absent)."""
    try:
        from toolkit.detect import detect_language
    except ImportError:
        return None
    try:
        result = detect_language(text)
    except Exception:  # noqa: BLE001 - without a language the summary still runs, neutrally
        return None
    if isinstance(result, tuple) and result:
        result = result[0]
    if isinstance(result, dict):
        result = result.get("lang")
    return result if isinstance(result, str) and result else None


def _aligned_sentences(record: Record, target: _Target, count: int) -> dict[str, list[str]]:
    """For each other language, the sentence aligned with each of the target's sentences.

    A source summary takes the targets of every translation whose `sentences` pairs
    line up one to one with the source's sentences. A translation's summary takes the
    source sentences when the translation's own sentences are exactly its pairs' targets.
    """
    translations = record.get("translations")
    if not isinstance(translations, dict):
        return {}
    aligned: dict[str, list[str]] = {}
    if target.is_source:
        for to, translation in translations.items():
            pairs = _pairs(translation)
            if pairs is not None and len(pairs) == count:
                aligned[to] = [str(p.get("target", "")) for p in pairs]
            elif pairs is not None:
                add_warning(record, STAGE, "misaligned_translation",
                            f"translations.{to}.sentences has {len(pairs)} pairs for {count} "
                            "source sentences; its sentences are left out of the summary")
        return aligned
    pairs = _pairs(translations.get(target.key))
    source_lang = _record_language(record)
    if pairs is None or not source_lang or not isinstance(record.get("text"), str):
        return {}
    own = [s.text for s in split_sentences(target.text, target.lang)]
    if own == [str(p.get("target", "")).strip() for p in pairs]:
        aligned[source_lang] = [str(p.get("source", "")) for p in pairs]
    return aligned


def _pairs(translation: Any) -> list[dict] | None:
    if not isinstance(translation, dict) or not isinstance(translation.get("sentences"), list):
        return None
    pairs = translation["sentences"]
    return pairs if all(isinstance(p, dict) for p in pairs) else None

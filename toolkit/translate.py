"""Offline translation of records with argostranslate packages, driven directly.

The toolkit reads installed packages itself (toolkit.models) and runs their
CTranslate2 model and tokenizer the way argostranslate's `apply_packaged_translation`
does (same tokenizers, `target_prefix`, `replace_unknowns`, `length_penalty=0.2`),
without importing argostranslate.translate (stanza, torch) and without its sentence
splitter, which downloads models: sentences come from toolkit.sentences, the one
splitter every stage uses.

What makes it fast: sentences of many records are pooled, deduplicated, sorted by
length and sent to `translate_batch` in batches cut by tokens; the batches are submitted
asynchronously and the next window of records is submitted before the results of the
current one are collected, so the model replicas never wait for a window's slowest batch;
each model loads once per process; an SQLite cache answers sentences seen before.

Output per record: `translations.<to>` = {title, text, model, pivot, params, flagged,
sentences: [{source, target, flags}]}, sentence i being sentence i of
split_sentences(text, lang). With a glossary (toolkit.glossary) or --protect-entities,
terms go to the model as placeholders and each sentence also lists its `glossary` hits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit import limits
from toolkit import models as pkgs
from toolkit.devices import resolve_device, supported_compute_types, usable_cores
from toolkit.records import (
    DEFAULT_MAX_CHARS,
    Record,
    add_error,
    add_warning,
    already_done,
    check_max_chars,
    failed_upstream,
    record_text,
    record_title,
    stage_params,
)
from toolkit.sentences import split_sentences

if TYPE_CHECKING:  # toolkit.glossary is imported where a glossary is used (fast --help)
    from toolkit import glossary as terms
    from toolkit.glossary import Glossary

STAGE = "translate"
DEVICES = ("cpu", "cuda", "auto")
# "auto" (the fastest type the device supports) is argostranslate's ARGOS_COMPUTE_TYPE
# default; "default" keeps the type the model was saved with (int8 for argos packages).
COMPUTE_TYPES = ("auto", "default", "int8", "int8_float16", "int8_bfloat16", "int8_float32",
                 "float16", "bfloat16", "float32")
BATCH_TYPES = ("tokens", "examples")
DEFAULT_BATCH_SIZE = 0  # the device's own (DEVICE_BATCH_TOKENS)
# Source tokens per batch. On CPU a third of the decoding time is copying the beams'
# attention caches (CTranslate2 grows and reorders them at every step): a small batch keeps
# them in the core's cache (256: 1.2x faster than 1,024 on the bench, less than half the
# memory; 128 is slower again). A GPU needs large batches to be busy.
DEVICE_BATCH_TOKENS = {"cpu": 256, "cuda": 8192}
MAX_REPLICAS = 32
DEFAULT_BEAM_SIZE = 4  # argostranslate's default (ARGOS_BEAM_SIZE)
# The other defaults of translate_records; the command-line options take them from here.
DEFAULT_TO, DEFAULT_SOURCE, DEFAULT_DEVICE, DEFAULT_THREADS = "en", "auto", "cpu", 0
DEFAULT_COMPUTE_TYPE, DEFAULT_BATCH_TYPE, DEFAULT_REPLICAS = "auto", "tokens", 0
MAX_INPUT_TOKENS = 200  # longer sentences are cut into pieces, translated and joined again
LENGTH_PENALTY = 0.2  # as argostranslate
# Records read ahead per window (so batches mix sentences of many documents), or fewer
# when their sentence pieces reach the second number; a GPU's batches are 8x larger.
WINDOW = {"cpu": (64, 2048), "cuda": (512, 16384)}


# --- options ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    to: str
    source: str = "auto"
    batch_size: int = DEFAULT_BATCH_SIZE
    beam_size: int = DEFAULT_BEAM_SIZE
    device: str = "cpu"
    threads: int = 0
    compute_type: str = "auto"
    max_input_tokens: int = MAX_INPUT_TOKENS
    batch_type: str = "tokens"
    replicas: int = 0
    deterministic: bool = False
    glossary: Glossary | None = None
    protect_entities: bool = False

    def params(self) -> dict[str, Any]:
        """What `params` records: everything that can change the output (not threads,
        replicas or batch size); `deterministic`, the glossary's content hash and
        `protect_entities` only when set, so that results made before those options
        existed stay valid."""
        extra: dict[str, Any] = {"deterministic": True} if self.deterministic else {}
        if self.glossary is not None:
            extra["glossary"] = self.glossary.sha256
        if self.protect_entities:
            extra["protect_entities"] = True
        return stage_params(to=self.to, source=self.source, beam_size=self.beam_size,
                            device=self.device, compute_type=self.compute_type,
                            max_input_tokens=self.max_input_tokens, **extra)

    def batch_limit(self, device: str) -> tuple[int, str]:
        """(max_batch_size, batch_type) for translate_batch on `device` (cpu or cuda)."""
        if self.deterministic:  # one sentence per batch: nothing depends on neighbours
            return 1, "examples"
        if self.batch_size:
            return self.batch_size, self.batch_type
        if self.batch_type == "examples":
            return 32, "examples"
        return DEVICE_BATCH_TOKENS[device], "tokens"


def language_code(code: str, what: str) -> str:
    """`code` as packages key it (EN, en-US, en_GB: en); else ValueError naming `what`."""
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    if not code.isalpha() or not 2 <= len(code) <= 3:
        raise ValueError(f"{what} must be a language code such as en, fr, ar")
    return code


def check_options(*, to: str, source: str, batch_size: int, beam_size: int, device: str,
                  threads: int, compute_type: str = "auto",
                  max_input_tokens: int = MAX_INPUT_TOKENS, batch_type: str = "tokens",
                  replicas: int = 0, deterministic: bool = False,
                  glossary: str | Path | Glossary | None = None,
                  protect_entities: bool = False) -> Options:
    """Options checked before any record is read (bad usage raises ValueError; a bad
    glossary file raises toolkit.glossary.GlossaryError, a ValueError)."""
    loaded_glossary = None
    if glossary is not None:
        from toolkit.glossary import load_glossary

        loaded_glossary = load_glossary(glossary)
    if device not in DEVICES:
        raise ValueError(f"--device must be one of {', '.join(DEVICES)}")
    if compute_type not in COMPUTE_TYPES:
        raise ValueError(f"--compute-type must be one of {', '.join(COMPUTE_TYPES)}")
    if batch_type not in BATCH_TYPES:
        raise ValueError(f"--batch-type must be one of {', '.join(BATCH_TYPES)}")
    if device == "cuda" and resolve_device("auto") != "cuda":
        raise ValueError("--device cuda: no CUDA device is visible to CTranslate2; "
                         "use --device cpu or auto (`toolkit doctor` says why)")
    for name, value in (("batch_size", batch_size), ("beam_size", beam_size),
                        ("threads", threads), ("replicas", replicas),
                        ("max_input_tokens", max_input_tokens)):
        limits.check(name, value)
    if compute_type not in ("auto", "default"):
        supported = supported_compute_types(resolve_device(device))
        if supported is not None and compute_type not in supported:
            raise ValueError(f"--compute-type {compute_type} is not supported on "
                             f"{resolve_device(device)} here (supported: "
                             f"{', '.join(sorted(supported))})")
    return Options(to=language_code(to, "--to"),
                   source="auto" if source == "auto" else language_code(source, "--from"),
                   batch_size=batch_size, beam_size=beam_size, device=device, threads=threads,
                   compute_type=compute_type, max_input_tokens=max_input_tokens,
                   batch_type=batch_type, replicas=replicas, deterministic=bool(deterministic),
                   glossary=loaded_glossary, protect_entities=bool(protect_entities))


# --- tokenizers and models (loaded once per process) -----------------------------------


class SentencePieceTokenizer:
    def __init__(self, model_file: Path):
        import sentencepiece as spm

        self.processor = spm.SentencePieceProcessor(model_file=str(model_file))

    def encode(self, text: str) -> list[str]:
        return self.processor.encode(text, out_type=str)

    def decode(self, tokens: list[str]) -> str:
        # As argostranslate 1.11: the ▁ marker and underscores become spaces.
        return self.processor.decode_pieces(tokens).replace("▁", " ").replace("_", " ")

    def has_unknown(self, text: str) -> bool:
        return self.processor.unk_id() in self.processor.encode(text)


class BPETokenizer:
    """Moses tokenizer + subword-nmt BPE, the layout of older argos packages (bpe.model)."""

    def __init__(self, model_file: Path, from_code: str, to_code: str):
        from argostranslate.apply_bpe import BPE  # plain module: no stanza, no torch
        from sacremoses.normalize import MosesPunctNormalizer
        from sacremoses.tokenize import MosesDetokenizer, MosesTokenizer

        self.tokenizer = MosesTokenizer(from_code)
        self.detokenizer = MosesDetokenizer(to_code)
        self.normalizer = MosesPunctNormalizer(from_code)
        with open(model_file, encoding="utf-8") as codes:
            self.bpe = BPE(codes)

    def encode(self, text: str) -> list[str]:
        tokenized = " ".join(self.tokenizer.tokenize(self.normalizer.normalize(text)))
        return self.bpe.segment_tokens(tokenized.strip("\r\n ").split(" "))

    def decode(self, tokens: list[str]) -> str:
        return self.detokenizer.detokenize(" ".join(tokens).replace("@@ ", "").split(" "))

    def has_unknown(self, text: str) -> bool:
        return False  # the codes file holds no vocabulary; the round trip is the test


_TOKENIZERS: dict[tuple, Any] = {}
_TRANSLATORS: dict[tuple, Any] = {}


def _identity(package: pkgs.Package) -> tuple:
    """A package folder's identity: reinstalling into the same folder gives a new one."""
    try:
        stamp = (package.path / "model" / "model.bin").stat().st_mtime_ns
    except OSError:
        stamp = 0
    return (package.path, package.version, stamp)


def tokenizer_for(package: pkgs.Package):
    key = _identity(package)
    if key not in _TOKENIZERS:
        if package.tokenizer == "sentencepiece":
            _TOKENIZERS[key] = SentencePieceTokenizer(package.path / "sentencepiece.model")
        else:
            _TOKENIZERS[key] = BPETokenizer(package.path / "bpe.model", package.from_code,
                                            package.to_code)
    return _TOKENIZERS[key]


def survives(tokenizer, text: str) -> bool:
    """True when `text` comes back from the tokenizer's encode/decode as it went in, with
    no piece unknown to the model's vocabulary."""
    return (not tokenizer.has_unknown(text)
            and tokenizer.decode(tokenizer.encode(text)).strip() == text)


_FORMS: dict[tuple, str | None] = {}


def placeholder_form(route: list[pkgs.Package]) -> str | None:
    """The first of glossary.PLACEHOLDER_FORMS every tokenizer on the route passes intact
    (indices 0-13, alone and two in a row); None when none does (terms then go by fallback)."""
    from toolkit.glossary import PLACEHOLDER_FORMS

    key = tuple(_identity(p) for p in route)
    if key not in _FORMS:
        tokenizers = [tokenizer_for(p) for p in route]
        _FORMS[key] = next((form for form in PLACEHOLDER_FORMS
                            if all(survives(t, probe) for t in tokenizers
                                   for i in (0, 1, 7, 12)
                                   for probe in (form % i, f"{form % i} {form % (i + 1)}"))),
                           None)
    return _FORMS[key]


def translator_for(package: pkgs.Package, options: Options):
    import ctranslate2

    device = resolve_device(options.device)
    key = (_identity(package), device, options.threads, options.replicas, options.compute_type)
    if key not in _TRANSLATORS:
        inter, intra = thread_layout(device, options.threads, options.replicas)
        _TRANSLATORS[key] = ctranslate2.Translator(
            str(package.path / "model"), device=device, inter_threads=inter,
            intra_threads=intra, compute_type=options.compute_type)
    return _TRANSLATORS[key]


def thread_layout(device: str, threads: int = 0, replicas: int = 0) -> tuple[int, int]:
    """(inter_threads, intra_threads) for CTranslate2: model replicas, threads each.

    On CPU, by default one single-threaded replica per usable core, each translating its
    own batch (measured on two cores: about twice one batch spread over both cores);
    `replicas` fewer than the threads gives each replica threads // replicas threads
    (less memory for the replicas' buffers, a little slower). On a GPU, two replicas, so
    one prepares its batch while the other's runs.
    """
    if device == "cuda":
        return replicas or 2, threads or 1
    threads = threads or usable_cores()
    replicas = min(replicas or threads, threads, MAX_REPLICAS)
    return replicas, max(1, threads // replicas)


# --- one hop: many strings through one package ------------------------------------------


def decoding_limit(length: int) -> int:
    """Output tokens allowed for an input of `length` tokens (a loop cannot run for ever).

    Rounded up to a multiple of 64 so that sentences of similar length share a batch;
    it depends on the sentence alone, never on its neighbours, so batching cannot
    change a result (CTranslate2 masks the padding itself).
    """
    return min(512, -(-(2 * length + 10) // 64) * 64)


@dataclass
class Submitted:
    """One package's share of a window: answers known now, and batches in flight."""

    package: pkgs.Package
    results: dict[str, str] = field(default_factory=dict)
    tokenizer: Any = None
    flight: list[tuple[list[str], list[Any]]] = field(default_factory=list)  # texts, futures

    def collect(self, options: Options, cache=None) -> dict[str, str]:
        """Wait for the batches in flight; fill the cache; every string's translation."""
        for texts, futures in self.flight:
            targets = {text: _target(future.result(), self.package, self.tokenizer)
                       for text, future in zip(texts, futures)}
            self.results.update(targets)
            if cache is not None:
                cache.put_many(self.package, options, targets)
        self.flight = []
        return self.results


def submit_strings(strings: list[str], package: pkgs.Package, options: Options,
                   cache=None) -> Submitted:
    """Send the distinct strings the cache does not know to the package's model, without
    waiting: CTranslate2 queues the batches on its replicas (Submitted.collect waits)."""
    submitted = Submitted(package)
    todo = []
    for text in dict.fromkeys(strings):
        if not text.strip():
            submitted.results[text] = text
        elif cache is not None and (hit := cache.get(package, options, text)) is not None:
            submitted.results[text] = hit
        else:
            todo.append(text)
    if not todo:
        return submitted
    submitted.tokenizer = tokenizer = tokenizer_for(package)
    translator = translator_for(package, options)
    max_batch_size, batch_type = options.batch_limit(resolve_device(options.device))
    tokenized = [(text, tokenizer.encode(text)) for text in todo]
    # Sorted by length (ties by text, so the order never depends on arrival): less padding.
    tokenized.sort(key=lambda item: (len(item[1]), item[0]))
    for group in _same_limit_groups(tokenized):
        tokens = [toks for _, toks in group]
        prefix = [[package.target_prefix] for _ in tokens] if package.target_prefix else None
        futures = translator.translate_batch(
            tokens, target_prefix=prefix, replace_unknowns=True, max_batch_size=max_batch_size,
            batch_type=batch_type, asynchronous=True, beam_size=options.beam_size,
            num_hypotheses=1, length_penalty=LENGTH_PENALTY,
            max_decoding_length=decoding_limit(len(tokens[0])))
        submitted.flight.append(([text for text, _ in group], futures))
    return submitted


def translate_strings(strings: list[str], package: pkgs.Package, options: Options,
                      cache=None) -> dict[str, str]:
    """Translations of distinct strings with one package: cache first, then batches."""
    return submit_strings(strings, package, options, cache).collect(options, cache)


def _same_limit_groups(tokenized):
    """Consecutive runs of (sorted) items that share one decoding limit."""
    batch: list = []
    for item in tokenized:
        if batch and decoding_limit(len(item[1])) != decoding_limit(len(batch[0][1])):
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


def _target(output, package: pkgs.Package, tokenizer) -> str:
    hypothesis = list(output.hypotheses[0])
    if package.target_prefix and hypothesis[:1] == [package.target_prefix]:
        hypothesis = hypothesis[1:]
    return _clean(tokenizer.decode(hypothesis), package.target_prefix)


def _clean(value: str, prefix: str) -> str:
    if prefix and value.startswith(prefix):
        value = value[len(prefix):]
    return value.strip()


def cut_to_limit(sentence: str, tokenizer, limit: int) -> list[str]:
    """Pieces of a sentence, each at most `limit` tokens, cut at spaces (clause marks first)."""
    if len(tokenizer.encode(sentence)) <= limit:
        return [sentence]
    words = re.findall(r"\S+\s*", sentence)
    pieces, current = [], ""
    for word in words:
        candidate = current + word
        if current and len(tokenizer.encode(candidate.strip())) > limit:
            pieces.append(current.strip())
            current = word
        else:
            current = candidate
    if current.strip():
        pieces.append(current.strip())
    out = []
    for piece in pieces:  # a single "word" longer than the limit: cut by characters
        if len(tokenizer.encode(piece)) > limit:
            step = max(1, len(piece) * limit // (2 * len(tokenizer.encode(piece))))
            out.extend(piece[i:i + step] for i in range(0, len(piece), step))
        else:
            out.append(piece)
    return out


def doctor_checks() -> list[dict]:
    """For `toolkit doctor`: cores, CUDA devices, cuBLAS, compute types."""
    from toolkit.devices import doctor_checks as device_checks

    return device_checks()


# --- quality flags ----------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)
LENGTH_RATIO_RANGE = (0.33, 3.0)  # characters, target / source
LENGTH_RATIO_MIN_CHARS = 12


def quality_flags(source: str, target: str) -> list[str]:
    """Warnings about one translated sentence: identical, length_ratio, repetition."""
    flags = []
    if _WORD.search(source) and _normal(source) == _normal(target):
        flags.append("identical")
    long_side = max(len(source), len(target))
    if long_side >= LENGTH_RATIO_MIN_CHARS:
        ratio = (len(target) + 1) / (len(source) + 1)
        if not LENGTH_RATIO_RANGE[0] <= ratio <= LENGTH_RATIO_RANGE[1]:
            flags.append("length_ratio")
    if has_repetition(target):
        flags.append("repetition")
    return flags


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def has_repetition(text: str, max_ngram: int = 4) -> bool:
    """A token loop: one token 4+ times in a row, or an n-gram (n <= 4) 3+ times in a row."""
    tokens = _WORD.findall(text.casefold()) or text.split()
    for n in range(1, max_ngram + 1):
        needed = 4 if n == 1 else 3
        for start in range(len(tokens) - n * needed + 1):
            gram = tokens[start:start + n]
            if all(tokens[start + k * n:start + (k + 1) * n] == gram for k in range(1, needed)):
                return True
    return False


# --- planning a record ------------------------------------------------------------------


@dataclass
class Plan:
    """What one record needs: its sentences, their pieces, the route."""

    record: Record
    source_lang: str | None = None
    text: str | None = None
    title: str | None = None
    route: list[pkgs.Package] | None = None
    text_sentences: list = field(default_factory=list)
    title_sentences: list = field(default_factory=list)
    pieces: dict[int, list[str]] = field(default_factory=dict)  # sentence key -> pieces
    skip: bool = True
    masks: dict[int, terms.Masked] = field(default_factory=dict)  # sentences with terms
    # per sentence key: the model's output with the terms put back (None: a copy)
    targets: list[str | None] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)  # keys to rebuild around lost placeholders


def _detect(text: str) -> str | None:
    try:
        from toolkit.detect import detect_language  # written alongside; optional
    except ImportError:
        return None
    try:
        result = detect_language(text)
    except Exception:  # noqa: BLE001 - a detector failure must not stop the batch
        return None
    if isinstance(result, tuple):
        result = result[0]
    if isinstance(result, dict):
        result = result.get("lang")
    # "und" (undetermined) is what toolkit.detect says for text without letters.
    return result if isinstance(result, str) and result and result != "und" else None


def missing_model_message(source: str, target: str) -> str:
    pivot = (f" (or {source}→en and en→{target}, used through English)"
             if pkgs.PIVOT not in (source, target) else "")
    return (f"no translation package for {source}→{target}{pivot}: run `toolkit models install "
            f"translate-{source}_{target}.argosmodel` with the package file, downloaded on a "
            f"machine with internet from {pkgs.PACKAGES_WEBSITE} (or `toolkit models download "
            f"{source} {target}` there) and copied here")


def broken_model_message(package: pkgs.Package, exc: BaseException) -> str:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (f"the installed package {package.path} cannot be loaded ({reason}); reinstall it "
            f"with `toolkit models install --force FILE.argosmodel`")


def plan_record(record: Record, options: Options, packages, *, max_chars: int, cut: bool,
                force: bool) -> Plan:
    plan = Plan(record)
    if failed_upstream(record):
        return plan
    existing = (record.get("translations") or {}).get(options.to) \
        if isinstance(record.get("translations"), dict) else None
    if already_done(existing, options.params(), force):
        return plan
    text = record_text(record, STAGE, max_chars=max_chars, cut=cut)
    if text is None:
        return plan
    title = record_title(record, STAGE, max_chars=max_chars, cut=cut)
    if title is False:
        return plan
    lang = options.source
    if lang == "auto":
        lang = record.get("lang") if record.get("lang") not in (None, "", "und") else None
        lang = lang if isinstance(lang, str) else None
        lang = lang or _detect(text if text.strip() else (title or ""))
    try:
        lang = language_code(lang or "", "lang")
    except ValueError:
        add_error(record, STAGE, "unknown_language",
                  "the source language is unknown; run `toolkit detect` first or pass --from")
        return plan
    plan.source_lang, plan.text, plan.title, plan.skip = lang, text, title, False
    plan.text_sentences = split_sentences(text, lang)
    plan.title_sentences = split_sentences(title, lang) if title else []
    if lang == options.to:
        return plan
    plan.route = pkgs.find_route(lang, options.to, packages())
    if plan.route is None:
        add_error(record, STAGE, "missing_model", missing_model_message(lang, options.to))
        plan.skip = True
        return plan
    if not _tokenizers_load(record, plan.route[:1]):
        plan.skip = True
        return plan
    from toolkit import glossary as terms

    matchers = _matchers(plan, options)
    # The placeholder form is tried on every tokenizer of the route (a pivot's too).
    if matchers and not _tokenizers_load(record, plan.route[1:]):
        plan.skip = True
        return plan
    tokenizer = tokenizer_for(plan.route[0])
    form = placeholder_form(plan.route) if matchers else None
    for key, sentence in enumerate(plan.title_sentences + plan.text_sentences):
        sent = sentence.text
        hits = terms.find_hits(sent, matchers) if matchers else []
        if hits:
            plan.masks[key] = terms.mask(sent, hits, form)
            sent = plan.masks[key].text or ""
        plan.pieces[key] = cut_to_limit(sent, tokenizer, options.max_input_tokens) if sent else []
    return plan


def _tokenizers_load(record: Record, packages: list[pkgs.Package]) -> bool:
    """Load the packages' tokenizers; False (a broken_model error on the record, the
    rest of the batch goes on) when one of them is damaged."""
    for package in packages:
        try:
            tokenizer_for(package)
        except (RuntimeError, OSError, ValueError) as exc:
            add_error(record, STAGE, "broken_model", broken_model_message(package, exc))
            return False
    return True


def _matchers(plan: Plan, options: Options) -> list[terms.Matcher]:
    """The glossary's terms for this pair, then (--protect-entities) the record's names."""
    matchers = []
    glossary = (options.glossary.matcher(plan.source_lang, options.to)
                if options.glossary is not None else None)
    if glossary is not None:
        matchers.append(glossary)
    if options.protect_entities:
        from toolkit.translate_entities import entity_matcher

        matchers.append(entity_matcher(plan.record, plan.text, plan.title, plan.source_lang,
                                       options.to, glossary))
    return matchers


# --- the stage --------------------------------------------------------------------------


def _replace_spans(text: str, sentences, targets: list[str]) -> str:
    """The text with each sentence span replaced by its translation (whitespace kept)."""
    out, last = [], 0
    for sentence, target in zip(sentences, targets):
        out.append(text[last:sentence.start])
        out.append(target)
        last = sentence.end
    out.append(text[last:])
    return "".join(out)


def _joined_targets(plan: Plan, hops: list[dict[str, str]]) -> list[str | None]:
    """Each sentence's model output (its pieces joined); None for a same-language copy."""
    targets: list[str | None] = []
    for key in range(len(plan.title_sentences) + len(plan.text_sentences)):
        pieces = plan.pieces.get(key)
        if pieces is None:  # same language: a copy
            targets.append(None)
            continue
        for hop in hops:
            pieces = [hop[piece] for piece in pieces]
        targets.append(" ".join(p for p in pieces if p))
    return targets


def _restore_terms(plan: Plan, hops: list[dict[str, str]]) -> None:
    """plan.targets: the model's outputs with the terms' targets in place of the
    placeholders; plan.lost: the sentences whose placeholders did not all come back (their
    targets come from _translate_fallbacks); each hit's `restored` says which."""
    from toolkit import glossary as terms

    plan.targets = _joined_targets(plan, hops)
    for key, masked in plan.masks.items():
        restored = terms.restore(plan.targets[key] or "", masked)
        if restored is not None:
            plan.targets[key] = restored
        else:
            plan.lost.append(key)
        for hit in masked.hits:
            hit.restored = "placeholder" if restored is not None else "fallback"


def _finish(plan: Plan, options: Options) -> None:
    record = plan.record
    route = plan.route or []
    targets = plan.targets
    # a sentence with no placeholder form for its route went by fallback from the start
    lost = {key: ["placeholder_lost"] for key in plan.lost if plan.masks[key].form is not None}
    with_terms = options.glossary is not None or options.protect_entities
    n_title = len(plan.title_sentences)
    title_targets = [t if t is not None else s.text
                     for s, t in zip(plan.title_sentences, targets[:n_title])]
    pairs = []
    for key, (sentence, target) in enumerate(zip(plan.text_sentences, targets[n_title:]),
                                             start=n_title):
        copied = target is None
        target = sentence.text if copied else target
        pair = {"source": sentence.text, "target": target,
                "flags": [] if copied else quality_flags(sentence.text, target) + lost.get(key, [])}
        if with_terms:
            pair["glossary"] = [h.as_dict() for h in plan.masks[key].hits] \
                if key in plan.masks else []
        pairs.append(pair)
    flagged = sum(1 for pair in pairs if pair["flags"])
    result = {
        "title": (_replace_spans(plan.title, plan.title_sentences, title_targets)
                  if plan.title is not None else None),
        "text": _replace_spans(plan.text, plan.text_sentences, [p["target"] for p in pairs]),
        "model": _model_entry(route),
        "pivot": route[0].to_code if len(route) == 2 else None,
        "source_lang": plan.source_lang,
        "params": options.params(),
        "flagged": flagged,
        "sentences": pairs,
    }
    if with_terms:
        result["title_glossary"] = [h.as_dict() for key in range(n_title) if key in plan.masks
                                    for h in plan.masks[key].hits]
    translations = record.get("translations")
    if not isinstance(translations, dict):
        translations = record["translations"] = {}
    translations[options.to] = result
    if flagged:
        counts = {}
        for pair in pairs:
            for flag in pair["flags"]:
                counts[flag] = counts.get(flag, 0) + 1
        detail = ", ".join(f"{n} {flag}" for flag, n in sorted(counts.items()))
        add_warning(record, STAGE, "flagged_sentences",
                    f"{flagged} of {len(pairs)} translated sentences look wrong ({detail}); "
                    f"see translations.{options.to}.sentences[].flags")


def _model_entry(route: list[pkgs.Package]) -> dict | None:
    if not route:
        return None
    if len(route) == 1:
        return route[0].describe()
    return {"package": "+".join(p.name for p in route),
            "version": "+".join(p.version for p in route),
            "from": route[0].from_code, "to": route[-1].to_code,
            "steps": [p.describe() for p in route]}


class Window:
    """A window of records translated hop by hop, pooled per package.

    Creating it submits the first hop's batches; `finish()` collects them (and runs any
    pivot hop), so the caller can submit the next window before finishing this one.
    """

    def __init__(self, plans: list[Plan], options: Options, cache):
        self.plans, self.options, self.cache = plans, options, cache
        self.hops: dict[int, list[dict[str, str]]] = {id(p): [] for p in plans}
        self.current = {id(p): dict(p.pieces) for p in plans}
        self.depth = max((len(p.route) for p in plans if p.route and not p.skip), default=0)
        self.step = 0
        self.submitted = self._submit() if self.depth else {}

    def _active(self) -> list[Plan]:
        return [p for p in self.plans
                if not p.skip and p.route and self.step < len(p.route)]

    def _submit(self) -> dict[Path, Submitted | str]:
        wanted: dict[Path, tuple[pkgs.Package, list[str]]] = {}
        for plan in self._active():
            package = plan.route[self.step]
            strings = [s for pieces in self.current[id(plan)].values() for s in pieces]
            wanted.setdefault(package.path, (package, []))[1].extend(strings)
        submitted: dict[Path, Submitted | str] = {}
        for path in sorted(wanted):
            package, strings = wanted[path]
            try:
                submitted[path] = submit_strings(strings, package, self.options, self.cache)
            except (RuntimeError, OSError, ValueError) as exc:  # a damaged installed package
                submitted[path] = broken_model_message(package, exc)
        return submitted

    def _collect(self) -> dict[Path, dict[str, str] | str]:
        done: dict[Path, dict[str, str] | str] = {}
        for path, submitted in self.submitted.items():
            if isinstance(submitted, str):
                done[path] = submitted
                continue
            try:
                done[path] = submitted.collect(self.options, self.cache)
            except (RuntimeError, OSError, ValueError) as exc:
                done[path] = broken_model_message(submitted.package, exc)
        return done

    def finish(self) -> list[Record]:
        while self.step < self.depth:
            done = self._collect()
            for plan in self._active():
                mapping = done[plan.route[self.step].path]
                if isinstance(mapping, str):
                    add_error(plan.record, STAGE, "broken_model", mapping)
                    plan.skip = True
                    continue
                self.hops[id(plan)].append(mapping)
                self.current[id(plan)] = {k: [mapping[s] for s in v]
                                          for k, v in self.current[id(plan)].items()}
            self.step += 1
            self.submitted = self._submit() if self.step < self.depth else {}
        for plan in self.plans:
            if not plan.skip:
                _restore_terms(plan, self.hops[id(plan)])
        _translate_fallbacks([p for p in self.plans if not p.skip and p.lost], self.options,
                             self.cache)
        for plan in self.plans:
            if not plan.skip:
                _finish(plan, self.options)
        return [plan.record for plan in self.plans]


def _translate_fallbacks(plans: list[Plan], options: Options, cache) -> None:
    """For each sentence whose placeholders did not all come back (plan.lost): the text
    around its terms, translated as separate segments (pooled per route: one more pass
    over the model for those sentences only) and put together with the targets between
    them."""
    from toolkit import glossary as terms

    wanted: dict[tuple, tuple[list[pkgs.Package], list[tuple[Plan, int]], list[str]]] = {}
    for plan in plans:
        for key in plan.lost:
            masked = plan.masks[key]
            route, owners, segments = wanted.setdefault(
                tuple(p.path for p in plan.route), (plan.route, [], []))
            owners.append((plan, key))
            segments.extend(s.strip() for s in masked.segments if terms.needs_translation(s))
    for route, owners, segments in wanted.values():
        try:
            translated = translate_route(segments, route, options, cache)
        except (RuntimeError, OSError, ValueError) as exc:  # a damaged installed package
            for plan, _ in owners:
                add_error(plan.record, STAGE, "broken_model", broken_model_message(route[0], exc))
                plan.skip = True
            continue
        for plan, key in owners:
            plan.targets[key] = terms.assemble(plan.masks[key], translated, options.to)


def translate_route(strings: list[str], route: list[pkgs.Package], options: Options,
                    cache=None) -> dict[str, str]:
    """Translations of strings through every package of a route (a pivot: two), each
    string cut to the model's input limit and joined again."""
    tokenizer = tokenizer_for(route[0])
    pieces = {s: cut_to_limit(s, tokenizer, options.max_input_tokens)
              for s in dict.fromkeys(strings)}
    current = {piece: piece for cut in pieces.values() for piece in cut}
    for package in route:
        mapping = translate_strings(list(dict.fromkeys(current.values())), package, options,
                                    cache)
        current = {piece: mapping[value] for piece, value in current.items()}
    return {s: " ".join(current[p] for p in cut if current[p]) for s, cut in pieces.items()}


def translate_records(
    records: Iterable[Record],
    *,
    to: str = DEFAULT_TO,
    source: str = DEFAULT_SOURCE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    beam_size: int = DEFAULT_BEAM_SIZE,
    device: str = DEFAULT_DEVICE,
    threads: int = DEFAULT_THREADS,
    compute_type: str = DEFAULT_COMPUTE_TYPE,
    max_input_tokens: int = MAX_INPUT_TOKENS,
    batch_type: str = DEFAULT_BATCH_TYPE,
    replicas: int = DEFAULT_REPLICAS,
    deterministic: bool = False,
    glossary: str | Path | Glossary | None = None,
    protect_entities: bool = False,
    cache: Path | str | bool | None = True,
    force: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    cut: bool = False,
    packages: list[pkgs.Package] | None = None,
) -> Iterator[Record]:
    """Add `translations.<to>` to each record; yields one record per input, in order.

    `cache`: True for the default file (toolkit.translation_cache.default_cache_path),
    a path, or None/False for none. `packages`: the installed packages to use (default:
    those in argostranslate's packages folder). `batch_size` 0: the device's default
    (DEVICE_BATCH_TOKENS: 256 source tokens per batch on CPU, 8,192 on CUDA); `replicas`
    0: one per usable core on CPU, two on CUDA; `deterministic`: one sentence per batch
    (docs/translate.md, Determinism).
    `glossary`: a CSV/TSV file (toolkit.glossary) whose terms come out as their targets;
    `protect_entities`: names found by extract kept as their English form (docs/translate.md).
    """
    check_max_chars(max_chars)
    options = check_options(to=to, source=source, batch_size=batch_size, beam_size=beam_size,
                            device=device, threads=threads, compute_type=compute_type,
                            max_input_tokens=max_input_tokens, batch_type=batch_type,
                            replicas=replicas, deterministic=deterministic,
                            glossary=glossary, protect_entities=protect_entities)
    return _run(records, options, cache, force, max_chars, cut, packages)


def _run(records, options, cache, force, max_chars, cut, packages) -> Iterator[Record]:
    from toolkit.translation_cache import open_cache

    loaded: list[pkgs.Package] | None = packages

    def installed() -> list[pkgs.Package]:
        nonlocal loaded
        if loaded is None:
            loaded = pkgs.installed_packages()
        return loaded

    store = open_cache(cache)
    try:
        # One window in flight while the next is planned and submitted: the replicas
        # always have queued batches, and records still come out in input order.
        in_flight: Window | None = None
        window: list[Plan] = []
        pending = 0
        most_records, most_pieces = WINDOW[resolve_device(options.device)]
        for record in records:
            plan = plan_record(record, options, installed, max_chars=max_chars, cut=cut,
                               force=force)
            window.append(plan)
            pending += sum(len(p) for p in plan.pieces.values())
            if len(window) >= most_records or pending >= most_pieces:
                submitted = Window(window, options, store)
                if in_flight is not None:
                    yield from in_flight.finish()
                in_flight, window, pending = submitted, [], 0
        last = Window(window, options, store) if window else None
        for done in (in_flight, last):
            if done is not None:
                yield from done.finish()
    finally:
        if store is not None:
            store.close()


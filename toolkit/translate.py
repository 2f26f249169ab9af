"""Offline translation of records with argostranslate packages, driven directly.

The toolkit reads installed packages itself (toolkit.models) and runs their
CTranslate2 model and tokenizer the way argostranslate's `apply_packaged_translation`
does (same tokenizers, `target_prefix`, `replace_unknowns`, `length_penalty=0.2`),
without importing argostranslate.translate (stanza, torch) and without its sentence
splitter, which downloads models: sentences come from toolkit.sentences, the one
splitter every stage uses.

What makes it fast: sentences of many records are pooled, deduplicated, sorted by
length and sent to `translate_batch` in full batches; each model loads once per
process; an SQLite cache answers sentences seen before.

Output per record: `translations.<to>` = {title, text, model, pivot, params, flagged,
sentences: [{source, target, flags}]}, sentence i being sentence i of
split_sentences(text, lang).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import limits
from toolkit import models as pkgs
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

STAGE = "translate"
DEVICES = ("cpu", "cuda", "auto")
DEFAULT_BATCH_SIZE = 32
DEFAULT_BEAM_SIZE = 4  # argostranslate's default (ARGOS_BEAM_SIZE)
MAX_INPUT_TOKENS = 200  # longer sentences are cut into pieces, translated and joined again
LENGTH_PENALTY = 0.2  # as argostranslate
WINDOW_RECORDS = 64  # records read ahead, so batches mix sentences of many documents
WINDOW_PIECES = 2048


# --- options ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    to: str
    source: str = "auto"
    batch_size: int = DEFAULT_BATCH_SIZE
    beam_size: int = DEFAULT_BEAM_SIZE
    device: str = "cpu"
    threads: int = 0
    compute_type: str = "default"
    max_input_tokens: int = MAX_INPUT_TOKENS

    def params(self) -> dict[str, Any]:
        """What `params` records: everything that can change the output (not threads)."""
        return stage_params(to=self.to, source=self.source, beam_size=self.beam_size,
                            device=self.device, compute_type=self.compute_type,
                            max_input_tokens=self.max_input_tokens)


def _language(code: str, what: str) -> str:
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    if not code.isalpha() or not 2 <= len(code) <= 3:
        raise ValueError(f"{what} must be a language code such as en, fr, ar")
    return code


def check_options(*, to: str, source: str, batch_size: int, beam_size: int, device: str,
                  threads: int, compute_type: str, max_input_tokens: int) -> Options:
    """Options checked before any record is read (bad usage raises ValueError)."""
    if device not in DEVICES:
        raise ValueError(f"--device must be one of {', '.join(DEVICES)}")
    if device == "cuda" and resolve_device("auto") != "cuda":
        raise ValueError("--device cuda: no CUDA device is visible to CTranslate2; "
                         "use --device cpu or auto")
    for name, value in (("batch_size", batch_size), ("beam_size", beam_size),
                        ("threads", threads), ("max_input_tokens", max_input_tokens)):
        limits.check(name, value)
    return Options(to=_language(to, "--to"),
                   source="auto" if source == "auto" else _language(source, "--from"),
                   batch_size=batch_size, beam_size=beam_size, device=device, threads=threads,
                   compute_type=compute_type, max_input_tokens=max_input_tokens)


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


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def translator_for(package: pkgs.Package, options: Options):
    import ctranslate2

    device = resolve_device(options.device)
    key = (_identity(package), device, options.threads, options.compute_type)
    if key not in _TRANSLATORS:
        inter, intra = thread_layout(device, options.threads)
        _TRANSLATORS[key] = ctranslate2.Translator(
            str(package.path / "model"), device=device, inter_threads=inter,
            intra_threads=intra, compute_type=options.compute_type)
    return _TRANSLATORS[key]


def thread_layout(device: str, threads: int) -> tuple[int, int]:
    """(inter_threads, intra_threads) for CTranslate2.

    On CPU, one thread per batch and as many batches at once as there are threads
    (default: the cores this process may use): measured on two cores, twice the
    throughput of one batch spread over all cores. On a GPU, one batch at a time.
    """
    if device == "cuda":
        return 1, threads
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, threads or min(usable or 1, 8)), 1


# --- one hop: many strings through one package ------------------------------------------


def decoding_limit(length: int) -> int:
    """Output tokens allowed for an input of `length` tokens (a loop cannot run for ever).

    Rounded up to a multiple of 64 so that sentences of similar length share a batch;
    it depends on the sentence alone, never on its neighbours, so batching cannot
    change a result (CTranslate2 masks the padding itself).
    """
    return min(512, -(-(2 * length + 10) // 64) * 64)


def translate_strings(strings: list[str], package: pkgs.Package, options: Options,
                      cache=None) -> dict[str, str]:
    """Translations of distinct strings with one package: cache first, then batches."""
    results: dict[str, str] = {}
    todo = []
    for text in dict.fromkeys(strings):
        if not text.strip():
            results[text] = text
        elif cache is not None and (hit := cache.get(package, options, text)) is not None:
            results[text] = hit
        else:
            todo.append(text)
    if not todo:
        return results
    tokenizer = tokenizer_for(package)
    translator = translator_for(package, options)
    tokenized = [(text, tokenizer.encode(text)) for text in todo]
    # Sorted by length (ties by text, so the order never depends on arrival): less padding.
    tokenized.sort(key=lambda item: (len(item[1]), item[0]))
    # One call per decoding limit: CTranslate2 cuts it into --batch-size batches and runs
    # them on its inter_threads workers at once.
    for group in _same_limit_groups(tokenized):
        targets = _translate_batch(group, package, translator, tokenizer, options)
        results.update(targets)
        if cache is not None:
            cache.put_many(package, options, targets)
    return results


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


def _translate_batch(batch, package, translator, tokenizer, options) -> dict[str, str]:
    tokens = [toks for _, toks in batch]
    prefix = [[package.target_prefix] for _ in tokens] if package.target_prefix else None
    outputs = translator.translate_batch(
        tokens, target_prefix=prefix, replace_unknowns=True, max_batch_size=options.batch_size,
        beam_size=options.beam_size, num_hypotheses=1, length_penalty=LENGTH_PENALTY,
        max_decoding_length=decoding_limit(len(tokens[0])))
    targets = {}
    for (text, _), output in zip(batch, outputs):
        hypothesis = list(output.hypotheses[0])
        if package.target_prefix and hypothesis[:1] == [package.target_prefix]:
            hypothesis = hypothesis[1:]
        targets[text] = _clean(tokenizer.decode(hypothesis), package.target_prefix)
    return targets


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
        lang = _language(lang or "", "lang")
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
    try:
        tokenizer = tokenizer_for(plan.route[0])
    except (RuntimeError, OSError, ValueError) as exc:
        add_error(record, STAGE, "broken_model", broken_model_message(plan.route[0], exc))
        plan.skip = True
        return plan
    for key, sentence in enumerate(plan.title_sentences + plan.text_sentences):
        plan.pieces[key] = cut_to_limit(sentence.text, tokenizer, options.max_input_tokens)
    return plan


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


def _finish(plan: Plan, options: Options, hops: list[dict[str, str]]) -> None:
    record = plan.record
    route = plan.route or []
    targets = []
    for key in range(len(plan.title_sentences) + len(plan.text_sentences)):
        pieces = plan.pieces.get(key)
        if pieces is None:  # same language: a copy
            targets.append(None)
            continue
        for hop in hops:
            pieces = [hop[piece] for piece in pieces]
        targets.append(" ".join(p for p in pieces if p))
    n_title = len(plan.title_sentences)
    title_targets = [t if t is not None else s.text
                     for s, t in zip(plan.title_sentences, targets[:n_title])]
    pairs = []
    for sentence, target in zip(plan.text_sentences, targets[n_title:]):
        copied = target is None
        target = sentence.text if copied else target
        pairs.append({"source": sentence.text, "target": target,
                      "flags": [] if copied else quality_flags(sentence.text, target)})
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


def _translate_window(plans: list[Plan], options: Options, cache) -> None:
    """Translate every piece of a window of records, hop by hop, pooled per package."""
    hops_of: dict[int, list[dict[str, str]]] = {id(p): [] for p in plans}
    current: dict[int, dict[int, list[str]]] = {id(p): dict(p.pieces) for p in plans}
    depth = max((len(p.route) for p in plans if p.route and not p.skip), default=0)
    for step in range(depth):
        wanted: dict[Path, tuple[pkgs.Package, list[str]]] = {}
        for plan in plans:
            if plan.skip or not plan.route or step >= len(plan.route):
                continue
            package = plan.route[step]
            strings = [s for pieces in current[id(plan)].values() for s in pieces]
            wanted.setdefault(package.path, (package, []))[1].extend(strings)
        done: dict[Path, dict[str, str] | str] = {}
        for path in sorted(wanted):
            package, strings = wanted[path]
            try:
                done[path] = translate_strings(strings, package, options, cache)
            except (RuntimeError, OSError, ValueError) as exc:  # a damaged installed package
                done[path] = broken_model_message(package, exc)
        for plan in plans:
            if plan.skip or not plan.route or step >= len(plan.route):
                continue
            mapping = done[plan.route[step].path]
            if isinstance(mapping, str):
                add_error(plan.record, STAGE, "broken_model", mapping)
                plan.skip = True
                continue
            hops_of[id(plan)].append(mapping)
            current[id(plan)] = {k: [mapping[s] for s in v] for k, v in current[id(plan)].items()}
    for plan in plans:
        if not plan.skip:
            _finish(plan, options, hops_of[id(plan)])


def translate_records(
    records: Iterable[Record],
    *,
    to: str = "en",
    source: str = "auto",
    batch_size: int = DEFAULT_BATCH_SIZE,
    beam_size: int = DEFAULT_BEAM_SIZE,
    device: str = "cpu",
    threads: int = 0,
    compute_type: str = "default",
    max_input_tokens: int = MAX_INPUT_TOKENS,
    cache: Path | str | bool | None = True,
    force: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    cut: bool = False,
    packages: list[pkgs.Package] | None = None,
) -> Iterator[Record]:
    """Add `translations.<to>` to each record; yields one record per input, in order.

    `cache`: True for the default file (toolkit.cache.default_cache_path), a path, or
    None/False for none. `packages`: the installed packages to use (default: those in
    argostranslate's packages folder).
    """
    check_max_chars(max_chars)
    options = check_options(to=to, source=source, batch_size=batch_size, beam_size=beam_size,
                            device=device, threads=threads, compute_type=compute_type,
                            max_input_tokens=max_input_tokens)
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
        window: list[Plan] = []
        pending = 0
        for record in records:
            plan = plan_record(record, options, installed, max_chars=max_chars, cut=cut,
                               force=force)
            window.append(plan)
            pending += sum(len(p) for p in plan.pieces.values())
            if len(window) >= WINDOW_RECORDS or pending >= WINDOW_PIECES:
                _translate_window(window, options, store)
                yield from (p.record for p in window)
                window, pending = [], 0
        if window:
            _translate_window(window, options, store)
            yield from (p.record for p in window)
    finally:
        if store is not None:
            store.close()


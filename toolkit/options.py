"""Command-line options shared by several commands, defined once.

`toolkit run` offers each stage's options under the same names and defaults as the
stage command, so both take them from here. Numeric options take their range from
toolkit.limits, which the Python functions check too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from toolkit import translate
from toolkit.limits import option_range
from toolkit.records import DEFAULT_MAX_CHARS
from toolkit.summarize import DEFAULT_METHOD as SUMMARY_DEFAULT_METHOD
from toolkit.summarize import DEFAULT_METHODS as SUMMARY_AUTO
from toolkit.summarize import FALLBACK_METHOD as SUMMARY_AUTO_FALLBACK
from toolkit.summarize import METHODS as SUMMARY_METHODS

Input = Annotated[
    Optional[Path],
    typer.Option("--input", "-i", help="JSON Lines to read; default (or '-') is stdin.",
                 dir_okay=False),
]
Output = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", help="Write here (atomically: renamed when complete); "
                 "default is stdout.", dir_okay=False),
]
Progress = Annotated[
    Optional[bool],
    typer.Option("--progress/--no-progress",
                 help="Progress on stderr; default: only when stderr is a terminal."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Say only what must be said on stderr.")]
Force = Annotated[bool, typer.Option("--force", help="Redo records that already carry this "
                                     "stage's result made with the same options.")]
MaxChars = Annotated[int, typer.Option("--max-chars", **option_range("max_chars"), help="Refuse (or --cut) a "
                                       "record whose text is longer than this.")]
Cut = Annotated[bool, typer.Option("--cut", help="Work on the first --max-chars characters of "
                                   "a longer text, with a warning, instead of refusing it.")]

MAX_CHARS_DEFAULT = DEFAULT_MAX_CHARS

# --- ingest (also offered by `toolkit run`) ---
SplitArticles = Annotated[bool, typer.Option("--split-articles", help="Split a file that holds "
                                             "several articles into records.")]


# --- translate (also offered by `toolkit run`) ---
To = Annotated[str, typer.Option("--to", help="Target language code (en, fr, ar).")]
From = Annotated[str, typer.Option("--from", help="Source language: auto (the record's 'lang', "
                                   "else detected) or a code such as ar, fr, en.")]
BatchSize = Annotated[int, typer.Option("--batch-size", **option_range("batch_size"), help="Batch "
                                        "size in --batch-type units, pooled across documents "
                                        "(0 = 256 tokens on cpu, 8192 on cuda).")]
BatchType = Annotated[str, typer.Option("--batch-type", help="tokens (source tokens per "
                                        "batch) or examples (sentences per batch).")]
BeamSize = Annotated[int, typer.Option("--beam-size", **option_range("beam_size"), help="Beam width (1 = "
                                       "greedy, fastest; argostranslate uses 4).")]
Device = Annotated[str, typer.Option("--device", help="cpu, cuda or auto (cuda when a GPU "
                                     "is visible).")]
Threads = Annotated[int, typer.Option("--threads", **option_range("threads"), help="CPU threads for "
                                      "translation (0 = the cores this process may use: "
                                      "affinity and cgroup quota).")]
Replicas = Annotated[int, typer.Option("--replicas", **option_range("replicas"), help="Model replicas "
                                       "translating batches at once (0 = one per thread on "
                                       "cpu, 2 on cuda); fewer use less memory.")]
ComputeType = Annotated[str, typer.Option("--compute-type", help="auto (argostranslate's "
                                          "default), default (the model's own: int8), int8, "
                                          "int8_float16, int8_bfloat16, int8_float32, float16, "
                                          "bfloat16, float32.")]
Deterministic = Annotated[bool, typer.Option("--deterministic", help="Translate one sentence "
                                             "per batch, so no output depends on its "
                                             "neighbours (slower; see docs/translate.md).")]
Glossary = Annotated[Optional[Path], typer.Option("--glossary", dir_okay=False, help="CSV or "
                     "TSV of terms (source_lang,target_lang,source,target[,protect][,case]) "
                     "that come out as their target; protect=yes keeps a term as written, "
                     "case=yes matches it only as written.")]
ProtectEntities = Annotated[bool, typer.Option("--protect-entities", help="Keep the names "
                            "extract finds (people, places, acronyms) intact: glossary form, "
                            "else romanised or the English place name.")]
Cache = Annotated[Optional[Path], typer.Option("--cache", dir_okay=False, help="Translation "
                  "cache file (SQLite); default $XDG_CACHE_HOME/toolkit/translations.sqlite.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither read nor fill the "
                                       "translation cache.")]

# Defined once, by the functions the options feed (toolkit.translate).
TO_DEFAULT = translate.DEFAULT_TO
FROM_DEFAULT = translate.DEFAULT_SOURCE
BATCH_SIZE_DEFAULT = translate.DEFAULT_BATCH_SIZE
BATCH_TYPE_DEFAULT = translate.DEFAULT_BATCH_TYPE
BEAM_SIZE_DEFAULT = translate.DEFAULT_BEAM_SIZE
DEVICE_DEFAULT = translate.DEFAULT_DEVICE
THREADS_DEFAULT = translate.DEFAULT_THREADS
REPLICAS_DEFAULT = translate.DEFAULT_REPLICAS
COMPUTE_TYPE_DEFAULT = translate.DEFAULT_COMPUTE_TYPE


def file_path(value: str) -> Path:
    """A file argument as a Path; "" is refused (Path("") would be the current folder, and
    an unset shell variable in a cron line should not read as ".")."""
    if not value:
        raise typer.BadParameter("an empty argument names no file (an unset shell variable?)")
    return Path(value)


def term_settings(glossary: Optional[Path], protect_entities: bool) -> dict:
    """translate_records' glossary options, only those set (so `run`'s state key, made of
    its options, stays what it was for runs without them)."""
    settings: dict = {}
    if glossary is not None:
        settings["glossary"] = str(glossary)
    if protect_entities:
        settings["protect_entities"] = True
    return settings


def cache_setting(cache: Optional[Path], no_cache: bool):
    """What translate_records takes for --cache/--no-cache: a path, True (default file), None."""
    if no_cache:
        return None
    return cache if cache is not None else True


# --- summarize (also offered by `toolkit run`) ---
SummarySentences = Annotated[Optional[int], typer.Option(
    "--sentences", "-n", **option_range("sentences"), help="Sentences per summary [default: 3].")]
SummaryRatio = Annotated[Optional[float], typer.Option(
    "--ratio", min=0.0, max=1.0, help="Share of the document's sentences "
    "instead of -n, e.g. 0.2 (at least one).")]
SummaryMethod = Annotated[str, typer.Option(
    "--method", help=f"Method: {', '.join(SUMMARY_METHODS)}. auto picks per language the "
    "method that scored best on reference summaries: "
    + ", ".join(f"{lang} {m}" for lang, m in SUMMARY_AUTO.items())
    + f", other languages {SUMMARY_AUTO_FALLBACK}.")]
SummaryOn = Annotated[str, typer.Option(
    "--on", help="What to summarise: source (the text), a language code (its translation, "
    "e.g. en) or all.")]

SUMMARY_SENTENCES_DEFAULT = None  # 3, unless --ratio
SUMMARY_METHOD_DEFAULT = SUMMARY_DEFAULT_METHOD
SUMMARY_ON_DEFAULT = "source"

# --- stories (offered by `toolkit run`) ---
Stories = Annotated[bool, typer.Option(
    "--stories", help="Also group the documents into stories: story {id, size, duplicate_of} "
    "on each record (waits for every document before writing; see `toolkit stories`).")]

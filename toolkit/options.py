"""Command-line options shared by several commands, defined once.

`toolkit run` offers each stage's options under the same names and defaults as the
stage command, so both take them from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from toolkit.records import DEFAULT_MAX_CHARS
from toolkit.summarize import DEFAULT_METHOD as SUMMARY_DEFAULT_METHOD
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
MaxChars = Annotated[int, typer.Option("--max-chars", min=1, help="Refuse (or --cut) a "
                                       "record whose text is longer than this.")]
Cut = Annotated[bool, typer.Option("--cut", help="Work on the first --max-chars characters of "
                                   "a longer text, with a warning, instead of refusing it.")]

MAX_CHARS_DEFAULT = DEFAULT_MAX_CHARS


# --- summarize (also offered by `toolkit run`) ---
SummarySentences = Annotated[Optional[int], typer.Option(
    "--sentences", "-n", min=1, help="Sentences per summary [default: 3].")]
SummaryRatio = Annotated[Optional[float], typer.Option(
    "--ratio", help="Share of the document's sentences "
    "instead of -n, e.g. 0.2 (at least one).")]
SummaryMethod = Annotated[str, typer.Option(
    "--method", help=f"sumy method: {', '.join(SUMMARY_METHODS)}.")]
SummaryOn = Annotated[str, typer.Option(
    "--on", help="What to summarise: source (the text), a language code (its translation, "
    "e.g. en) or all.")]

SUMMARY_SENTENCES_DEFAULT = None  # 3, unless --ratio
SUMMARY_METHOD_DEFAULT = SUMMARY_DEFAULT_METHOD
SUMMARY_ON_DEFAULT = "source"

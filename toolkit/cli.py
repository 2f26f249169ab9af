"""The `toolkit` command: a thin Typer layer over the stage functions.

Each command parses its options, builds the stage function from toolkit.<stage> and
hands it to toolkit.records, which does the JSON Lines I/O and the exit status. Stage
modules are imported inside the commands so `toolkit --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from toolkit import options as opt
from toolkit.records import run_stage, write_records

app = typer.Typer(
    name="toolkit",
    help="Offline translation, summaries and structured fields for Arabic, French and "
    "English documents. Every command reads and writes JSON Lines, so they chain with pipes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _finish(status: int) -> None:
    raise typer.Exit(status)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, globs, or '-' for stdin.")],
    split_articles: Annotated[bool, typer.Option("--split-articles", help="Split a file "
                                                 "that holds several articles into records.")] = False,
    max_chars: opt.MaxChars = opt.MAX_CHARS_DEFAULT,
    cut: opt.Cut = False,
    output: opt.Output = None,
    progress: opt.Progress = None,
    quiet: opt.Quiet = False,
) -> None:
    """Read documents into records: id, sha256, source, title, text.

    Example: toolkit ingest docs/ > docs.jsonl
    """
    from toolkit.ingest import ingest_paths

    records = ingest_paths(paths, split_articles=split_articles, max_chars=max_chars, cut=cut)
    _finish(write_records("ingest", records, output=output, progress=progress, quiet=quiet))


@app.command()
def detect(
    input: opt.Input = None,
    output: opt.Output = None,
    force: opt.Force = False,
    max_chars: opt.MaxChars = opt.MAX_CHARS_DEFAULT,
    cut: opt.Cut = False,
    progress: opt.Progress = None,
    quiet: opt.Quiet = False,
) -> None:
    """Identify each record's language offline: lang, lang_score, paragraph_langs.

    Example: toolkit ingest docs/ | toolkit detect
    """
    from toolkit.detect import detect_records

    def stage(records):
        return detect_records(records, force=force, max_chars=max_chars, cut=cut)

    _finish(run_stage("detect", stage, input=input, output=output, progress=progress, quiet=quiet))


@app.command()
def summarize(
    sentences: opt.SummarySentences = opt.SUMMARY_SENTENCES_DEFAULT,
    ratio: opt.SummaryRatio = None,
    method: opt.SummaryMethod = opt.SUMMARY_METHOD_DEFAULT,
    on: opt.SummaryOn = opt.SUMMARY_ON_DEFAULT,
    input: opt.Input = None,
    output: opt.Output = None,
    force: opt.Force = False,
    max_chars: opt.MaxChars = opt.MAX_CHARS_DEFAULT,
    cut: opt.Cut = False,
    progress: opt.Progress = None,
    quiet: opt.Quiet = False,
) -> None:
    """Extractive summaries with sumy, offline: summary.<lang> with verbatim sentences.

    Example: toolkit ingest docs/ | toolkit detect | toolkit summarize -n 3 --method lexrank
    """
    from toolkit.records import EXIT_USAGE
    from toolkit.summarize import DEFAULT_SENTENCES, check_options, summarize_records

    settings = {"sentences": sentences or DEFAULT_SENTENCES, "ratio": ratio, "method": method,
                "on": on}
    try:
        if sentences is not None and ratio is not None:
            raise ValueError("give either -n/--sentences or --ratio, not both")
        check_options(**settings)
    except ValueError as exc:
        typer.echo(f"toolkit summarize: {exc}", err=True)
        _finish(EXIT_USAGE)

    def stage(records):
        return summarize_records(records, **settings, force=force, max_chars=max_chars, cut=cut)

    _finish(run_stage("summarize", stage, input=input, output=output, progress=progress,
                      quiet=quiet))


@app.command()
def export(
    format: Annotated[Optional[str], typer.Option(
        "--format", help="csv, tsv, jsonl, parquet or sqlite; default: from the -o suffix, "
        "else csv. parquet and sqlite need -o.")] = None,
    fields: Annotated[Optional[str], typer.Option(
        "--fields", help="Columns in order, comma-separated dotted paths "
        "(id,title,fields.people.name) or named columns (people, summary, errors...); "
        "default: a readable set (see README).")] = None,
    separator: Annotated[str, typer.Option(
        "--separator", help="Joins the items of a list in one cell.")] = " | ",
    excel: Annotated[bool, typer.Option(
        "--excel", help="Start csv/tsv with a UTF-8 byte-order mark so Excel shows Arabic.")] = False,
    table: Annotated[str, typer.Option(
        "--table", help="SQLite table to upsert into, by id.")] = "documents",
    input: opt.Input = None,
    output: opt.Output = None,
    progress: opt.Progress = None,
    quiet: opt.Quiet = False,
) -> None:
    """Write records as a table: csv, tsv, jsonl, parquet, or upserts into sqlite.

    Example: toolkit export --format csv --excel -i docs.jsonl -o today.csv
    """
    from toolkit.export import ExportUsageError, export_command
    from toolkit.records import EXIT_USAGE

    try:
        status = export_command(input=input, output=output, format=format, fields=fields,
                                separator=separator, excel=excel, table=table,
                                progress=progress, quiet=quiet)
    except ExportUsageError as exc:
        typer.echo(f"toolkit export: {exc}", err=True)
        status = EXIT_USAGE
    _finish(status)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

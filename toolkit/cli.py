"""The `toolkit` command: a thin Typer layer over the stage functions.

Each command parses its options, builds the stage function from toolkit.<stage> and
hands it to toolkit.records, which does the JSON Lines I/O and the exit status. Stage
modules are imported inside the commands so `toolkit --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from toolkit import options as opt
from toolkit.limits import option_range
from toolkit.output import guard_standard_streams, terminate_like_ctrl_c
from toolkit.records import run_stage, write_records
from toolkit.stories import DEFAULT_DAYS as STORY_DAYS
from toolkit.stories import DEFAULT_THRESHOLD as STORY_THRESHOLD

try:  # typer >= 0.25 parses with its own copy of click
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, UsageError


class _OneLineUsageError(UsageError):
    def show(self, file=None) -> None:
        command = self.ctx.command_path if self.ctx else "toolkit"
        message = " ".join(self.format_message().split())
        (file or sys.stderr).write(f"{command}: {message} (see {command} --help)\n")


class _Commands(TyperGroup):
    """Every command runs through here, so how one ends is decided once:

    - bad usage (an unknown option, a value out of range) is said in one line, exit 2,
      as the commands' own checks say it, instead of click's usage block;
    - Ctrl-C or SIGTERM anywhere: 130; a closed pipe (`| head -1`): a quiet 0; an output
      that cannot be written: 5 (toolkit.records.ending_status);
    - any other exception is a bug: one line naming the command and the error, exit 70,
      the traceback only with --debug or TOOLKIT_DEBUG=1.
    """

    def invoke(self, ctx):
        try:
            with terminate_like_ctrl_c():
                return super().invoke(ctx)
        except UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError" or isinstance(exc, _OneLineUsageError):
                raise
            raise _OneLineUsageError(exc.format_message(), exc.ctx) from None
        except (ClickException, typer.Exit, typer.Abort, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - see the docstring
            from toolkit.records import ending_status, internal_error

            name = " ".join([*ctx.command_path.split()[1:], ctx.invoked_subcommand or ""])
            status = ending_status(name.strip() or "toolkit", exc)
            if status is None:
                status = internal_error(name.strip() or "toolkit", exc, _debugging(ctx))
            raise typer.Exit(status) from None


def _debugging(ctx) -> bool:
    return bool(ctx.find_root().params.get("debug")) or os.environ.get("TOOLKIT_DEBUG") == "1"


app = typer.Typer(
    cls=_Commands,
    name="toolkit",
    help="Offline translation, summaries and structured fields for Arabic, French and "
    "English documents. Every command reads and writes JSON Lines, so they chain with pipes.",
    no_args_is_help=True,
    add_completion=False,  # `toolkit completion SHELL` instead: nothing loaded for --help
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        from toolkit import __version__

        typer.echo(f"toolkit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _global_options(
    debug: Annotated[bool, typer.Option(
        "--debug", help="On an internal error (exit 70), print the full traceback too "
        "(also TOOLKIT_DEBUG=1).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_show_version,
        help="Print the toolkit's version and exit.")] = False,
) -> None:
    """Offline translation, summaries and structured fields for Arabic, French and English
    documents. Every command reads and writes JSON Lines, so they chain with pipes."""


def _finish(status: int) -> None:
    raise typer.Exit(status)


@contextmanager
def _bad_usage(command: str) -> Iterator[None]:
    """Options checked before any work: a ValueError is bad usage, one line, exit 2."""
    try:
        yield
    except ValueError as exc:
        from toolkit.records import EXIT_USAGE

        typer.echo(f"toolkit {command}: {exc}", err=True)
        _finish(EXIT_USAGE)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, globs, or '-' for stdin.")],
    split_articles: opt.SplitArticles = False,
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
    from toolkit.records import EXIT_USAGE, usage_problem

    if "-" in paths and (problem := usage_problem("-", None)):
        typer.echo(f"toolkit ingest: {problem}", err=True)
        _finish(EXIT_USAGE)
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

    _finish(run_stage("detect", stage, input=input, output=output, progress=progress, quiet=quiet,
                      max_chars=max_chars))


@app.command()
def translate(
    to: opt.To = opt.TO_DEFAULT,
    source: opt.From = opt.FROM_DEFAULT,
    batch_size: opt.BatchSize = opt.BATCH_SIZE_DEFAULT,
    batch_type: opt.BatchType = opt.BATCH_TYPE_DEFAULT,
    beam_size: opt.BeamSize = opt.BEAM_SIZE_DEFAULT,
    device: opt.Device = opt.DEVICE_DEFAULT,
    compute_type: opt.ComputeType = opt.COMPUTE_TYPE_DEFAULT,
    threads: opt.Threads = opt.THREADS_DEFAULT,
    replicas: opt.Replicas = opt.REPLICAS_DEFAULT,
    deterministic: opt.Deterministic = False,
    glossary: opt.Glossary = None,
    protect_entities: opt.ProtectEntities = False,
    cache: opt.Cache = None,
    no_cache: opt.NoCache = False,
    input: opt.Input = None,
    output: opt.Output = None,
    force: opt.Force = False,
    max_chars: opt.MaxChars = opt.MAX_CHARS_DEFAULT,
    cut: opt.Cut = False,
    progress: opt.Progress = None,
    quiet: opt.Quiet = False,
) -> None:
    """Translate records offline with installed argostranslate packages: translations.<to>.

    Example: toolkit ingest docs/ | toolkit detect | toolkit translate --to en
    """
    from toolkit.translate import check_options, translate_records

    settings = {"to": to, "source": source, "batch_size": batch_size, "beam_size": beam_size,
                "device": device, "threads": threads, "batch_type": batch_type,
                "replicas": replicas, "compute_type": compute_type,
                "deterministic": deterministic, **opt.term_settings(glossary, protect_entities)}
    with _bad_usage("translate"):
        check_options(**settings)

    def stage(records):
        return translate_records(records, **settings, cache=opt.cache_setting(cache, no_cache),
                                 force=force, max_chars=max_chars, cut=cut)

    _finish(run_stage("translate", stage, input=input, output=output, progress=progress,
                      quiet=quiet, max_chars=max_chars))


models_app = typer.Typer(
    cls=_Commands,
    help="Manage argostranslate packages (.argosmodel files), offline.",
    no_args_is_help=True, rich_markup_mode=None)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list(
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Installed packages: from, to, version, size, path.

    Example: toolkit models list --json
    """
    from toolkit.models_cli import list_command

    _finish(list_command(json_output))


@models_app.command("install")
def models_install(
    files: Annotated[list[Path], typer.Argument(parser=opt.file_path,
                                                help=".argosmodel files.")],
    force: Annotated[bool, typer.Option("--force", help="Reinstall the same version or "
                                        "install an older one.")] = False,
) -> None:
    """Install .argosmodel files where argostranslate looks (honours ARGOS_PACKAGES_DIR).

    Example: toolkit models install translate-ar_en-1_0.argosmodel
    """
    from toolkit.models_cli import install_command

    _finish(install_command(files, force))


@models_app.command("remove")
def models_remove(
    packages: Annotated[list[str], typer.Argument(help="Pairs (fr-en) or package folder names.")],
) -> None:
    """Remove installed packages.

    Example: toolkit models remove fr-en
    """
    from toolkit.models_cli import remove_command

    _finish(remove_command(packages))


@models_app.command("pairs")
def models_pairs(
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every translation the installed packages allow, pivots through English included.

    Example: toolkit models pairs
    """
    from toolkit.models_cli import pairs_command

    _finish(pairs_command(json_output))


@models_app.command("download")
def models_download(
    source: Annotated[str, typer.Argument(help="Source language code.")],
    target: Annotated[str, typer.Argument(help="Target language code.")],
    directory: Annotated[Path, typer.Option("--dir", file_okay=False,
                                            help="Where to save the file.")] = Path("."),
    install: Annotated[bool, typer.Option("--install/--no-install",
                                          help="Install it after downloading.")] = True,
) -> None:
    """Download a package from argostranslate's index (needs internet; the only command that does).

    Example: toolkit models download ar en --dir packages/
    """
    from toolkit.models_cli import download_command

    _finish(download_command(source, target, directory, install))


@models_app.command("export")
def models_export(
    bundle: Annotated[Path, typer.Argument(parser=opt.file_path,
                                           help="The bundle file to write (a tar).")],
    packages: Annotated[Optional[list[str]], typer.Argument(
        help="Pairs (ar-en) or folder names; default: every installed package.")] = None,
) -> None:
    """Write the installed packages and a manifest (sizes, sha256) into one file.

    Example: toolkit models export models-2026-11.tar ar-en fr-en
    """
    from toolkit.models_cli import export_command

    _finish(export_command(bundle, packages or []))


@models_app.command("import")
def models_import(
    bundle: Annotated[Path, typer.Argument(parser=opt.file_path,
                                           help="A file made by `toolkit models export`.")],
    force: Annotated[bool, typer.Option("--force", help="Reinstall packages at the same "
                                        "version, or older than the installed ones.")] = False,
) -> None:
    """Install a bundle's packages; every checksum is verified before anything is installed.

    Example: toolkit models import models-2026-11.tar
    """
    from toolkit.models_cli import import_command

    _finish(import_command(bundle, force))


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
    from toolkit.summarize import DEFAULT_SENTENCES, check_options, summarize_records

    settings = {"sentences": sentences or DEFAULT_SENTENCES, "ratio": ratio, "method": method,
                "on": on}
    with _bad_usage("summarize"):
        if sentences is not None and ratio is not None:
            raise ValueError("give either -n/--sentences or --ratio, not both")
        check_options(**settings)

    def stage(records):
        return summarize_records(records, **settings, force=force, max_chars=max_chars, cut=cut)

    _finish(run_stage("summarize", stage, input=input, output=output, progress=progress,
                      quiet=quiet, max_chars=max_chars))


@app.command()
def extract(
    input: opt.Input = None,
    output: opt.Output = None,
    force: opt.Force = False,
    max_chars: opt.MaxChars = opt.MAX_CHARS_DEFAULT,
    cut: opt.Cut = False,
    progress: opt.Progress = None,
    quiet: opt.Quiet = False,
) -> None:
    """Pull out title, dates, dateline, people, organisations, places, countries, decrees.

    Example: toolkit ingest docs/ | toolkit detect | toolkit extract > fields.jsonl
    """
    from toolkit.extract import extract_records

    def stage(records):
        return extract_records(records, force=force, max_chars=max_chars, cut=cut)

    _finish(run_stage("extract", stage, input=input, output=output, progress=progress,
                      quiet=quiet, max_chars=max_chars))


@app.command()
def stories(
    emit: Annotated[str, typer.Option(
        "--emit", help="records: every record with story {id, size, duplicate_of}; stories: "
        "one record per story (members, dates, title, summary, fields counted).")] = "records",
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0.0, max=1.0, help="Least similarity (0-1] for a record to join a story.")
    ] = STORY_THRESHOLD,
    days: Annotated[int, typer.Option(
        "--days", **option_range("story_days"), help="Most days between a record and its story's last record "
        "(records with a publication date).")] = STORY_DAYS,
    sentences: opt.SummarySentences = opt.SUMMARY_SENTENCES_DEFAULT,
    input: opt.Input = None,
    output: opt.Output = None,
    progress: opt.Progress = None,
    quiet: opt.Quiet = False,
) -> None:
    """Group records that tell the same story and mark near-copies (reads all input first).

    Example: toolkit run docs/ -o today.jsonl && toolkit stories --emit stories -i today.jsonl
    """
    from toolkit.stories import check_options, story_records

    settings = {"threshold": threshold, "days": days, "emit": emit}
    with _bad_usage("stories"):
        check_options(**settings)

    def stage(records):
        return story_records(records, **settings, sentences=sentences or 3)

    _finish(run_stage("stories", stage, input=input, output=output, progress=progress,
                      quiet=quiet))


@app.command()
def export(
    format: Annotated[Optional[str], typer.Option(
        "--format", help="csv, tsv, jsonl, parquet or sqlite; default: from the -o suffix, "
        "else csv. parquet and sqlite need -o.")] = None,
    fields: Annotated[Optional[str], typer.Option(
        "--fields", help="Columns in order, comma-separated dotted paths "
        "(id,title,fields.people.name) or named columns (people, summary, errors...); "
        "default: a readable set (see docs/export.md).")] = None,
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


@app.command()
def run(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or globs of documents.")],
    to: opt.To = opt.TO_DEFAULT,
    sentences: opt.SummarySentences = opt.SUMMARY_SENTENCES_DEFAULT,
    ratio: opt.SummaryRatio = None,
    method: opt.SummaryMethod = opt.SUMMARY_METHOD_DEFAULT,
    translate_scope: Annotated[str, typer.Option(
        "--translate", help="all: translate every sentence; summary: only the title and the "
        "summary sentences (chosen on the source text), much cheaper.")] = "all",
    source: opt.From = opt.FROM_DEFAULT,
    batch_size: opt.BatchSize = opt.BATCH_SIZE_DEFAULT,
    batch_type: opt.BatchType = opt.BATCH_TYPE_DEFAULT,
    beam_size: opt.BeamSize = opt.BEAM_SIZE_DEFAULT,
    device: opt.Device = opt.DEVICE_DEFAULT,
    compute_type: opt.ComputeType = opt.COMPUTE_TYPE_DEFAULT,
    threads: opt.Threads = opt.THREADS_DEFAULT,
    replicas: opt.Replicas = opt.REPLICAS_DEFAULT,
    deterministic: opt.Deterministic = False,
    glossary: opt.Glossary = None,
    protect_entities: opt.ProtectEntities = False,
    cache: opt.Cache = None,
    no_cache: opt.NoCache = False,
    split_articles: opt.SplitArticles = False,
    output: opt.Output = None,
    export: Annotated[Optional[list[str]], typer.Option(
        "--export", help="Also write FORMAT:FILE (csv, tsv, jsonl, parquet, sqlite); "
        "repeatable.")] = None,
    # Text, not Path: Path("") is the current folder, and an unset $STATE must not be.
    state: Annotated[Optional[str], typer.Option(
        "--state", metavar="<dir>", help="Folder that remembers processed documents: only "
        "new or edited ones are processed; holds the lock.")] = None,
    only_new: Annotated[bool, typer.Option(
        "--only-new", help="Write only documents not seen by an earlier run (needs --state).")
    ] = False,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Finish an interrupted run: its finished documents count as new "
        "(needs --state).")] = False,
    wait: Annotated[bool, typer.Option(
        "--wait", help="Wait for a run holding the lock instead of exiting 4.")] = False,
    skip_missing_models: Annotated[bool, typer.Option(
        "--skip-missing-models", help="No package for a pair: warn (once) and go on with "
        "the other stages, exit 0, instead of an error on each record and exit 3.")] = False,
    shard: Annotated[Optional[str], typer.Option(
        "--shard", help="K/N: process only this host's share of the files (stable hash of "
        "the path under PATH).")] = None,
    report: Annotated[Optional[Path], typer.Option(
        "--report", dir_okay=False, help="Write the run report as JSON here.")] = None,
    stories: opt.Stories = False,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run the chain on a Dask cluster: a scheduler address "
        "(tcp://host:8786), or local[:N] for N worker processes here.")] = None,
    force: opt.Force = False,
    max_chars: opt.MaxChars = opt.MAX_CHARS_DEFAULT,
    cut: opt.Cut = False,
    progress: opt.Progress = None,
    quiet: opt.Quiet = False,
) -> None:
    """The whole job in one process: ingest, detect, translate, summarize, extract (export).

    Example: toolkit run docs/ --to en -n 3 --state ~/.toolkit-state -o today.jsonl
    """
    from toolkit.pipeline import Job, RunConfig, check_usage, run_job
    from toolkit.summarize import DEFAULT_SENTENCES

    shared = {"max_chars": max_chars, "cut": cut}
    with _bad_usage("run"):
        if state == "":
            raise ValueError("--state '': an empty argument names no folder (an unset shell "
                             "variable?); check the command line")
        if sentences is not None and ratio is not None:
            raise ValueError("give either -n/--sentences or --ratio, not both")
        config = RunConfig(
            to=to, scope=translate_scope, skip_missing_models=skip_missing_models, force=force,
            ingest={"split_articles": split_articles, **shared},
            detect=shared,
            translate={"source": source, "batch_size": batch_size, "beam_size": beam_size,
                       "device": device, "threads": threads, "batch_type": batch_type,
                       "replicas": replicas, "compute_type": compute_type,
                       "deterministic": deterministic,
                       **opt.term_settings(glossary, protect_entities),
                       "cache": opt.cache_setting(cache, no_cache), **shared},
            summarize={"sentences": sentences or DEFAULT_SENTENCES, "ratio": ratio,
                       "method": method, **shared},
            extract=shared,
            stories={} if stories else None,
        )
        job = Job(paths=paths, config=config, output=output, exports=export or [],
                  state_dir=Path(state) if state else None, resume=resume, only_new=only_new,
                  wait=wait, shard=shard, report_path=report, progress=progress, quiet=quiet,
                  scheduler=scheduler)
        check_usage(job)
    _finish(_run_on_cluster(job) if scheduler else run_job(job))


def _run_on_cluster(job) -> int:
    from toolkit.pipeline import run_job
    from toolkit.records import EXIT_MISSING_RESOURCE
    from toolkit.scale import SchedulerUnreachable

    try:
        return run_job(job)
    except SchedulerUnreachable as exc:
        typer.echo(f"toolkit run: {exc}", err=True)
        return EXIT_MISSING_RESOURCE


@app.command()
def doctor(
    to: opt.To = opt.TO_DEFAULT,
    sources: Annotated[str, typer.Option(
        "--from", help="Comma-separated source languages the job must translate.")] = "ar,fr,en",
    json_output: Annotated[bool, typer.Option("--json", help="The diagnosis as JSON.")] = False,
    bundle: Annotated[Optional[Path], typer.Option(
        "--bundle", parser=opt.file_path, metavar="<path>", help="Also check the installed "
        "packages against this bundle (`toolkit models export`): missing, different version, "
        "extra.")] = None,
) -> None:
    """Can this machine run the job offline? Pairs, pivots, resources, versions; exit 0 or 3.

    Example: toolkit doctor --to en
    """
    from toolkit.doctor import doctor as diagnose

    codes = [code.strip() for code in sources.split(",") if code.strip()]
    with _bad_usage("doctor"):
        status = diagnose(to, codes, as_json=json_output, bundle=str(bundle) if bundle else None)
    _finish(status)


@app.command()
def show(
    input: opt.Input = None,
    to: opt.To = opt.TO_DEFAULT,
    width: Annotated[Optional[int], typer.Option(
        "--width", **option_range("width"), help="Table width; default: the terminal's.")] = None,
) -> None:
    """Records as a table to read on a terminal: title, language, date, people, summary.

    Example: toolkit run docs/ -o today.jsonl && toolkit show -i today.jsonl
    """
    from toolkit.output import write_stdout
    from toolkit.records import EXIT_USAGE, open_input, read_records, usage_problem
    from toolkit.show import render
    from toolkit.translate import language_code

    with _bad_usage("show"):
        to = language_code(to, "--to")
    if problem := usage_problem(input, None):
        typer.echo(f"toolkit show: {problem}", err=True)
        _finish(EXIT_USAGE)
    stream = open_input(input)
    try:
        table = render(read_records(stream, "show"), to=to, width=width)
    finally:
        if input is not None:
            stream.close()
    write_stdout(table)


@app.command()
def digest(
    file: Annotated[Optional[Path], typer.Argument(
        help="JSON Lines to read (as -i); default stdin.", dir_okay=False)] = None,
    input: opt.Input = None,
    output: opt.Output = None,
    to: opt.To = opt.TO_DEFAULT,
    title: Annotated[str, typer.Option("--title", help="The page's heading.")] = "Digest",
    page_size: Annotated[int, typer.Option(
        "--page-size", min=1, max=10_000, help="Stories shown at a time.")] = 50,
    quiet: opt.Quiet = False,
) -> None:
    """One self-contained HTML page to read: stories (or documents), summaries beside their
    source, people and places, a timeline and filters; opens offline from a file.

    Example: toolkit run docs/ --to en -o today.jsonl && toolkit digest today.jsonl -o today.html
    """
    from toolkit.digest import digest_command
    from toolkit.records import EXIT_USAGE
    from toolkit.translate import language_code

    if file is not None and input is not None:
        typer.echo("toolkit digest: give the input once: FILE or -i FILE", err=True)
        _finish(EXIT_USAGE)
    with _bad_usage("digest"):
        to = language_code(to, "--to")
    _finish(digest_command(input=file if input is None else input, output=output, to=to,
                           title=title, page_size=page_size, quiet=quiet))


@app.command()
def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.")],
) -> None:
    """Print the shell completion script (Typer's) for bash, zsh or fish.

    Example: toolkit completion bash >> ~/.bashrc   (fish: > ~/.config/fish/completions/toolkit.fish)
    """
    from typer.completion import completion_init, get_completion_script

    from toolkit.records import EXIT_USAGE

    if shell not in COMPLETION_SHELLS:
        typer.echo(f"toolkit completion: {shell!r}: choose one of "
                   f"{', '.join(COMPLETION_SHELLS)}", err=True)
        _finish(EXIT_USAGE)
    completion_init()
    from toolkit.output import write_stdout

    write_stdout(get_completion_script(prog_name="toolkit", complete_var=COMPLETE_VAR,
                                       shell=shell).rstrip("\n") + "\n")


COMPLETION_SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_TOOLKIT_COMPLETE"


def main() -> None:
    guard_standard_streams()
    if COMPLETE_VAR in os.environ:  # the shell asks for completions (TAB)
        from typer.completion import completion_init

        completion_init()
    app()


if __name__ == "__main__":
    main()

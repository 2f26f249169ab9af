"""The Python API: one function per command, each a generator of records or a plain function.

`from toolkit import ingest, detect, translate, summarize, extract, export, run, digest`
gives these (see toolkit/__init__.py for how a stage module is also callable). Options
are the stage functions' own, with their defaults defined there once; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from toolkit.records import Record


def ingest(paths: str | Path | Iterable[str | Path], **options: Any) -> Iterator[Record]:
    """Read files, folders or globs into records: id, sha256, source, title, text.

    Options (toolkit.ingest.ingest_paths): split_articles=False, max_chars, cut=False.

    Example:
        >>> import toolkit
        >>> records = list(toolkit.ingest("fixtures/docs/fr"))  # doctest: +SKIP
        >>> records[0]["title"]  # doctest: +SKIP
    """
    from toolkit.ingest import ingest_paths

    if isinstance(paths, (str, Path)):
        paths = [paths]
    return ingest_paths([str(p) for p in paths], **options)


def detect(records: Iterable[Record], **options: Any) -> Iterator[Record]:
    """Add lang, lang_score and paragraph_langs to each record, offline.

    Options (toolkit.detect.detect_records): force=False, max_chars, cut=False.

    Example:
        >>> import toolkit
        >>> next(toolkit.detect([{"id": "a", "text": "Le conseil se réunit lundi."}]))["lang"]
        'fr'
    """
    from toolkit.detect import detect_records

    return detect_records(records, **options)


def translate(records: Iterable[Record], **options: Any) -> Iterator[Record]:
    """Add translations.<to> with installed argostranslate packages (offline).

    Options (toolkit.translate.translate_records): to="en", source="auto", batch_size,
    beam_size, device, threads, cache, force, max_chars, cut, glossary (a CSV/TSV path:
    its terms come out as their targets), protect_entities. A missing package is an
    error entry on the record, with the command that installs it.

    Example:
        >>> import toolkit
        >>> records = toolkit.detect(toolkit.ingest("fixtures/docs/ar"))  # doctest: +SKIP
        >>> for record in toolkit.translate(records, to="en"):  # doctest: +SKIP
        ...     print(record["translations"]["en"]["title"])
        >>> glossed = toolkit.translate(records, glossary="fixtures/glossary.csv")  # doctest: +SKIP
    """
    from toolkit.translate import translate_records

    return translate_records(records, **options)


def summarize(records: Iterable[Record], **options: Any) -> Iterator[Record]:
    """Add summary.<lang>: extractive sentences (sumy), verbatim, with their indices.

    Options (toolkit.summarize.summarize_records): sentences=3, ratio=None,
    method="lsa", on="source", force, max_chars, cut.

    Example:
        >>> import toolkit
        >>> text = "The port reopened. Ships wait. The minister spoke. The port will grow."
        >>> record = next(toolkit.summarize([{"id": "a", "lang": "en", "text": text}],
        ...                                 sentences=1))
        >>> len(record["summary"]["en"]["sentences"])
        1
    """
    from toolkit.summarize import summarize_records

    return summarize_records(records, **options)


def extract(records: Iterable[Record], **options: Any) -> Iterator[Record]:
    """Add fields: title, dates, published, dateline, people, organisations, places,
    countries and decree references.

    Options (toolkit.extract.extract_records): force=False, max_chars, cut=False.

    Example:
        >>> import toolkit
        >>> record = {"id": "a", "lang": "en", "text": "TRIPOLI, 5 May 2025 (LANA) - ..."}
        >>> next(toolkit.extract([record]))["fields"]["dates"][0]["iso"]
        '2025-05-05'
    """
    from toolkit.extract import extract_records

    return extract_records(records, **options)


def export(records: Iterable[Record], target: str | Path | IO[bytes] | None, *,
           format: str, **options: Any) -> Any:
    """Write records as csv, tsv, jsonl, parquet or sqlite (upserted by id); return counts.

    `target`: a path (written atomically), a binary stream you own, or None for stdout.
    Options (toolkit.export.export_records): fields, separator, excel, table.

    Example:
        >>> import io, toolkit
        >>> out = io.BytesIO()
        >>> stats = toolkit.export([{"id": "a", "title": "Hi"}], out, format="csv",
        ...                        fields="id,title")
        >>> out.getvalue().decode().splitlines()
        ['id,title', 'a,Hi']
    """
    from toolkit.export import export_records

    return export_records(records, target, format=format, **options)


def run(paths: str | Path | Iterable[str | Path], *, to: str = "en", scope: str = "all",
        state: str | Path | None = None, only_new: bool = False, resume: bool = False,
        wait: bool = False, skip_missing_models: bool = False, force: bool = False,
        options: dict[str, dict[str, Any]] | None = None) -> Iterator[Record]:
    """The whole job, as `toolkit run` does it: ingest, detect, translate, summarize, extract;
    yields each document's record, prints nothing.

    scope: "all" translates every sentence; "summary" only the title and summary sentences.
    state: a folder that remembers processed documents (held locked while the generator
    runs); with only_new, documents seen by an earlier run are left out.
    skip_missing_models: a missing translation package becomes a warning on the record.
    options: per-stage options, e.g. {"summarize": {"sentences": 2}, "translate":
    {"beam_size": 1}}; keys: ingest, detect, translate, summarize, extract.

    Example:
        >>> import toolkit
        >>> for record in toolkit.run("fixtures/docs/fr", to="en",
        ...                           skip_missing_models=True):  # doctest: +SKIP
        ...     print(record["id"], record["lang"], record["fields"]["published"])
    """
    from toolkit.pipeline import RunConfig, run_documents

    options = options or {}
    unknown = set(options) - {"ingest", "detect", "translate", "summarize", "extract"}
    if unknown:
        raise ValueError(f"options: unknown stage(s) {', '.join(sorted(unknown))}")
    if state == "":  # Path("") would be the current folder
        raise ValueError("state='' names no folder; give the folder that remembers documents")
    if state is None and (only_new or resume or wait):
        raise ValueError("only_new, resume and wait need state=FOLDER (as toolkit run does)")
    config = RunConfig(to=to, scope=scope, skip_missing_models=skip_missing_models,
                       force=force, **{stage: dict(o) for stage, o in options.items()})
    documents = ingest(paths, **config.ingest)
    if state is None:
        for record, _reused in run_documents(documents, config):
            yield record
        return
    from toolkit.state import RunLock, State

    with RunLock(state, wait=wait):
        store = State(state, config.params())
        try:
            for record, _reused in run_documents(documents, config, state=store,
                                                 only_new=only_new, resume=resume):
                yield record
            store.commit()
            store.finish()
        finally:
            store.close()


def digest(records: Iterable[Record], **options: Any) -> str:
    """The digest page of records (stories or documents) as one self-contained HTML str.

    Options (toolkit.digest.digest_html): to="en", title="Digest", page_size=50. To write
    a file atomically: toolkit.digest.write_digest(records, "digest.html").

    Example:
        >>> import toolkit
        >>> page = toolkit.digest([{"id": "a", "lang": "en", "title": "<b>Hi</b>"}])
        >>> page.startswith("<!DOCTYPE html>") and "<b>Hi" not in page
        True
    """
    from toolkit.digest import digest_html

    return digest_html(records, **options)


def stories(records: Iterable[Record], **options: Any) -> Iterator[Record]:
    """Group records into stories (toolkit.stories.story_records, where installed).

    Example:
        >>> import toolkit
        >>> grouped = list(toolkit.stories(records))  # doctest: +SKIP
    """
    from toolkit.stories import story_records  # not in every version of the toolkit

    return story_records(records, **options)


# The module each function stands for: `toolkit.<module>(...)` calls the function.
FUNCTIONS = {"ingest": ingest, "detect": detect, "translate": translate,
             "summarize": summarize, "extract": extract, "export": export, "digest": digest,
             "stories": stories}

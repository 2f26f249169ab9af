"""Documents that are not plain text: PDF, Word (.docx) and e-mail (.eml, mbox).

`toolkit.ingest` hands a file of one of these kinds to `format_records`, which calls the
kind's reader (one small module each, its library imported only here) and makes records
through ingest's own path (normalisation, boilerplate, article splitting, headline).
A reader gives `Extracted` paragraphs or raises `FormatError`, which becomes an error
record: nothing raises out of ingest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from toolkit.records import Record, add_warning


class FormatError(Exception):
    """A file its reader cannot make text of: `code` and a one-line `message`."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Extracted:
    """A document's paragraphs in reading order, each with its heading level (or None),
    and its title when the file names one (a title property, a first heading)."""

    paragraphs: list[tuple[str, int | None]] = field(default_factory=list)
    title: str | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)


def format_records(data: bytes, origin, options) -> Iterator[Record]:
    """The records of a PDF, Word or e-mail file's bytes (`origin`: toolkit.ingest.Origin)."""
    if origin.kind == "doc":
        yield origin.error("old_word_format", "a Word 97-2003 .doc file is not read; save it "
                           "as .docx or PDF (LibreOffice: soffice --headless --convert-to "
                           "docx FILE)")
        return
    if origin.kind in ("eml", "mbox"):
        yield from _mail_records(data, origin, options)
        return
    try:
        extracted = _reader(origin.kind)(data)
    except FormatError as exc:
        yield origin.error(exc.code, exc.message)
        return
    yield from _extracted_records(extracted, origin, options)


def _reader(kind: str):
    if kind == "pdf":
        from toolkit.formats.pdf import read_pdf

        return read_pdf
    from toolkit.formats.docx import read_docx

    return read_docx


def _extracted_records(extracted: Extracted, origin, options) -> Iterator[Record]:
    records = list(_records_of(extracted, origin, options))
    for code, message in extracted.warnings:
        for record in records:
            if "text" in record:
                add_warning(record, "ingest", code, message)
    yield from records


def _records_of(extracted: Extracted, origin, options) -> Iterator[Record]:
    from toolkit.ingest import Block, block_records, normalise_text

    blocks = [Block(" ".join(normalise_text(text).split()), level)
              for text, level in extracted.paragraphs]
    blocks = [block for block in blocks if block.text]
    title = " ".join(normalise_text(extracted.title).split()) if extracted.title else None
    if title and blocks and blocks[0].text == title:
        blocks = blocks[1:]  # the first heading is the title: not repeated in the text
        yield from block_records(blocks, origin, options, encoding=None, title=title,
                                 title_given=True)
        return
    yield from block_records(blocks, origin, options, encoding=None, title=title)


# --- e-mail ---------------------------------------------------------------------------


def _mail_records(data: bytes, origin, options) -> Iterator[Record]:
    from toolkit.formats.mail import read_eml, read_mbox

    if origin.kind == "eml":
        yield from _message_records(read_eml(data), origin, options)
        return
    messages = read_mbox(data)
    if not messages:
        yield origin.error("empty_file", "no message in this mbox file; nothing to ingest")
    for number, message in enumerate(messages, start=1):
        numbered = replace(origin, id_base=f"{origin.id_base}:{number}",
                           extra=(*origin.extra, ("message", number)))
        yield from _message_records(message, numbered, options)


def _message_records(message, origin, options) -> Iterator[Record]:
    """The body as one record (the subject its title), then a record for each attachment
    of a kind ingest reads, whose `source.parent` is the message record's id."""
    from toolkit.ingest import KINDS, document_records, text_records

    headers = (("from", message.sender), ("date", message.date),
               ("subject", message.subject), ("message_id", message.message_id))
    origin = replace(origin, extra=origin.extra + headers)
    records: list[Record] = []
    unread = []
    readable = []
    for name, payload in message.attachments:
        kind = KINDS.get(Path(name).suffix.lower())
        if kind in (None, "jsonl", "mbox", "eml") or not payload:
            unread.append(name)
        else:
            readable.append((name, kind, payload))
    if (message.body or "").strip() or not readable:
        records.extend(text_records(message.body or "", origin, options, encoding=None,
                                    title=message.subject, markup=message.body_markup))
    parent = origin.id_base
    for name, kind, payload in readable:
        attachment = replace(origin, kind=kind, id_base=f"{parent}/{name}", size=len(payload),
                             extra=origin.extra + (("parent", parent), ("attachment", name)))
        records.extend(document_records(payload, attachment, options))
    if unread and records:
        add_warning(records[0], "ingest", "attachment_not_read",
                    f"attachment(s) not read (no reader for their kind): {', '.join(unread)}")
    yield from records

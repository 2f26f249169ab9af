"""Word .docx files with zipfile and ElementTree (standard library only).

The body's paragraphs and tables in document order: a paragraph's style (or its outline
level) makes it a heading; a table row becomes one paragraph, its cells joined by " | ".
Running headers, footers, footnotes, comments and deleted revisions live in other parts
or elements and are not read. The title property (docProps/core.xml) is the title when
the document opens with no heading.

Why not python-docx: it would add lxml for what is ~100 lines here, and its paragraph
and table lists lose their interleaving, which these documents need.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from io import BytesIO
from xml.etree import ElementTree

from toolkit.formats import Extracted, FormatError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# A part larger than this once unzipped is refused (a zip bomb, or no news document).
_MAX_PART = 64 << 20
_HEADING_NAME = re.compile(r"^(?:heading|titre|überschrift|título|titolo)\s*(\d)$",
                           re.IGNORECASE)


def read_docx(data: bytes) -> Extracted:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        document = _xml(archive, "word/document.xml")
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, EOFError, zlib.error,
            NotImplementedError) as exc:
        raise FormatError("bad_docx", f"not a readable .docx file ({exc}); open and re-save "
                          "it in Word or LibreOffice") from None
    levels = _style_levels(archive)
    body = document.find(f"{_W}body")
    paragraphs = list(_body_paragraphs(body, levels)) if body is not None else []
    return Extracted(paragraphs, _title_property(archive))


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    info = archive.getinfo(name)
    if info.file_size > _MAX_PART:
        raise FormatError("too_long", f"{name} unzips to {info.file_size:,} bytes; refused")
    data = archive.read(info)
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
        raise FormatError("bad_docx", f"{name} declares a DTD, which Word never writes; "
                          "refused")
    return ElementTree.fromstring(data)


def _style_levels(archive: zipfile.ZipFile) -> dict[str, int]:
    """Heading level of each paragraph style id: by name ('heading 2', 'Title') or by the
    style's outline level."""
    try:
        styles = _xml(archive, "word/styles.xml")
    except (KeyError, ElementTree.ParseError):
        return {}
    levels: dict[str, int] = {}
    for style in styles.iter(f"{_W}style"):
        style_id = style.get(f"{_W}styleId")
        name_element = style.find(f"{_W}name")
        name = (name_element.get(f"{_W}val") if name_element is not None else "") or ""
        match = _HEADING_NAME.match(name.strip())
        outline = style.find(f"{_W}pPr/{_W}outlineLvl")
        if name.strip().lower() in ("title", "titre"):
            levels[style_id] = 1
        elif match:
            levels[style_id] = int(match.group(1))
        elif outline is not None and (outline.get(f"{_W}val") or "9").isdigit() \
                and int(outline.get(f"{_W}val")) < 9:
            levels[style_id] = int(outline.get(f"{_W}val")) + 1
    return levels


def _body_paragraphs(body: ElementTree.Element, levels: dict[str, int]):
    for child in body:
        if child.tag == f"{_W}p":
            text = _paragraph_text(child)
            if text.strip():
                yield text, _paragraph_level(child, levels)
        elif child.tag == f"{_W}tbl":
            for row in child.iter(f"{_W}tr"):
                cells = [" ".join(_paragraph_text(p) for p in cell.iter(f"{_W}p")).strip()
                         for cell in row.findall(f"{_W}tc")]
                if any(cells):
                    yield " | ".join(cells), None
        elif child.tag == f"{_W}sdt":  # a content control: its content is body content
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _body_paragraphs(content, levels)


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts = []
    for element in paragraph.iter():
        if element.tag == f"{_W}t":
            parts.append(element.text or "")
        elif element.tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
            parts.append(" ")
    return "".join(parts)


def _paragraph_level(paragraph: ElementTree.Element, levels: dict[str, int]) -> int | None:
    properties = paragraph.find(f"{_W}pPr")
    if properties is None:
        return None
    outline = properties.find(f"{_W}outlineLvl")
    if outline is not None and (outline.get(f"{_W}val") or "").isdigit() \
            and int(outline.get(f"{_W}val")) < 9:
        return int(outline.get(f"{_W}val")) + 1
    style = properties.find(f"{_W}pStyle")
    return levels.get(style.get(f"{_W}val")) if style is not None else None


def _title_property(archive: zipfile.ZipFile) -> str | None:
    try:
        core = _xml(archive, "docProps/core.xml")
    except (KeyError, ElementTree.ParseError, FormatError):
        return None
    title = core.find(_DC_TITLE)
    return title.text.strip() if title is not None and title.text and title.text.strip() \
        else None

"""PDF text in reading order, with pdfminer.six's glyphs and their positions.

pdfminer gives each glyph with its box, in visual order (left to right), and groups them
into lines; this module does the rest, because neither pdfminer nor pypdf gets Arabic
right on its own (see the README's measurements):

1. lines: pdfminer's line pieces on one baseline, close together, are one line (LibreOffice
   writes an Arabic line in several pieces, split where the numbers are);
2. reading order: a right-to-left line (more Arabic letters than Latin ones) is put in
   logical order: glyphs reversed, runs of digits and Latin letters kept left to right,
   brackets mirrored; two columns are read right one first on an Arabic page;
3. furniture: lines at the top or bottom of most pages that read the same (digits
   aside: page numbers) are running headers or footers and are dropped, as is a lone
   page number at a page's top or bottom;
4. paragraphs: a gap wider than the usual line spacing, or a change of font size, ends
   one; a line ending in a hyphen before a lower-case letter is joined without it;
   larger type than the body's is a heading.

Presentation forms (ﻻ and the like) become base letters later, in ingest's normalisation.
A PDF without any glyph (a scan) raises FormatError `no_text_layer`: OCR is out of scope.
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from io import BytesIO

from toolkit.formats import Extracted, FormatError

_MIRRORED = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_PAGE_NUMBER = re.compile(r"^(?:[-–—]\s*)?(?:page|p\.|صفحة|الصفحة)?\s*[\d٠-٩]+"
                          r"(?:\s*(?:/|of|sur|de|من)\s*[\d٠-٩]+)?(?:\s*[-–—])?$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?؟…:;][\"'»”’)\]]*$")
_LIGATURES = re.compile("[\ufb00-\ufb06]")  # ﬁ ﬂ ﬀ ﬃ...: typesetting, not spelling
_HYPHENATED = re.compile(r"[^\W\d_]-$")
# A line on this share of the odd (or even) pages, two at least, at the top or bottom of
# each, is furniture.
_RUNNING_SHARE = 0.6


@dataclass
class Glyph:
    text: str
    x0: float
    x1: float
    size: float


@dataclass
class Line:
    glyphs: list[Glyph]
    top: float
    bottom: float
    baseline: float
    text: str = ""
    rtl: bool = False

    @property
    def x0(self) -> float:
        return min(g.x0 for g in self.glyphs)

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs)

    @property
    def size(self) -> float:
        sizes = [g.size for g in self.glyphs if g.text.strip()]
        return statistics.median(sizes) if sizes else 0.0


@dataclass
class Page:
    lines: list[Line] = field(default_factory=list)
    width: float = 0.0
    unmapped: int = 0  # glyphs pdfminer could only name "(cid:N)"


def read_pdf(data: bytes) -> Extracted:
    pages = _pages(data)
    if not any(page.lines for page in pages):
        unmapped = sum(page.unmapped for page in pages)
        if unmapped:
            raise FormatError("no_text_layer", f"PDF whose {unmapped:,} glyphs map to no "
                              "character (fonts without a Unicode map); OCR is not part of "
                              "the toolkit: run OCR first (e.g. ocrmypdf)")
        raise FormatError("no_text_layer", f"PDF of {len(pages)} page(s) with no text layer "
                          "(a scan?); OCR is not part of the toolkit: run OCR first "
                          "(e.g. ocrmypdf) and ingest its output")
    _unmirror_if_needed([line for page in pages for line in page.lines if line.rtl])
    empty = [number for number, page in enumerate(pages, start=1) if not page.lines]
    _drop_running_lines(pages)
    message = (f"page(s) {', '.join(map(str, empty))} of {len(pages)} have no text layer "
               "(scanned?) and were not read; OCR is not part of the toolkit")
    warnings = [("pages_without_text", message)] if empty else []
    return Extracted(_paragraphs(pages), warnings=warnings)


# --- glyphs to lines ------------------------------------------------------------------


def _pages(data: bytes) -> list[Page]:
    import logging

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams

    # pdfminer logs every oddity of a damaged file as a warning: the record says enough
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        return [_page(layout) for layout in extract_pages(BytesIO(data), laparams=LAParams())]
    except FormatError:
        raise
    # pdfminer raises many kinds on a damaged file (PSEOF, PDFSyntaxError, KeyError...)
    except Exception as exc:  # noqa: BLE001
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise FormatError("encrypted_pdf", "the PDF is encrypted; save an unprotected "
                              "copy first") from None
        detail = " ".join(str(exc).split())[:160]
        raise FormatError("bad_pdf", f"not a readable PDF ({name}: {detail}); re-save or "
                          "print it to PDF again") from None


def _page(layout) -> Page:
    from pdfminer.layout import LTChar, LTTextBox, LTTextLine

    pieces: list[Line] = []
    unmapped = 0
    for box in layout:
        if not isinstance(box, LTTextBox):
            continue
        for line in box:
            if not isinstance(line, LTTextLine):
                continue
            glyphs: list[Glyph] = []
            for item in line:
                if isinstance(item, LTChar) and item.get_text().startswith("(cid:"):
                    unmapped += 1
                elif isinstance(item, LTChar):
                    glyphs.append(Glyph(_LIGATURES.sub(lambda m: unicodedata.normalize(
                        "NFKC", m.group()), item.get_text()), item.x0, item.x1, item.size))
                elif glyphs and item.get_text() == " ":  # a word gap pdfminer inferred
                    glyphs.append(Glyph(" ", glyphs[-1].x1, glyphs[-1].x1, glyphs[-1].size))
            if any(g.text.strip() for g in glyphs):
                # the glyphs' origin, not the box's bottom: fonts differ in descent
                baseline = statistics.median(item.matrix[5] for item in line
                                             if isinstance(item, LTChar))
                pieces.append(Line(glyphs, line.y1, line.y0, baseline))
    page = Page(_merged_lines(pieces), layout.width, unmapped)
    for line in page.lines:
        line.glyphs = _marks_on_their_letters(line.glyphs)
        line.rtl = _is_rtl(line.glyphs)
        line.text = " ".join(_logical_text(line.glyphs, line.rtl).split())
    return page


def _merged_lines(pieces: list[Line]) -> list[Line]:
    """Pieces on one baseline that nearly touch are one line; the result top to bottom,
    left to right."""
    pieces.sort(key=lambda p: (-round(p.baseline), p.x0))
    lines: list[Line] = []
    for piece in pieces:
        near = next((line for line in reversed(lines[-4:])
                     if abs(line.baseline - piece.baseline) < 0.3 * max(piece.size, 1)
                     and -1 < piece.x0 - line.x1 < 0.6 * max(piece.size, 1)), None)
        if near is None:
            lines.append(piece)
            continue
        if near.glyphs[-1].text != " " and piece.glyphs[0].text != " " and \
                piece.x0 - near.x1 > 0.2 * max(piece.size, 1):
            near.glyphs.append(Glyph(" ", near.x1, near.x1, near.glyphs[-1].size))
        near.glyphs.extend(piece.glyphs)
        near.top, near.bottom = max(near.top, piece.top), min(near.bottom, piece.bottom)
    return lines


def _is_mark(glyph: Glyph) -> bool:
    return bool(glyph.text) and all(unicodedata.combining(c) for c in glyph.text)


def _marks_on_their_letters(glyphs: list[Glyph]) -> list[Glyph]:
    """A combining mark (Arabic vowel signs, shadda) drawn as its own glyph joins its
    letter, so that reordering keeps it after that letter. Chromium and LibreOffice
    both draw the mark just left of the letter's box: the letter is the next glyph to
    the right (else the one before)."""
    # pdfminer infers a word gap (a zero-width space) after a mark that stands apart
    glyphs = [g for i, g in enumerate(glyphs)
              if not (g.text == " " and g.x0 == g.x1 and i and _is_mark(glyphs[i - 1]))]
    kept: list[Glyph] = []
    for index, glyph in enumerate(glyphs):
        if not _is_mark(glyph):
            kept.append(glyph)
            continue
        following = glyphs[index + 1] if index + 1 < len(glyphs) else None
        if following is not None and following.text.strip() and not _is_mark(following):
            following.text = following.text + glyph.text
        elif kept and kept[-1].text.strip():
            kept[-1].text += glyph.text
        else:
            kept.append(glyph)
    return kept


# --- right-to-left lines ----------------------------------------------------------------


def _class(glyph: Glyph) -> str:
    """'R' (Arabic, Hebrew), 'L' (letters written left to right), 'N' (digits, either
    kind: they run left to right), or 'neutral' (spaces, punctuation, marks)."""
    classes = set()
    for char in glyph.text:
        kind = unicodedata.bidirectional(char)
        classes.add("R" if kind in ("R", "AL") else "L" if kind == "L"
                    else "N" if kind in ("EN", "AN") else "neutral")
    classes.discard("neutral")
    return classes.pop() if len(classes) == 1 else "neutral"


def _is_rtl(glyphs: list[Glyph]) -> bool:
    rtl = sum(1 for g in glyphs for c in g.text if unicodedata.bidirectional(c) in ("R", "AL"))
    latin = sum(1 for g in glyphs for c in g.text if unicodedata.bidirectional(c) == "L")
    return rtl > 0 and rtl >= latin


def _logical_text(glyphs: list[Glyph], rtl: bool) -> str:
    """The line's text in reading order from its glyphs in visual order.

    A right-to-left line is read from its right end, except inside runs of left-to-right
    text (Latin words with the spaces between them; numbers with the separator inside
    them), and its neutral brackets are mirrored (see _unmirror_if_needed). In a
    left-to-right line, runs of Arabic (a name quoted in a French sentence) are reversed
    the same way.
    """
    units = [(g.text, _class(g)) for g in glyphs]
    if not rtl:
        return "".join(_with_runs_reversed(units, {"R"}))
    return "".join(_with_runs_reversed(units[::-1], {"L", "N"}, mirror_outside=True))


def _with_runs_reversed(units: list[tuple[str, str]], run_classes: set[str], *,
                        mirror_outside: bool = False) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(units):
        text, kind = units[i]
        if kind not in run_classes:
            out.append(_mirror(text, mirror_outside and kind == "neutral"))
            i += 1
            continue
        end = i
        while end + 1 < len(units) and (units[end + 1][1] in run_classes
                                        or _joins(units, end + 1, run_classes)):
            end += 1 if units[end + 1][1] != "neutral" else 2
        run = units[i:end + 1][::-1]
        out.extend(_mirror(t, not mirror_outside and k == "neutral") for t, k in run)
        i = end + 1
    return out


def _joins(units: list[tuple[str, str]], index: int, run_classes: set[str]) -> bool:
    """Whether the neutral at `index` belongs to the run around it: any neutral between
    two letters of the run's direction; one mark of punctuation between two digits
    (12,4 or 2025/06)."""
    if index + 1 >= len(units) or units[index][1] != "neutral":
        return False
    before, after = units[index - 1][1], units[index + 1][1]
    if before != after or before not in run_classes:
        return False
    return before in ("L", "R") or bool(units[index][0].strip())


def _mirror(text: str, mirrored: bool) -> str:
    return text.translate(_MIRRORED) if mirrored else text


def _unmirror_if_needed(rtl_lines: list[Line]) -> None:
    """Chromium maps a mirrored bracket's glyph to the character it looks like, and
    LibreOffice to the character it stands for: the document's right-to-left lines are
    read both ways and keep the one whose brackets open before they close."""
    mirrored = sum(_bracket_order(line.text) for line in rtl_lines)
    plain = sum(_bracket_order(line.text.translate(_MIRRORED)) for line in rtl_lines)
    if plain > mirrored:
        for line in rtl_lines:
            line.text = line.text.translate(_MIRRORED)


def _bracket_order(text: str) -> int:
    """Closing brackets that close an opened one, less those that do not."""
    pairs = {")": "(", "]": "[", "}": "{", "»": "«"}
    opened: list[str] = []
    score = 0
    for char in text:
        if char in "([{«":
            opened.append(char)
        elif char in pairs:
            if opened and opened[-1] == pairs[char]:
                opened.pop()
                score += 1
            else:
                score -= 1
    return score


# --- running headers and footers ---------------------------------------------------------


def _edge_lines(page: Page) -> list[Line]:
    """Lines on the page's two highest and two lowest baselines."""
    baselines = sorted({round(line.baseline) for line in page.lines})
    edges = set(baselines[:2] + baselines[-2:])
    return [line for line in page.lines if round(line.baseline) in edges]


def _shape(text: str) -> str:
    return re.sub(r"[\d٠-٩]+", "#", text.casefold())


def _drop_running_lines(pages: list[Page]) -> None:
    """Counted among odd and even pages apart: a header may run on right-hand pages only
    (LibreOffice's HTML import puts it there; books alternate them)."""
    counts: dict[tuple[int, str], int] = {}
    for number, page in enumerate(pages):
        for shape in {_shape(line.text) for line in _edge_lines(page)}:
            counts[number % 2, shape] = counts.get((number % 2, shape), 0) + 1
    for number, page in enumerate(pages):
        needed = max(2, _RUNNING_SHARE * len(pages[number % 2::2]))
        drop = {id(line) for line in _edge_lines(page)
                if counts[number % 2, _shape(line.text)] >= needed
                or _PAGE_NUMBER.match(line.text)}
        page.lines = [line for line in page.lines if id(line) not in drop]


# --- lines to paragraphs -------------------------------------------------------------------


def _reading_order(page: Page) -> list[Line]:
    """Top to bottom; where the page runs in two columns, one column after the other
    (the right one first on a right-to-left page)."""
    if not page.lines:
        return []
    middle = (min(line.x0 for line in page.lines) + max(line.x1 for line in page.lines)) / 2
    rtl = sum(line.rtl for line in page.lines) * 2 > len(page.lines)
    ordered: list[Line] = []
    segment: list[Line] = []

    def flush() -> None:
        left = [line for line in segment if line.x1 <= middle + 2]
        right = [line for line in segment if line.x1 > middle + 2]
        if len(left) >= 2 and len(right) >= 2:
            ordered.extend(right + left if rtl else left + right)
        else:
            ordered.extend(segment)
        segment.clear()

    for line in page.lines:  # already top to bottom
        if line.x0 < middle - 2 < middle + 2 < line.x1:  # across the middle: one column
            flush()
            ordered.append(line)
        else:
            segment.append(line)
    flush()
    return ordered


def _paragraphs(pages: list[Page]) -> list[tuple[str, int | None]]:
    lines = [line for page in pages for line in _reading_order(page)]
    sizes = [line.size for line in lines if line.size]
    body_size = statistics.median(sizes) if sizes else 0.0
    pitches = [a.baseline - b.baseline for a, b in itertools.pairwise(lines)
               if 0 < a.baseline - b.baseline < 3 * max(a.size, 1)
               and abs(a.size - b.size) < 0.5]
    # The shorter steps from a line to the next are inside paragraphs: their lower
    # quartile is the line spacing, and a wider step ends a paragraph.
    pitch = sorted(pitches)[len(pitches) // 4] if pitches else 0.0
    paragraphs: list[tuple[list[Line], int | None]] = []
    previous: Line | None = None
    for line in _table_rows(lines):
        level = 1 if body_size and line.size >= 1.2 * body_size else None
        scale = max(1.0, line.size / body_size) if body_size else 1.0
        if previous is None or not _continues(previous, line, pitch * scale) or \
                paragraphs[-1][1] != level or " | " in line.text or " | " in previous.text:
            paragraphs.append(([line], level))
        else:
            paragraphs[-1][0].append(line)
        previous = line
    return [(_joined(group), level) for group, level in paragraphs]


def _table_rows(lines: list[Line]) -> list[Line]:
    """Lines side by side on one baseline, one after the other in reading order, are the
    cells of a table row: one line, cells joined by " | " (as .docx tables are read),
    right to left on an Arabic row."""
    groups: list[list[Line]] = []
    for line in lines:
        last = groups[-1][-1] if groups else None
        if last is not None and abs(last.baseline - line.baseline) < 0.3 * max(line.size, 1):
            groups[-1].append(line)
        else:
            groups.append([line])
    rows = []
    for cells in groups:
        if len(cells) == 1:
            rows.append(cells[0])
            continue
        rtl = sum(cell.rtl for cell in cells) * 2 > len(cells)
        cells.sort(key=lambda cell: -cell.x0 if rtl else cell.x0)
        rows.append(Line([g for cell in cells for g in cell.glyphs], max(c.top for c in cells),
                         min(c.bottom for c in cells), cells[0].baseline,
                         " | ".join(cell.text for cell in cells), rtl))
    return rows


def _continues(previous: Line, line: Line, pitch: float) -> bool:
    """The same paragraph: the next line at the usual spacing, or at the top of the next
    column or page after a line that ends no sentence."""
    step = previous.baseline - line.baseline
    if abs(previous.size - line.size) >= 0.5 or not pitch:
        return False
    if step <= 0:
        return not _SENTENCE_END.search(previous.text)
    return step <= min(pitch * 1.3, 2 * max(line.size, 1))


def _joined(lines: list[Line]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        if not line.rtl and _HYPHENATED.search(text) and line.text[:1].islower():
            text = text[:-1] + line.text
        else:
            text = f"{text} {line.text}"
    return text

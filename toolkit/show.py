"""`toolkit show`: records as a table a person reads on a terminal.

One row per record: title, language, date, people, summary. Title and summary are shown
in translation when the record has one (`--to`), else in the source language with a
mark saying translation was skipped, and a note at the end says why (the missing
package and the command that installs it).
"""

from __future__ import annotations

import shutil
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

from toolkit.records import Record

COLUMNS = (("title", 0.28), ("lang", 0.0), ("date", 0.0), ("people", 0.2), ("summary", 0.52))
FIXED = {"lang": 4, "date": 10}
MAX_LINES = {"title": 3, "people": 3, "summary": 5}  # a row stays a glance, not a page
UNTRANSLATED = "*"


def _translation(record: Record, to: str) -> dict[str, Any]:
    translation = (record.get("translations") or {}).get(to)
    return translation if isinstance(translation, dict) else {}


def _summary_text(record: Record, to: str) -> tuple[str, bool]:
    summary = record.get("summary")
    if not isinstance(summary, dict) or not summary:
        return "", True
    chosen = summary.get(record.get("lang")) or next(iter(summary.values()))
    sentences = chosen.get("sentences") if isinstance(chosen, dict) else None
    if not isinstance(sentences, list):
        return "", True
    translated = [(s.get("translations") or {}).get(to) for s in sentences]
    if record.get("lang") == to:
        return " ".join(str(s.get("text", "")) for s in sentences), True
    if sentences and all(isinstance(t, str) and t for t in translated):
        return " ".join(translated), True
    return " ".join(str(s.get("text", "")) for s in sentences), False


def _date(fields: dict[str, Any]) -> str:
    published = fields.get("published")
    if isinstance(published, str) and published:
        return published[:10]
    for date in fields.get("dates") or []:
        if isinstance(date, dict) and date.get("iso"):
            return str(date["iso"])[:10]
    return ""


def _people(fields: dict[str, Any]) -> str:
    names = []
    for person in fields.get("people") or []:
        if isinstance(person, dict):
            name = person.get("name_en") or person.get("name")
            if name and name not in names:
                names.append(str(name))
    return ", ".join(names)


def table_row(record: Record, to: str = "en") -> dict[str, Any]:
    fields = record.get("fields") if isinstance(record.get("fields"), dict) else {}
    lang = str(record.get("lang") or "")
    title = _translation(record, to).get("title")
    title_translated = lang == to or bool(title)
    summary, summary_translated = _summary_text(record, to)
    if record.get("errors") and "text" not in record:
        summary = "; ".join(str(e.get("message", "")) for e in record["errors"])
    untranslated = not (title_translated and (summary_translated or not summary))
    return {
        "title": title or record.get("title") or fields.get("title") or record.get("id") or "",
        "lang": f"{lang} {UNTRANSLATED}" if untranslated and lang else lang,
        "date": _date(fields),
        "people": _people(fields),
        "summary": summary,
        "untranslated": untranslated,
    }


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _cell(text: str, width: int, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = textwrap.shorten(lines[-1] + " …", width, placeholder=" …")
        if not lines[-1].endswith("…"):
            lines[-1] = lines[-1][: width - 2] + " …"
    return lines


def format_table(rows: list[dict[str, Any]], width: int) -> str:
    flexible = width - sum(FIXED.values()) - 3 * (len(COLUMNS) - 1)
    widths = {name: FIXED.get(name) or max(8, int(flexible * share)) for name, share in COLUMNS}
    lines = [" | ".join(_pad(name, widths[name]) for name, _ in COLUMNS).rstrip()]
    lines.append("-+-".join("-" * widths[name] for name, _ in COLUMNS))
    for row in rows:
        cells = {name: _cell(row[name], widths[name], MAX_LINES.get(name, 1))
                 for name, _ in COLUMNS}
        for i in range(max(len(c) for c in cells.values())):
            parts = [_pad(cells[name][i] if i < len(cells[name]) else "", widths[name])
                     for name, _ in COLUMNS]
            lines.append(" | ".join(parts).rstrip())
        lines.append("")
    return "\n".join(lines)


def skipped_notes(records: list[Record]) -> list[str]:
    """One line per distinct reason translation was skipped (missing packages)."""
    reasons: Counter[str] = Counter()
    for record in records:
        for entry in (record.get("warnings") or []) + (record.get("errors") or []):
            if entry.get("stage") == "translate" and str(entry.get("code", "")).startswith(
                    "missing_"):
                reasons[str(entry.get("message", ""))] += 1
    return [f"{n} record(s) not translated: {reason}" for reason, n in sorted(reasons.items())]


def render(records: Iterable[Record], to: str = "en", width: int | None = None) -> str:
    records = list(records)
    width = width or min(shutil.get_terminal_size((120, 24)).columns, 160)
    rows = [table_row(r, to) for r in records]
    text = format_table(rows, width)
    notes = skipped_notes(records)
    if any(row["untranslated"] for row in rows):
        notes.insert(0, f"{UNTRANSLATED} = title and summary shown in the source language: "
                     f"not translated into {to}")
    return text + ("\n".join(notes) + "\n" if notes else "")

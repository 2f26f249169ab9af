"""`toolkit show`: records as a table a person reads on a terminal.

One row per record: title, language, date, people, summary. Any JSON value may stand
where a string or object is expected (records come from anywhere): it is shown as
JSON text or left out, never a crash. Title and summary are shown
in translation when the record has one (`--to`), else in the source language with a
mark saying translation was skipped, and a note at the end says why (the missing
package and the command that installs it).
"""

from __future__ import annotations

import json
import shutil
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

from toolkit.records import Record, as_dict, as_list

COLUMNS = (("title", 0.28), ("lang", 0.0), ("date", 0.0), ("people", 0.2), ("summary", 0.52))
FIXED = {"lang": 4, "date": 10}
MAX_LINES = {"title": 3, "people": 3, "summary": 5}  # a row stays a glance, not a page
UNTRANSLATED = "*"


def _text(value: Any) -> str:
    """A cell's text from any JSON value a record may carry where a string belongs."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _translation(record: Record, to: str) -> dict[str, Any]:
    return as_dict(as_dict(record.get("translations")).get(to))


def _summary_text(record: Record, to: str) -> tuple[str, bool]:
    summary = as_dict(record.get("summary"))
    if not summary:
        return "", True
    chosen = summary.get(_text(record.get("lang"))) or next(iter(summary.values()))
    sentences = [as_dict(s) for s in as_list(as_dict(chosen).get("sentences"))]
    if not sentences:
        return "", True
    translated = [as_dict(s.get("translations")).get(to) for s in sentences]
    source = " ".join(_text(s.get("text")) for s in sentences)
    if record.get("lang") == to:
        return source, True
    if all(isinstance(t, str) and t for t in translated):
        return " ".join(translated), True
    return source, False


def _date(fields: dict[str, Any]) -> str:
    published = fields.get("published")
    if isinstance(published, str) and published:
        return published[:10]
    for date in as_list(fields.get("dates")):
        if isinstance(date, dict) and date.get("iso"):
            return _text(date["iso"])[:10]
    return ""


def _people(fields: dict[str, Any]) -> str:
    names = []
    for person in as_list(fields.get("people")):
        if isinstance(person, dict):
            name = _text(person.get("name_en") or person.get("name"))
            if name and name not in names:
                names.append(name)
    return ", ".join(names)


def table_row(record: Record, to: str = "en") -> dict[str, Any]:
    fields = as_dict(record.get("fields"))
    lang = _text(record.get("lang"))
    title = _text(_translation(record, to).get("title"))
    title_translated = lang == to or bool(title)
    summary, summary_translated = _summary_text(record, to)
    errors = as_list(record.get("errors"))
    if errors and "text" not in record:
        summary = "; ".join(_text(as_dict(e).get("message") if isinstance(e, dict) else e)
                            for e in errors)
    untranslated = not (title_translated and (summary_translated or not summary))
    return {
        "title": title or _text(record.get("title") or fields.get("title") or record.get("id")),
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
        for entry in map(as_dict, as_list(record.get("warnings")) + as_list(record.get("errors"))):
            if entry.get("stage") == "translate" and _text(entry.get("code")).startswith(
                    "missing_"):
                reasons[_text(entry.get("message"))] += 1
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

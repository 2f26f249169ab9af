"""`toolkit digest`: records as one self-contained HTML page to read in a browser.

One card per story (records carrying `story.id`, grouped; story records from
`toolkit stories --emit stories` add their multi-document summary) or per document
where there are no stories: the translated title, languages, date and dateline, the
summary in the target language beside each source sentence (right-to-left scripts get
`dir="rtl"` and `lang`), people, organisations and places with counts, and the members.
At the top, a timeline of the stories by day and filters by language, person and place;
`#lang=ar&person=...&place=...&day=YYYY-MM-DD&page=N` in the address sets them on load.

The page works from a file:// path with no network: the CSS and the script are inline,
a Content-Security-Policy allows only those two (by hash) and nothing remote. Documents
are untrusted: their text travels as a JSON blob (`<`, `>` and `&` escaped, so no
`</script>` can end it) and the script puts it in the page with textContent only, pages
of PAGE_SIZE cards at a time, so 10,000 records open without freezing. The same records
give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from toolkit.records import Record, as_dict, as_list

PAGE_SIZE = 50
RTL_LANGS = frozenset({"ar", "fa", "he", "ur", "ps", "yi"})
MAX_FILTER_CHOICES = 500  # a <select> longer than this helps nobody; the busiest are kept
DEFAULT_TITLE = "Digest"
_LANG_CODE = re.compile(r"^[a-z]{2,3}$")


# --- reading any JSON value a record may hold --------------------------------------------


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _lang(value: Any) -> str:
    """A language code safe to put in a `lang` attribute, else ''."""
    return value if isinstance(value, str) and _LANG_CODE.match(value) else ""


def _id(value: Any) -> str:
    """A record's id as text: a string or a number; anything else is no id."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else ""


def _date(fields: dict[str, Any]) -> str:
    """fields.published, else the first of fields.dates, as YYYY-MM-DD; else ''."""
    candidates = [fields.get("published")] + [as_dict(d).get("iso") for d in as_list(fields.get("dates"))]
    for value in candidates:
        if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
            return value[:10]
    return ""


def _dateline(fields: dict[str, Any]) -> str:
    dateline = as_dict(fields.get("dateline"))
    return ", ".join(part for part in (_text(dateline.get("place")), _text(dateline.get("agency")))
                     if part)


def _source_link(record: Record) -> str:
    """A file:// URI for an absolute source path; '' otherwise (never a scheme a record chose)."""
    path = as_dict(record.get("source")).get("path")
    if not isinstance(path, str) or not path.startswith("/") or "\x00" in path:
        return ""
    return Path(path).as_uri()


# --- one document ----------------------------------------------------------------------


def _names(fields: dict[str, Any], key: str, to: str) -> list[str]:
    """Distinct names in fields.<key> (people's English names when reading in English)."""
    names: list[str] = []
    for item in map(as_dict, as_list(fields.get(key))):
        name = _text(item.get("name_en")) if to == "en" else ""
        name = name or _text(item.get("name"))
        if key == "organisations" and _text(item.get("acronym")) and name != item["acronym"]:
            name = f"{name} ({_text(item['acronym'])})"
        if name and name not in names:
            names.append(name)
    return names


def _summary_pairs(record: Record, to: str) -> list[dict[str, str]]:
    """[{t: sentence in `to` or '', s: source sentence or '', l: source language}].

    The summary of the source text (summary.<lang>) is shown through its sentences'
    translations; a summary made on the translation (summary.<to>, `summarize --on to`)
    through the source sentences the translation aligns with them.
    """
    lang = _lang(record.get("lang"))
    summary = as_dict(record.get("summary"))
    key = next((k for k in (lang, to) if k and k in summary), next(iter(summary), None))
    aligned = [as_dict(s) for s in as_list(as_dict(as_dict(record.get("translations")).get(to))
                                       .get("sentences"))]
    pairs = []
    for sentence in map(as_dict, as_list(as_dict(summary.get(key)).get("sentences"))):
        text = _text(sentence.get("text"))
        index = sentence.get("index")
        pair = aligned[index] if isinstance(index, int) and 0 <= index < len(aligned) else {}
        if not text:
            continue
        if key == to:
            source = "" if lang in ("", to) else _text(pair.get("source"))
            pairs.append({"t": text, "s": source, "l": lang})
        else:
            translated = (_text(as_dict(sentence.get("translations")).get(to))
                          or _text(pair.get("target")))
            pairs.append({"t": translated, "s": text, "l": _lang(key) or lang})
    return pairs


def document_view(record: Record, to: str = "en") -> dict[str, Any]:
    """What the page shows of one document (also a story of one)."""
    fields = as_dict(record.get("fields"))
    lang = _lang(record.get("lang"))
    source_title = _text(record.get("title")) or _text(fields.get("title"))
    translated = _text(as_dict(as_dict(record.get("translations")).get(to)).get("title"))
    if lang == to:
        translated = source_title
    return {
        "id": _id(record.get("id")),
        "lang": lang,
        "title": translated,
        "source_title": source_title if source_title != translated else "",
        "date": _date(fields),
        "dateline": _dateline(fields),
        "summary": _summary_pairs(record, to),
        "people": _names(fields, "people", to),
        "orgs": _names(fields, "organisations", to),
        "places": _names(fields, "places", to),
        "link": _source_link(record),
        "errors": [_text(as_dict(e).get("message")) for e in as_list(record.get("errors"))
                   if _text(as_dict(e).get("message"))][:3],
    }


# --- stories -----------------------------------------------------------------------------


def _story_id(record: Record) -> str | None:
    story = record.get("story")
    if isinstance(story, dict) and isinstance(story.get("id"), str) and story["id"]:
        return story["id"]
    return None


def _is_story_record(record: Record) -> bool:
    """A record of `--emit stories`: members, no text of its own."""
    return isinstance(record.get("members"), list) and "text" not in record


def _counted(views: list[dict[str, Any]], key: str) -> list[list[Any]]:
    """[[name, members naming it]], most frequent first, then by name."""
    counts = Counter(name for view in views for name in view[key])
    return [[name, n] for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _story_summary(story: Record, members: dict[str, dict], to: str) -> list[dict[str, str]]:
    """A story record's summary in `to`, each sentence beside its source where known."""
    sentences = [as_dict(s) for s in as_list(as_dict(as_dict(story.get("summary")).get(to))
                                         .get("sentences"))]
    pairs = []
    for sentence in sentences:
        text = _text(sentence.get("text"))
        member = members.get(str(sentence.get("member")), {})
        source = ""
        if sentence.get("from") == f"translations.{to}":
            index = sentence.get("index")
            aligned = as_list(as_dict(as_dict(member.get("translations")).get(to)).get("sentences"))
            if isinstance(index, int) and 0 <= index < len(aligned):
                source = _text(as_dict(aligned[index]).get("source"))
        if text:
            pairs.append({"t": text, "s": source, "l": _lang(member.get("lang"))})
    return pairs


def _from_story_record(story: Record, to: str) -> dict[str, Any]:
    """The card of a story record whose members are not among the input."""
    fields = as_dict(story.get("fields"))
    counted = {key: [[_text(as_dict(i).get("name")), as_dict(i).get("members")]
                     for i in as_list(fields.get(key)) if _text(as_dict(i).get("name"))
                     and isinstance(as_dict(i).get("members"), int)]
               for key in ("people", "organisations", "places")}
    return {
        "id": _text(story.get("id")),
        "title": _text(story.get("title")),
        "source_title": "",
        "langs": sorted({_lang(x) for x in as_list(story.get("languages")) if _lang(x)}),
        "date": (story.get("first_date") or "")[:10] if isinstance(story.get("first_date"),
                                                                    str) else "",
        "dateline": "",
        "summary": _story_summary(story, {}, to),
        "people": counted["people"], "orgs": counted["organisations"],
        "places": counted["places"],
        "members": [{"id": _text(m), "title": "", "lang": "", "link": ""}
                    for m in as_list(story.get("members")) if _text(m)],
        "errors": [],
    }


def _card(key: str, views: list[dict[str, Any]], records: dict[str, Record],
          story: Record | None, to: str) -> dict[str, Any]:
    """One story's card from its members' views (in order) and its story record, if any."""
    dated = sorted(views, key=lambda v: (v["date"] or "9999", v["id"]))
    lead = next((v for v in dated if v["title"] and (v["lang"] == to or v["summary"])), dated[0])
    summary = lead["summary"]
    if story is not None and (pairs := _story_summary(story, records, to)):
        summary = pairs
    return {
        "id": key,
        "title": lead["title"],
        "source_title": lead["source_title"],
        "lang": lead["lang"],
        "langs": sorted({v["lang"] for v in views if v["lang"]}),
        "date": next((v["date"] for v in dated if v["date"]), ""),
        "dateline": lead["dateline"],
        "summary": summary,
        "people": _counted(views, "people"),
        "orgs": _counted(views, "orgs"),
        "places": _counted(views, "places"),
        "members": [{"id": v["id"], "title": v["title"] or v["source_title"],
                     "lang": v["lang"], "link": v["link"]} for v in dated],
        "errors": [e for v in views for e in v["errors"]][:3],
    }


def stories(records: Iterable[Record], to: str = "en") -> list[dict[str, Any]]:
    """The cards of the page, newest day first: one per story, or per document."""
    groups: dict[str, list[dict[str, Any]]] = {}
    members: dict[str, Record] = {}
    story_records: dict[str, Record] = {}
    for position, record in enumerate(records):
        if not isinstance(record, dict) or "raw" in record:
            continue  # a line that was not JSON: said on stderr, nothing to show
        if _is_story_record(record):
            story_records[_text(record.get("id"))] = record
            continue
        view = document_view(record, to)
        key = _story_id(record) or f"doc:{view['id'] or position}"
        groups.setdefault(key, []).append(view)
        if _story_id(record):
            members[view["id"]] = _lean(record, to)
    cards = [_card(key, views, members, story_records.get(key), to)
             for key, views in groups.items()]
    cards += [_from_story_record(story, to) for key, story in story_records.items()
              if key not in groups]
    return sorted(cards, key=lambda c: (c["date"] == "", _reverse(c["date"]), c["id"]))


def _lean(record: Record, to: str) -> Record:
    """What a story record's summary needs of a member: its language and aligned sentences."""
    aligned = as_dict(as_dict(record.get("translations")).get(to)).get("sentences")
    return {"lang": record.get("lang"), "translations": {to: {"sentences": aligned}}}


def _reverse(date: str) -> str:
    """A key that sorts YYYY-MM-DD newest first."""
    return "".join(chr(0x10000 - ord(ch)) for ch in date)


# --- the page ------------------------------------------------------------------------------


def _choices(cards: list[dict[str, Any]], key: str) -> list[str]:
    """Filter choices: names by the number of cards naming them, at most MAX_FILTER_CHOICES."""
    counts = Counter(name for card in cards for name, _ in card[key])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return sorted(name for name, _ in ranked[:MAX_FILTER_CHOICES])


def page_data(cards: list[dict[str, Any]], to: str, page_size: int) -> dict[str, Any]:
    days = Counter(card["date"] for card in cards if card["date"])
    return {
        "to": to,
        "toRtl": to in RTL_LANGS,
        "rtl": sorted(RTL_LANGS),
        "pageSize": page_size,
        "stories": cards,
        "days": [[day, n] for day, n in sorted(days.items())],
        "langs": sorted({lang for card in cards for lang in card["langs"]}),
        "people": _choices(cards, "people"),
        "places": _choices(cards, "places"),
    }


def json_for_script(data: Any) -> str:
    """JSON safe inside <script type="application/json">: no `<`, `>` or `&` left raw, so
    neither `</script>` nor `<!--` in a document can end or bend the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _asset(name: str) -> str:
    return resources.files("toolkit.data").joinpath(name).read_text("utf-8")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def digest_html(records: Iterable[Record], *, to: str = "en", title: str = DEFAULT_TITLE,
                page_size: int = PAGE_SIZE) -> str:
    """The digest page of `records` as one HTML document (a str).

    Example:
        >>> from toolkit import digest
        >>> page = digest.digest_html([{"id": "a", "lang": "en", "title": "Hello",
        ...                             "text": "Hello world."}])
        >>> "Hello" in page and page.startswith("<!DOCTYPE html>")
        True
    """
    return render_page(stories(records, to), to=to, title=title, page_size=page_size)


def render_page(cards: list[dict[str, Any]], *, to: str, title: str, page_size: int) -> str:
    """The HTML of the page showing `cards` (from `stories`)."""
    if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
        raise ValueError(f"page_size {page_size!r}: expected a whole number >= 1")
    style, script = _asset("digest.css"), _asset("digest.js")
    csp = (f"default-src 'none'; style-src {_csp_hash(style)}; script-src {_csp_hash(script)}; "
           "img-src 'none'; base-uri 'none'; form-action 'none'")
    heading = html.escape(title)
    direction = ' dir="rtl"' if to in RTL_LANGS else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(_lang(to) or "en")}"{direction}>\n<head>\n'
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{heading}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        f'<header><h1>{heading}</h1><p id="count"></p></header>\n'
        '<nav id="timeline" aria-label="Stories by day"></nav>\n'
        '<form id="filters" role="search"></form>\n'
        '<main id="stories"></main>\n<nav id="pager" aria-label="Pages"></nav>\n'
        '<noscript>This page needs JavaScript to show the stories.</noscript>\n'
        f'<script type="application/json" id="digest-data">'
        f"{json_for_script(page_data(cards, to, page_size))}</script>\n"
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def write_digest(records: Iterable[Record], output: Path | str | None = None, *, to: str = "en",
                 title: str = DEFAULT_TITLE, page_size: int = PAGE_SIZE) -> int:
    """Write the digest page to `output` (atomically: renamed when complete) or stdout;
    return the number of cards (stories, or documents where there are none).

    Example:
        >>> from toolkit import digest
        >>> digest.write_digest(records, "digest.html", to="en")  # doctest: +SKIP
        12
    """
    from toolkit.output import Output

    cards = stories(records, to)
    page = render_page(cards, to=to, title=title, page_size=page_size)
    with Output(output) as stream:
        stream.write(page.encode("utf-8"))
    return len(cards)


def digest_command(*, input: Path | str | None, output: Path | str | None, to: str,
                   title: str, page_size: int, quiet: bool) -> int:
    """`toolkit digest`: read JSON Lines, write the page; return the exit status.

    A line that is not JSON is said on stderr and left out of the page (status 1); an
    error record an earlier stage wrote is old news, not said again (status 0).
    """
    import sys

    from toolkit.records import (
        EXIT_ERRORS,
        EXIT_OK,
        EXIT_USAGE,
        Report,
        finish,
        known_errors,
        open_input,
        read_records,
        usage_problem,
    )

    stage = "digest"
    report = Report(stage, quiet)
    if problem := usage_problem(input, output):
        report.say(problem, essential=True)
        return EXIT_USAGE
    stream = open_input(input)

    def watched(records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            report.new_errors(record, known_errors(record))
            yield record

    def work() -> int:
        write_digest(watched(read_records(stream, stage)), output, to=to, title=title,
                     page_size=page_size)
        report.close()
        return EXIT_ERRORS if report.codes else EXIT_OK

    try:
        return finish(stage, work)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()

"""Visible article text of an HTML page, as blocks, with the standard library's parser.

Drops what a reader does not see as the article: script, style, nav, footer, aside,
forms, comments, hidden elements and elements whose class or id names site furniture
(share bars, comment sections, related links; the lists are in boilerplate.json).
When the page has <article> elements, only their content is kept, and each one is
numbered so `--split-articles` can make a record of each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_BLOCK = {"p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5",
          "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "blockquote",
          "pre", "figure", "figcaption", "address", "br", "hr", "center", "body", "caption"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_NEVER_SKIPPED = {"html", "body", "main", "article"}


@dataclass
class HtmlBlock:
    text: str
    level: int | None = None
    article: int | None = None


@lru_cache(maxsize=1)
def _skip_lists() -> tuple[frozenset[str], frozenset[str]]:
    data = json.loads(resources.files("toolkit.data").joinpath("boilerplate.json")
                      .read_text("utf-8"))["html_skip"]
    return frozenset(data["tags"]), frozenset(data["class_words"])


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_tags, self.skip_words = _skip_lists()
        self.blocks: list[HtmlBlock] = []
        self.buffer: list[str] = []
        self.skipping: tuple[str, int] | None = None  # (tag, nesting depth)
        self.level: int | None = None
        self.articles = 0
        self.article_depth = 0
        self.in_pre = 0
        self.in_title = False
        self.page_title: list[str] = []

    # -- skipping ------------------------------------------------------------------
    def _skips(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in self.skip_tags:
            return True
        if tag in _NEVER_SKIPPED:
            return False
        values = dict(attrs)
        if "hidden" in values or (values.get("aria-hidden") or "").lower() == "true":
            return True
        if re.search(r"display\s*:\s*none", values.get("style") or "", re.IGNORECASE):
            return True
        names = f"{values.get('class') or ''} {values.get('id') or ''}".lower().split()
        return any(self._furniture(name) for name in names)

    def _furniture(self, name: str) -> bool:
        if name in self.skip_words:
            return True
        parts = re.split(r"[-_]", name)
        return parts[0] in self.skip_words or parts[-1] in self.skip_words

    # -- parser events -------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if self.skipping:
            if tag == self.skipping[0] and tag not in _VOID:
                self.skipping = (tag, self.skipping[1] + 1)
            return
        if tag != "title" and self._skips(tag, attrs) and tag not in _VOID:
            self.flush()
            self.skipping = (tag, 1)
            return
        if tag in _BLOCK:
            self.flush()
        if tag in _HEADINGS:
            self.level = _HEADINGS[tag]
        elif tag == "article":
            if self.article_depth == 0:
                self.articles += 1
            self.article_depth += 1
        elif tag == "pre":
            self.in_pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skipping:
            if tag == self.skipping[0]:
                depth = self.skipping[1] - 1
                self.skipping = (tag, depth) if depth else None
            return
        if tag in _BLOCK:
            self.flush()
        if tag in _HEADINGS:
            self.level = None
        elif tag == "article" and self.article_depth:
            self.article_depth -= 1
        elif tag == "pre" and self.in_pre:
            self.in_pre -= 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page_title.append(data)
            return
        if self.skipping:
            return
        if self.in_pre:
            lines = data.split("\n")
            for line in lines[:-1]:
                self.buffer.append(line)
                self.flush()
            self.buffer.append(lines[-1])
        else:
            self.buffer.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        if text:
            article = self.articles if self.article_depth else None
            self.blocks.append(HtmlBlock(text, self.level, article))


def html_blocks(html: str) -> tuple[list[HtmlBlock], str | None]:
    """(blocks, page <title>) of the visible text; only <article> content when present."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    parser.flush()
    blocks = parser.blocks
    if any(block.article is not None for block in blocks):
        blocks = [block for block in blocks if block.article is not None]
    title = " ".join("".join(parser.page_title).split()) or None
    return blocks, title

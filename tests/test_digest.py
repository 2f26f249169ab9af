"""`toolkit digest`: one HTML page to read, built from records, checked as text here and in a
real browser (headless Chromium) where one is installed."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from support import browser
from support.jsonl_cli import invoke, jsonl

from toolkit.digest import digest_html, json_for_script, stories

HOSTILE_TITLE = '<script>alert("t")</script><img src=x onerror="alert(1)">'


def arabic(**changes) -> dict:
    record = {
        "id": "ar/01.txt", "source": {"path": "/data/ar/01.txt"}, "lang": "ar",
        "title": "اجتماع مجلس الوزراء",
        "text": "طرابلس 5 مايو 2025. ناقش المجلس القرار رقم 298.",
        "translations": {"en": {"title": "Cabinet meeting in Tripoli"}},
        "summary": {"ar": {"sentences": [
            {"index": 0, "text": "طرابلس 5 مايو 2025.", "translations": {"en": "Tripoli, 5 May 2025."}},
            {"index": 1, "text": "ناقش المجلس القرار رقم 298.",
             "translations": {"en": "The council discussed decree 298."}}]}},
        "fields": {"published": "2025-05-05", "dateline": {"place": "طرابلس", "agency": "وال"},
                   "people": [{"name": "عبد الحميد الدبيبة", "name_en": "Abdul Hamid Dbeibah"}],
                   "organisations": [{"name": "مجلس الوزراء"}],
                   "places": [{"name": "Tripoli"}]},
        "story": {"id": "s1", "size": 2, "duplicate_of": None},
    }
    record.update(changes)
    return record


def french(**changes) -> dict:
    record = {
        "id": "fr/01.txt", "source": {"path": "fr/01.txt"}, "lang": "fr",
        "title": "Réunion du gouvernement à Tripoli",
        "text": "Tripoli, 6 mai 2025. Le gouvernement a examiné le décret 298.",
        "translations": {"en": {"title": "Government meeting in Tripoli"}},
        "summary": {"fr": {"sentences": [
            {"index": 1, "text": "Le gouvernement a examiné le décret 298.",
             "translations": {"en": "The government examined decree 298."}}]}},
        "fields": {"dates": [{"iso": "2025-05-06"}],
                   "people": [{"name": "Abdul Hamid Dbeibah", "name_en": "Abdul Hamid Dbeibah"}],
                   "places": [{"name": "Tripoli"}, {"name": "Misrata"}]},
        "story": {"id": "s1", "size": 2, "duplicate_of": None},
    }
    record.update(changes)
    return record


def english(**changes) -> dict:
    record = {
        "id": "en/01.txt", "lang": "en", "title": "UN report on Kufra",
        "text": "Kufra, 7 May 2025. OCHA reported new arrivals.",
        "summary": {"en": {"sentences": [{"index": 1, "text": "OCHA reported new arrivals."}]}},
        "fields": {"published": "2025-05-07", "organisations": [{"name": "OCHA"}],
                   "places": [{"name": "Kufra"}]},
    }
    record.update(changes)
    return record


def hostile() -> dict:
    return english(id="x/evil.txt", title=HOSTILE_TITLE, source={"path": "javascript:alert(2)"},
                   summary={"en": {"sentences": [{"index": 0, "text": "</script><b>bold</b> & "
                                                  "http://example.com/tracker.png"}]}},
                   fields={"published": "2025-05-06", "people": [{"name": "<i>Eve</i>"}]})


def fixture_records() -> list[dict]:
    return [arabic(), french(), english(), hostile()]


# --- the page as text ----------------------------------------------------------------------


def blob(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="digest-data">(.*?)</script>', page,
                      re.DOTALL)
    return json.loads(match.group(1))


def outside_blob(page: str) -> str:
    return re.sub(r'<script type="application/json" id="digest-data">.*?</script>', "", page,
                  flags=re.DOTALL)


def test_story_members_make_one_card_and_documents_without_a_story_one_each():
    cards = stories(fixture_records())
    assert [c["id"] for c in cards] == ["doc:en/01.txt", "doc:x/evil.txt", "s1"]
    story = cards[-1]
    assert story["langs"] == ["ar", "fr"]
    assert story["date"] == "2025-05-05"  # the earliest member's
    assert story["title"] == "Cabinet meeting in Tripoli"
    assert [m["id"] for m in story["members"]] == ["ar/01.txt", "fr/01.txt"]
    assert story["people"] == [["Abdul Hamid Dbeibah", 2]]
    assert story["places"] == [["Tripoli", 2], ["Misrata", 1]]
    assert story["summary"][0] == {"t": "Tripoli, 5 May 2025.", "s": "طرابلس 5 مايو 2025.",
                                   "l": "ar"}


def test_without_stories_every_document_is_a_card_newest_first():
    cards = stories([arabic(story=None), french(story=None), english()])
    assert [c["id"] for c in cards] == ["doc:en/01.txt", "doc:fr/01.txt", "doc:ar/01.txt"]


def test_a_summary_of_the_translation_shows_the_source_sentences_it_aligns_with():
    record = arabic(story=None, summary={"en": {"sentences": [
        {"index": 1, "text": "The council discussed decree 298."}]}})
    record["translations"]["en"]["sentences"] = [
        {"source": "طرابلس 5 مايو 2025.", "target": "Tripoli, 5 May 2025."},
        {"source": "ناقش المجلس القرار رقم 298.", "target": "The council discussed decree 298."}]
    [card] = stories([record])
    assert card["summary"] == [{"t": "The council discussed decree 298.",
                                "s": "ناقش المجلس القرار رقم 298.", "l": "ar"}]


def test_an_untranslated_summary_is_shown_in_its_language_marked():
    record = arabic(story=None, translations={})
    record["summary"]["ar"]["sentences"][0].pop("translations")
    [card] = stories([record])
    assert card["summary"][0] == {"t": "", "s": "طرابلس 5 مايو 2025.", "l": "ar"}
    assert card["title"] == "" and card["source_title"] == "اجتماع مجلس الوزراء"


def test_a_story_record_supplies_the_story_summary_beside_its_source_sentences():
    members = [arabic(translations={"en": {"title": "Cabinet meeting", "sentences": [
        {"source": "طرابلس 5 مايو 2025.", "target": "Tripoli, 5 May 2025."}]}}), french()]
    story = {"id": "s1", "members": ["ar/01.txt", "fr/01.txt"], "languages": ["ar", "fr"],
             "summary": {"en": {"sentences": [
                 {"member": "ar/01.txt", "index": 0, "text": "Tripoli, 5 May 2025.",
                  "from": "translations.en"}]}}}
    [card] = stories([*members, story])
    assert card["summary"] == [{"t": "Tripoli, 5 May 2025.", "s": "طرابلس 5 مايو 2025.",
                                "l": "ar"}]


def test_a_story_record_alone_still_makes_a_card():
    story = {"id": "s9", "members": ["a", "b"], "languages": ["fr"], "title": "Alone",
             "first_date": "2025-01-02", "fields": {"people": [{"name": "X", "members": 2}]}}
    [card] = stories([story])
    assert (card["title"], card["date"], card["people"]) == ("Alone", "2025-01-02", [["X", 2]])


def test_any_json_value_where_a_field_belongs_is_shown_or_left_out_never_a_crash():
    odd = [{"id": 1, "title": ["x"], "lang": 5, "summary": {"ar": "x", "en": {"sentences": [
               {"index": True, "text": 3}, None]}},
            "fields": {"people": "x", "places": [1, None, {"name": ["y"]}], "dateline": "x",
                       "published": 7, "dates": [{"iso": None}]},
            "story": "s", "translations": {"en": []}, "source": {"path": ["/etc"]}},
           {"id": "b", "story": {"id": 5}, "lang": "ar\"><b>", "errors": ["plain"]},
           {"members": "x", "id": None}, {"members": [None, "a"], "id": "s2",
                                          "first_date": 20250101, "fields": []}]
    cards = stories(odd)
    assert [c["id"] for c in cards] == ["doc:1", "doc:2", "doc:b", "s2"]
    assert all(c["langs"] == [] for c in cards)  # a bad code never reaches a lang attribute
    digest_html(odd)


def test_document_text_cannot_end_the_data_or_add_markup():
    page = digest_html(fixture_records())
    assert "</script><b>" not in page and "<img src=x" not in page
    assert page.count("</script>") == 2  # the data blob's and the script's own
    titles = [story["title"] for story in blob(page)["stories"]]
    assert HOSTILE_TITLE in titles  # kept, as text
    assert json_for_script({"a": "</script>\u2028"}) == '{"a":"\\u003c/script\\u003e\\u2028"}'


def test_nothing_remote_can_load():
    page = digest_html(fixture_records())
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", csp)
    assert not re.search(r"https?:", outside_blob(page))
    assert not re.search(r"@import|url\(|src=", outside_blob(page))


def test_the_same_records_give_the_same_bytes():
    assert digest_html(fixture_records()) == digest_html(fixture_records())
    assert digest_html(fixture_records()) != digest_html(fixture_records()[:3])


def test_cli_writes_the_page_and_a_bad_line_is_said_and_left_out(tmp_path):
    source = tmp_path / "records.jsonl"
    source.write_bytes(jsonl(*fixture_records(), "{not json"))
    out = tmp_path / "digest.html"
    result = invoke(["digest", str(source), "-o", str(out)])
    assert result.exit_code == 1
    assert "line 5" in result.stderr and len(result.stderr.strip().splitlines()) == 2
    assert len(blob(out.read_text("utf-8"))["stories"]) == 3
    piped = invoke(["digest", "--title", "Tuesday"], input=jsonl(*fixture_records()))
    assert piped.exit_code == 0 and b"<title>Tuesday</title>" in piped.stdout
    assert invoke(["digest", str(source), "-i", str(source)]).exit_code == 2


def test_error_records_an_earlier_stage_wrote_are_not_new_errors_for_the_digest(tmp_path):
    detected = invoke(["detect"], input=jsonl(*fixture_records(), "{not json"))
    assert detected.exit_code == 1 and b'"raw"' in detected.stdout
    result = invoke(["digest", "-o", str(tmp_path / "digest.html")], input=detected.stdout)
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize("command", [["digest"], ["show", "--width", "120"]])
def test_to_is_read_as_translate_reads_it(command):
    """--to EN finds translations.en (translate writes there), as --to en does."""
    records = jsonl(arabic())
    lower = invoke([*command, "--to", "en"], input=records)
    assert lower.exit_code == 0 and "Cabinet meeting in Tripoli" in lower.stdout.decode()
    assert invoke([*command, "--to", "EN"], input=records).stdout == lower.stdout
    refused = invoke([*command, "--to", "e1"], input=records)
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1


def test_ten_thousand_records_keep_the_page_to_one_blob():
    records = [english(id=f"en/{i}.txt", fields={"published": f"2025-05-{1 + i % 28:02d}"})
               for i in range(10_000)]
    page = digest_html(records)
    data = blob(page)
    assert len(data["stories"]) == 10_000 and data["pageSize"] == 50
    assert len(data["days"]) == 28


# --- in a browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    found = browser.chromium()
    if not found:
        pytest.skip(browser.MISSING)
    return found


class _Dom(HTMLParser):
    """Elements of the dumped DOM as (tag, attributes, text) for simple queries."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in {"meta", "input", "br", "img", "link"}:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def find(self, tag=None, **attrs):
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and all(e["attrs"].get(k.rstrip("_").replace("_", "-")) == v
                        for k, v in attrs.items())]

    def classed(self, tag, name):
        return [e for e in self.elements
                if e["tag"] == tag and name in (e["attrs"].get("class") or "").split()]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digest")
    path = folder / "digest.html"
    path.write_text(digest_html(fixture_records(), title="Fixtures"), "utf-8")
    return path


def test_browser_shows_every_card_with_rtl_source_and_no_console_error(chromium, page):
    loaded = browser.load(chromium, page)
    dom = _Dom(loaded.dom)
    assert loaded.console_errors() == []
    assert len(dom.classed("article", "story")) == 3
    assert dom.find("p", id="count")[0]["attrs"]["data-shown"] == "3"
    sources = dom.classed("td", "source")
    assert sources and all(td["attrs"].get("dir") == "rtl" and td["attrs"].get("lang") == "ar"
                           for td in sources if td["attrs"].get("lang") != "fr")
    assert any(td["text"] == "طرابلس 5 مايو 2025." for td in sources)
    assert len(dom.classed("button", "day")) == 3  # 5, 6 and 7 May


def test_browser_keeps_hostile_markup_as_text(chromium, page):
    dom = _Dom(browser.load(chromium, page).dom)
    assert dom.find("img") == [] and dom.find("b") == [] and dom.find("i") == []
    assert [h["text"] for h in dom.find("h2") if "alert" in h["text"]] == [HOSTILE_TITLE]
    assert not any(a["attrs"].get("href", "").startswith("javascript:") for a in dom.find("a"))
    links = [a["attrs"]["href"] for a in dom.find("a")]
    assert [link for link in links if not link.startswith("#")] == ["file:///data/ar/01.txt"]
    assert "#person=%3Ci%3EEve%3C%2Fi%3E" in links  # a name filters the page, as text


@pytest.mark.parametrize(("fragment", "shown"), [
    ("lang=ar", ["s1"]),
    ("lang=en", ["doc:en/01.txt", "doc:x/evil.txt"]),
    ("person=Abdul%20Hamid%20Dbeibah", ["s1"]),
    ("place=Kufra", ["doc:en/01.txt"]),
    ("day=2025-05-06", ["doc:x/evil.txt"]),
])
def test_browser_filters_from_the_address_change_what_is_shown(chromium, page, fragment, shown):
    dom = _Dom(browser.load(chromium, page, fragment).dom)
    assert [a["attrs"]["data-id"] for a in dom.classed("article", "story")] == shown
    assert dom.find("p", id="count")[0]["attrs"]["data-shown"] == str(len(shown))


def test_browser_pages_ten_thousand_records(chromium, tmp_path):
    records = [english(id=f"en/{i:05d}.txt", fields={"published": f"2025-05-{1 + i % 28:02d}"})
               for i in range(10_000)]
    path = tmp_path / "big.html"
    path.write_text(digest_html(records), "utf-8")
    loaded = browser.load(chromium, path, "page=3", budget_ms=20000)
    dom = _Dom(loaded.dom)
    assert loaded.console_errors() == []
    assert len(dom.classed("article", "story")) == 50
    assert dom.find("span", id="page")[0]["text"] == "page 3 of 200"


def test_browser_screenshot_is_kept(chromium, page, tmp_path_factory):
    png = tmp_path_factory.mktemp("artefacts") / "digest.png"
    browser.screenshot(chromium, page, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000

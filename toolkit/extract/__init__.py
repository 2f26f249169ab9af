"""`toolkit extract`: who, what, when, where from each record, as `fields`.

`extract_records(records)` adds `fields` (CONTRACT.md): title, published, dates, dateline,
people, organisations, places, countries, references, params. Every value keeps its surface
form and, where it has one, `start`/`end` offsets into the text it came from and `source`
("title" or "text"). One module per concern: dates, dateline, people, organisations,
places (countries too), references; this one puts them together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from toolkit.records import (
    DEFAULT_MAX_CHARS,
    Record,
    add_warning,
    already_done,
    check_max_chars,
    failed_upstream,
    record_text,
    record_title,
    stage_params,
)

STAGE = "extract"


def extract_records(
    records: Iterable[Record],
    *,
    force: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    cut: bool = False,
) -> Iterator[Record]:
    """Add `fields` to each record; one record out per record in, in order."""
    from toolkit.extract.ner import fingerprint

    check_max_chars(max_chars)
    params = stage_params(max_chars=max_chars, cut=cut, ner=fingerprint())
    records = iter(records)
    while batch := list(islice(records, BATCH)):
        jobs = [_job(record, params, force, max_chars, cut) for record in batch]
        _tag_ahead(jobs)
        for record, job in zip(batch, jobs):
            if job is not None:
                _extract_into(record, *job, params)
            yield record
        _tag_ahead([])  # nothing tagged for this batch outlives it


BATCH = 16  # records whose names the model tags together (ner.tag_ahead)


def _job(record: Record, params: dict, force: bool, max_chars: int, cut: bool
         ) -> tuple[str, str | None, str] | None:
    """(text, title, language) to extract from, or None where the record is passed on as it
    is (an error entry added where its text or title is refused)."""
    if failed_upstream(record) or already_done(record.get("fields"), params, force):
        return None
    text = record_text(record, STAGE, max_chars=max_chars, cut=cut)
    if text is None:
        return None
    title = record_title(record, STAGE, max_chars=max_chars, cut=cut)
    return None if title is False else (text, title, _lang_of(record) or guess_lang(text))


def _tag_ahead(jobs: list) -> None:
    """The model reads the batch's titles and texts together, language by language; where
    that fails each record is read on its own (and fails alone)."""
    from toolkit.extract import ner
    from toolkit.extract.normalise import matchable

    texts: dict[str, list[str]] = {}
    try:
        for job in jobs:
            if job is not None:
                text, title, lang = job
                texts.setdefault(lang, []).extend(matchable(t).text for t in (title, text) if t)
        ner.tag_ahead(texts)
    except RecursionError:
        ner.tag_ahead({})


def _extract_into(record: Record, text: str, title: str | None, lang: str,
                  params: dict) -> None:
    try:
        summary = record.get("summary") if isinstance(record.get("summary"), dict) else None
        fields = extract_fields(text, title=title, lang=lang,
                                translation=_english_translation(record), summary=summary,
                                sent=_sent_on(record))
    except RecursionError:  # a pathological text: say so, keep the batch going
        add_warning(record, STAGE, "extract_failed", "text too deeply nested to extract")
        return
    fields["params"] = params
    record["fields"] = fields


def extract_fields(text: str, *, title: str | None = None, lang: str | None = None,
                   translation: dict | None = None, summary: dict | None = None,
                   policy=None, sent: dt.date | None = None) -> dict[str, Any]:
    """The `fields` of one text (and its headline), without `params`.

    `policy` (combine.Policy) says which rule families add names beside the model's;
    `sent` (an e-mail's date) is the publication date when the text gives none."""
    from toolkit.extract.combine import policy_for
    from toolkit.extract.dateline import find_dateline, published_from_cue, published_from_title
    from toolkit.extract.normalise import matchable

    lang = lang or guess_lang(text)
    body = matchable(text)
    head = matchable(title) if title else None
    dateline = find_dateline(body)
    published = dateline.published if dateline else None
    if published is None:
        cue = published_from_cue(body)
        published = cue[0] if cue else None
    if published is None and title:
        published = published_from_title(matchable(title))
    published = published or sent
    sources = [(name, m) for name, m in (("title", head), ("text", body)) if m is not None]
    policy = policy or policy_for(lang)
    model = _model_entities(sources, lang, policy)
    people = _people(sources, lang, model, policy, dateline.byline if dateline else None)
    if translation:
        _add_english_names(people, text, lang, translation, summary)
    from toolkit.romanise import fill_name_en

    fill_name_en(people)  # Arabic names the translation did not name: romanised
    orgs = _organisations(sources, lang, dateline, model, policy)
    places, countries = _places_and_countries(sources, dateline, orgs, people, model, policy)
    return {
        "title": title,
        "published": published.isoformat() if published else None,
        "dates": _dateline_day(body, dateline, published) + _dates(sources, published, lang),
        "dateline": dateline.as_dict() if dateline else None,
        "people": people,
        "organisations": orgs,
        "places": places,
        "countries": countries,
        "references": _references(sources),
    }


def _sent_on(record: Record) -> dt.date | None:
    """The day a message was sent (`source.date` of an e-mail, ISO 8601), if any."""
    source = record.get("source")
    value = source.get("date") if isinstance(source, dict) else None
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _dates(sources, published: dt.date | None, lang: str | None) -> list[dict]:
    from toolkit.extract.dates import find_dates

    return [d.as_dict(m, name) for name, m in sources for d in find_dates(m, published, lang)]


def _dateline_day(body, dateline, published: dt.date | None) -> list[dict]:
    """«الكويت - 3 - 3 (كونا)»: the day and month in figures heading a dispatch."""
    from toolkit.extract.dates import DateMention

    if not dateline or not dateline.day_month:
        return []
    start, end, day, month = dateline.day_month
    iso = None
    if published:
        try:
            iso = dt.date(published.year, month, day).isoformat()
        except ValueError:
            return []
    return [DateMention(start, end, iso).as_dict(body, "text")]


def _model_entities(sources, lang, policy) -> dict | None:
    """Source name -> the model's entities in it; None where no model reads `lang`."""
    if not policy.model:
        return None
    from toolkit.extract import ner

    if not ner.available(lang):
        return None
    from toolkit.extract.combine import clean_entities, given_name_people

    texts = [m.text for _, m in sources]
    found = ner.find_entities(texts, lang, consistency=False)
    if policy.given_names and lang != "ar":
        found = [given_name_people(text, ents) for text, ents in zip(texts, found)]
    if policy.consistency:
        found = ner.consistent(found, texts, lang)
    return {name: clean_entities(m.text, ents, policy)
            for (name, m), ents in zip(sources, found)}


def _people(sources, lang, model=None, policy=None, byline=None) -> list[dict]:
    """People of the title and text; a wire dateline's reporter ("Larisa Sayenko MINSK
    1996-08-30") is one where nothing else read those words as a person."""
    from toolkit.extract.combine import model_people
    from toolkit.extract.people import Person, find_people, merge, name_key

    found = []
    for name, m in sources:
        people = find_people(m, lang)
        if model is not None:
            people = model_people(m, model[name], people, policy, Person)
        if name == "text" and byline and not any(
                p.start < byline[2] and byline[1] < p.end for p in people):
            people.append(Person(byline[0], None, byline[1], byline[2], name_key(byline[0])))
        for person in people:
            person.source = name
            found.append(person)
    return [person.as_dict() for person in merge(found)]


def _organisations(sources, lang, dateline, model=None, policy=None) -> list[dict]:
    from toolkit.extract.combine import model_organisations
    from toolkit.extract.organisations import Organisation, find_organisations, merge

    found = []
    body = dict(sources).get("text")
    for name, m in sources:
        orgs = find_organisations(m, lang)
        if model is not None:
            orgs = model_organisations(m, model[name], orgs, policy, Organisation)
        for org in orgs:
            if name == "title" and _title_case(m.source) and body is not None \
                    and org.name not in body.source:
                continue  # "Health Committee Grills Ministry": every word capitalised
            if name == "text" and dateline and dateline.start <= org.start < dateline.end:
                continue  # the agency of the dateline is reported there
            if _is_dateline_agency(org, dateline):
                continue  # «لوكالة الأنباء الكويتية (كونا)» after «(كونا)» in the dateline
            org.source = name
            found.append(org)
    return [org.as_dict() for org in merge(found)]


def _title_case(title: str) -> bool:
    """A headline in Title Case, where capitals no longer mark names."""
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", title) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _is_dateline_agency(org, dateline) -> bool:
    """The agency the dateline names, by its acronym or as the whole name («كونا»)."""
    from toolkit.extract.dateline import known_agency

    if not (dateline and dateline.agency):
        return False
    agency = known_agency(dateline.agency) or dateline.agency
    return any((known_agency(name) or name) == agency for name in (org.acronym, org.name)
               if name)


def _places_and_countries(sources, dateline, orgs, people=(), model=None, policy=None
                          ) -> tuple[list[dict], list[str]]:
    """Countries (ISO codes) by first mention; places once each, the countries the text
    names among them ("Britain", kind "country": what a reader and the labelled corpora call a
    place; an adjective, "Libyan", gives the code alone), leaving out a city that is
    only part of an organisation's name ("University of Tripoli"), and a country word
    that is part of a person's name («جورجيا ميلوني») or of a channel's («قناة روسيا اليوم»).
    With a model, its LOC spans are the places (the country looked up by name) and the
    gazetteer adds what it missed where the policy says so."""
    from toolkit.extract.combine import DEFAULT, overlaps, place_country, spans_of
    from toolkit.extract.normalise import is_arabic, norm
    from toolkit.extract.places import Mention, find_mentions

    policy = policy or DEFAULT
    places: list[dict] = []
    seen: set[str] = set()
    countries: list[str] = []
    media = [o for o in orgs if _media_name(o["name"])]
    # «الطاهر الباعور» tagged a place where the rules had not seen the name again
    # (a word of an Arabic name, «الطاهر», too: Latin "Jordan" of "Michael Jordan" stays)
    person_words = {norm(p["name"]) for p in people} | {
        w for p in people for w in norm(p["name"]).split()
        if len(p["name"].split()) > 1 and is_arabic(p["name"])}
    for name, m in sources:
        mentions = find_mentions(m)
        if model is not None:
            found = mentions
            taken = spans_of(model[name])
            mentions = [x for x in mentions if not overlaps(x.start, x.end, taken)
                        and (policy.rule_places or x.kind == "adjective")]
            for e in model[name]:
                if e.label == "LOC":
                    kind, code = place_country(e.text)
                    parts = [] if code else _places_making_up(m.text, e.start, e.end, found)
                    mentions += parts or [Mention(code or "", kind if code else "place",
                                                  e.start, e.end)]
            mentions.sort(key=lambda x: x.start)
        if not policy.adjectives:
            mentions = [x for x in mentions if x.kind != "adjective"]
        for mention in mentions:
            span = m.span(mention.start, mention.end)
            if _inside(people, name, *span) or _inside(media, name, *span):
                continue
            if mention.kind in ("country", "adjective"):
                if dateline and name == "text" and span == dateline.place_span:
                    continue  # «الجزائر 3 مارس» heads a dispatch from the city
                if mention.code not in countries:
                    countries.append(mention.code)
                if mention.kind == "adjective":
                    continue
            surface, start, end = m.surface(mention.start, mention.end)
            if any(o["source"] == name and o["start"] <= start and end <= o["end"]
                   for o in orgs):
                continue
            if model is not None and norm(surface) in person_words:
                continue
            key = norm(surface)
            if key not in seen:
                seen.add(key)
                places.append({"name": surface, "country": mention.code or None,
                               "kind": "country" if mention.kind == "country" else "place",
                               "start": start, "end": end, "source": name})
    if dateline and dateline.place and norm(dateline.place) not in seen:
        start, end = dateline.place_span
        places.insert(0, {"name": dateline.place, "country": None, "kind": "place",
                          "start": start, "end": end, "source": "text"})
    return places, countries


def _places_making_up(text: str, start: int, end: int, mentions) -> list:
    """The known places that together spell a name the index does not know as a whole
    ("Tripoli-Sirte": Tripoli, Sirte), every letter of it; else none."""
    inside = [x for x in mentions if start <= x.start and x.end <= end
              and x.kind in ("country", "place")]
    letters = [i for i in range(start, end) if text[i].isalpha()]
    if len(inside) < 2 or any(not any(x.start <= i < x.end for x in inside) for i in letters):
        return []
    return inside


def _media_name(name: str) -> bool:
    """«قناة روسيا اليوم»: a channel's or paper's name says nothing of a country."""
    from toolkit.extract.lexicon import load
    from toolkit.extract.normalise import norm

    first = norm(name).split()[0] if name.split() else ""
    return first in {norm(w) for w in load("organisations")["media_heads"]}


def _inside(spans, source: str, start: int, end: int) -> bool:
    return any(s["source"] == source and s["start"] <= start and end <= s["end"]
               for s in spans)


def _references(sources) -> list[dict]:
    from toolkit.extract.references import find_references

    out = []
    for name, m in sources:
        for ref in find_references(m):
            ref["source"] = name
            out.append(ref)
    return out


# --- record helpers -----------------------------------------------------------------------


_FRENCH = re.compile(r"\b(?:le|la|les|des|du|une|est|et|dans|pour|avec|sur|qui|a été)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(?:the|and|of|to|in|is|was|with|for|on|that|has|said)\b", re.IGNORECASE)


def guess_lang(text: str) -> str:
    """ar, fr or en from the script and common words, when the record has no `lang`."""
    sample = text[:3000]
    arabic = len(re.findall(r"[\u0600-\u06ff]", sample))
    latin = len(re.findall(r"[A-Za-z]", sample))
    if arabic > latin:
        return "ar"
    return "fr" if len(_FRENCH.findall(sample)) > len(_ENGLISH.findall(sample)) else "en"


def _lang_of(record: Record) -> str | None:
    lang = record.get("lang")
    return lang if isinstance(lang, str) and lang in ("ar", "fr", "en") else None


def _english_translation(record: Record) -> dict | None:
    translations = record.get("translations")
    if not isinstance(translations, dict):
        return None
    english = translations.get("en")
    return english if isinstance(english, dict) else None


def _aligned_targets(translation: dict, summary: dict | None) -> dict[int, str]:
    """Sentence index -> English sentence: from a full translation's aligned pairs, or,
    when only the summary was translated, from the summary sentences' translations."""
    pairs = translation.get("sentences")
    if translation.get("scope") != "summary" and isinstance(pairs, list):
        return {i: pair.get("target") for i, pair in enumerate(pairs) if isinstance(pair, dict)}
    targets: dict[int, str] = {}
    for chosen in (summary or {}).values():
        for item in (chosen or {}).get("sentences") or [] if isinstance(chosen, dict) else []:
            english = (item.get("translations") or {}).get("en")
            if isinstance(item.get("index"), int) and isinstance(english, str):
                targets[item["index"]] = english
    return targets


def _add_english_names(people: list[dict], text: str, lang: str | None,
                       translation: dict, summary: dict | None = None) -> None:
    """name_en from the aligned English sentence: the k-th person named in the source
    sentence is the k-th person found in its translation when both counts agree."""
    from toolkit.extract.normalise import matchable
    from toolkit.extract.people import find_people
    from toolkit.sentences import split_sentences

    targets = _aligned_targets(translation, summary)
    if lang == "en" or not targets:
        return
    sentences = split_sentences(text, lang)
    by_sentence: dict[int, list[dict]] = {}
    for person in people:
        if person.get("source") != "text":
            continue
        for index, sentence in enumerate(sentences):
            if sentence.start <= person["start"] < sentence.end:
                by_sentence.setdefault(index, []).append(person)
                break
    for index, named in by_sentence.items():
        target = targets.get(index)
        if not isinstance(target, str):
            continue
        english = find_people(matchable(target), "en")
        if len(english) == len(named):
            for person, found in zip(sorted(named, key=lambda p: p["start"]), english):
                person["name_en"] = found.name

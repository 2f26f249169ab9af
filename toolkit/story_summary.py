"""One record per story: members, languages, dates, title, a multi-document summary per
language and the members' fields merged and counted (toolkit.stories, --emit stories).

The summary takes sentences from every member (a near-copy adds nothing and is left
out), rates each by how close it is to the story's centroid with a bonus for coming
early in its article (news puts the facts first), and picks with maximal marginal
relevance, so a fact told by five members is said once. The chosen sentences are
verbatim, with the member they come from and their index in that member's sentences,
ordered by the member's date and the sentence's position.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from toolkit.records import Record
from toolkit.sentences import split_sentences

METHOD = "mmr"
MMR_LAMBDA = 0.7
POSITION_BONUS = 1.0       # the first sentence of an article counts double, the second 1.5x
MIN_WORDS = 4              # shorter sentences (bylines, captions) are not candidates
SENTENCES_PER_MEMBER = 40  # bounds the work on very long members


def story_record(story_id: str, members: list[tuple[Any, Record]], params: dict,
                 sentences: int) -> Record:
    """members: (signature, member view) in story order, the first one first."""
    views = [view for _, view in members]
    dates = [s.date for s, _ in members if s.date]
    originals = [(s, v) for s, v in members if not s.duplicate_of]
    return {
        "id": story_id,
        "members": [v.get("id") for v in views],
        "size": len(views),
        "duplicates": sum(1 for s, _ in members if s.duplicate_of),
        "languages": sorted({v["lang"] for v in views if isinstance(v.get("lang"), str)}),
        "first_date": min(dates) if dates else None,
        "last_date": max(dates) if dates else None,
        "title": next((v["title"] for v in views if isinstance(v.get("title"), str)
                       and v["title"].strip()), None),
        "summary": _summaries([v for _, v in originals], sentences),
        "fields": merged_fields(views),
        "params": params,
    }


def _summaries(views: list[Record], sentences: int) -> dict[str, dict]:
    """summary.<lang> for each member language, from that language's texts; summary.en
    also draws on the English translations of the other members."""
    by_lang: dict[str, list[tuple[str, str, str | None, bool]]] = {}
    for view in views:
        lang = view.get("lang") if isinstance(view.get("lang"), str) else "und"
        if isinstance(view.get("text"), str):
            by_lang.setdefault(lang, []).append((view.get("id"), view["text"], view.get("title"),
                                                 False))
        translation = view.get("translation_en")
        if lang != "en" and translation and isinstance(translation.get("text"), str):
            by_lang.setdefault("en", []).append((view.get("id"), translation["text"],
                                                 translation.get("title"), True))
    return {lang: {"method": METHOD, "params": {"sentences": sentences, "lambda": MMR_LAMBDA,
                                                "position_bonus": POSITION_BONUS},
                   "sentences": summarize_members(texts, lang, sentences)}
            for lang, texts in sorted(by_lang.items())}


def summarize_members(texts: list[tuple[Any, str, str | None, bool]], lang: str | None,
                      sentences: int = 3) -> list[dict]:
    """The summary of several texts (member id, text, title, from a translation), in order."""
    from toolkit.summarize import SUPPORTED, language_kit

    kit = language_kit(lang if lang in SUPPORTED else None)
    candidates = []  # (member order, index, member id, text, translated, words)
    for order, (member, text, title, translated) in enumerate(texts):
        title_key = " ".join((title or "").split())
        position = 0
        for index, sentence in enumerate(split_sentences(text, lang)[:SENTENCES_PER_MEMBER]):
            if " ".join(sentence.text.split()) == title_key:
                continue
            words = [kit.stemmer(w.lower()) for w in kit.tokenizer.to_words(sentence.text)
                     if w.lower() not in kit.stop_words]
            if len(words) >= MIN_WORDS:
                candidates.append((order, index, position, member, sentence.text, translated,
                                   words))
            position += 1
    if not candidates:
        return []
    vectors = _unit_vectors([c[6] for c in candidates])
    centroid = Counter()
    for vector in vectors:
        centroid.update(vector)
    centroid = _unit(centroid)
    relevance = [_dot(v, centroid) * (1 + POSITION_BONUS / (1 + c[2]))
                 for v, c in zip(vectors, candidates)]
    chosen = _mmr(vectors, relevance, sentences)
    picked = sorted((candidates[i] for i in chosen), key=lambda c: (c[0], c[1]))
    return [{"member": c[3], "index": c[1], "text": c[4], **({"from": "translations.en"}
                                                           if c[5] else {})} for c in picked]


def _mmr(vectors: list[dict], relevance: list[float], count: int) -> list[int]:
    chosen: list[int] = []
    closest = [0.0] * len(vectors)  # similarity to the nearest chosen sentence
    while len(chosen) < min(count, len(vectors)):
        best, best_score = None, -math.inf
        for i, rel in enumerate(relevance):
            if i in chosen:
                continue
            score = MMR_LAMBDA * rel - (1 - MMR_LAMBDA) * closest[i]
            if score > best_score:
                best, best_score = i, score
        chosen.append(best)
        for i, vector in enumerate(vectors):
            closest[i] = max(closest[i], _dot(vector, vectors[best]))
    return chosen


def _unit_vectors(bags: list[list[str]]) -> list[dict[str, float]]:
    df = Counter(w for bag in bags for w in set(bag))
    total = len(bags)
    return [_unit({w: (1 + math.log(n)) * math.log((1 + total) / df[w])
                   for w, n in Counter(bag).items()}) for bag in bags]


def _unit(vector: dict) -> dict:
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {k: v / norm for k, v in vector.items()}


def _dot(a: dict, b: dict) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def merged_fields(views: list[Record]) -> dict[str, list[dict]]:
    """People, organisations, places and countries of the members: in how many members each
    appears, most frequent first."""
    counted: dict[str, Counter] = {"people": Counter(), "organisations": Counter(),
                                   "places": Counter(), "countries": Counter()}
    for view in views:
        fields = view.get("fields")
        if not isinstance(fields, dict):
            continue
        for key in ("people", "organisations", "places"):
            names = {" ".join(str(item.get("name")).split()) for item in fields.get(key) or []
                     if isinstance(item, dict) and item.get("name")}
            counted[key].update(names)
        counted["countries"].update({c for c in fields.get("countries") or []
                                     if isinstance(c, str)})
    label = {"countries": "code"}
    return {key: [{label.get(key, "name"): name, "members": n}
                  for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
            for key, counts in counted.items()}

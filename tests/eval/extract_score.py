"""Precision, recall and F1 of extracted fields against hand labels, per field and language.

Generic: takes gold documents ({"path", "lang", "fields"}) and predicted records (with
`source.path` or `path`, and `fields`), pairs them by path (a predicted path ending with the
gold path counts), and compares per field:
dates by ISO value (a date the gold leaves without ISO value by its text), published by
value, countries by code, people/organisations/places by normalised name (Arabic article and
case ignored; "al-"/"ال" dropped from each word; a place of kind "country" is left to
countries, as the fixtures label it), references by (number, year), dateline by
place and agency. For people, the share of matched people whose role matches (half the
words in common) is reported separately.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from toolkit.extract.normalise import norm

FIELDS = ["dates", "published", "countries", "people", "organisations", "places",
          "references", "dateline"]


def name_key(name: str) -> str:
    words = []
    for word in norm(name).replace("-", " ").split():
        for prefix in ("ال", "al ", "el "):
            if word.startswith(prefix) and len(word) > len(prefix) + 2:
                word = word[len(prefix):]
        if word in ("al", "el", "the", "le", "la", "les", "l"):
            continue
        words.append(re.sub(r"^[lLdD]'", "", word))
    return " ".join(words)


def items(field: str, fields: dict) -> list[str]:
    """The comparable items of one field, as a set-like list of strings."""
    value = fields.get(field)
    if field == "dates":
        out = set()
        for date in value or []:
            out.add(f"iso:{date['iso']}" if date.get("iso") else f"text:{norm(date['text'])}")
        return sorted(out)
    if field == "published":
        return [value] if value else []
    if field == "countries":
        return sorted(set(value or []))
    if field in ("people", "organisations", "places"):
        # the fixtures label countries by code only: a place of kind "country" is scored there
        return sorted({name_key(entry["name"]) for entry in value or [] if entry.get("name")
                       and entry.get("kind") != "country"})
    if field == "references":
        return sorted({f"{ref.get('number')}/{ref.get('year')}" for ref in value or []})
    if field == "dateline":
        if not value:
            return []
        return [f"{k}:{name_key(value[k])}" for k in ("place", "agency") if value.get(k)]
    raise ValueError(field)


def _match_dates(gold: list[str], pred: list[str]) -> int:
    """ISO values match exactly; a gold date without ISO value matches a predicted one
    without ISO value whose text overlaps it."""
    hits = len({g for g in gold if g.startswith("iso:")} & set(pred))
    gold_text = [g[5:] for g in gold if g.startswith("text:")]
    pred_text = [p[5:] for p in pred if p.startswith("text:")]
    for g in gold_text:
        for p in pred_text:
            if g in p or p in g:
                hits += 1
                pred_text.remove(p)
                break
    return hits


def _role_match(gold: str | None, pred: str | None) -> bool:
    if not gold or not pred:
        return not gold and not pred
    g, p = set(name_key(gold).split()), set(name_key(pred).split())
    return len(g & p) >= 0.5 * max(len(g), len(p))


def path_of(record: dict) -> str | None:
    source = record.get("source")
    if isinstance(source, dict) and source.get("path"):
        return str(source["path"])
    return record.get("path")


def score(gold_docs: Iterable[dict], predicted: Iterable[dict]) -> dict:
    """{lang: {field: {tp, gold, pred}}} plus 'all', and role agreement for people."""
    preds = [(path_of(r) or "", r.get("fields") or {}) for r in predicted]
    counts: dict = defaultdict(lambda: defaultdict(lambda: {"tp": 0, "gold": 0, "pred": 0}))
    roles: dict = defaultdict(lambda: {"matched": 0, "role_ok": 0})
    for doc in gold_docs:
        path = doc["path"]
        fields = next((f for p, f in preds if p == path or p.endswith(("/" + path, path))), None)
        missing = fields is None
        fields = fields or {}
        for lang in (doc.get("lang", "?"), "all"):
            for field in FIELDS:
                gold = items(field, doc["fields"])
                pred = [] if missing else items(field, fields)
                tp = _match_dates(gold, pred) if field == "dates" else len(set(gold) & set(pred))
                cell = counts[lang][field]
                cell["tp"] += tp
                cell["gold"] += len(gold)
                cell["pred"] += len(pred)
            by_name = {name_key(p["name"]): p for p in fields.get("people") or []}
            for person in doc["fields"].get("people") or []:
                found = by_name.get(name_key(person["name"]))
                if found:
                    roles[lang]["matched"] += 1
                    roles[lang]["role_ok"] += _role_match(person.get("role"), found.get("role"))
    return {"counts": counts, "roles": roles}


def prf(cell: dict) -> tuple[float, float, float]:
    precision = cell["tp"] / cell["pred"] if cell["pred"] else (1.0 if not cell["gold"] else 0.0)
    recall = cell["tp"] / cell["gold"] if cell["gold"] else (1.0 if not cell["pred"] else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def table(result: dict, langs: list[str]) -> str:
    """A Markdown table: one row per field, P/R/F1 per language."""
    counts, roles = result["counts"], result["roles"]
    head = "| field | " + " | ".join(f"{lang} P / R / F1" for lang in langs) + " |"
    lines = [head, "|" + " --- |" * (len(langs) + 1)]
    for field in FIELDS:
        cells = []
        for lang in langs:
            p, r, f = prf(counts[lang][field])
            cells.append(f"{p:.2f} / {r:.2f} / **{f:.2f}**")
        lines.append(f"| {field} | " + " | ".join(cells) + " |")
    role_cells = []
    for lang in langs:
        matched = roles[lang]["matched"]
        role_cells.append(f"{roles[lang]['role_ok']}/{matched} roles agree" if matched else "-")
    lines.append("| people: role | " + " | ".join(role_cells) + " |")
    return "\n".join(lines)


def read_jsonl(path: Path | str) -> list[dict]:
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]

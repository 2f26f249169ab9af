"""Model spans and rule spans put together, by a policy measured on the dev splits.

The statistical model (ner.py) finds the names; rules add what a model does not give:
roles and titles of people, acronyms of organisations, the country of a place, the
dateline's place and agency. Each rule family that may add names of its own is a switch in
`Policy`; tests/eval/ablate_extract.py turns each off in turn on the dev splits of
../shared/data/eval, and the defaults below are what that measurement kept (README).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from toolkit.extract.ner import Entity
from toolkit.extract.normalise import Matchable, matchable


@dataclass(frozen=True)
class Policy:
    model: bool = True         # the statistical NER layer, where a language has one
    rule_people: bool = True   # people the rules find and the model does not
    rule_orgs: bool = True     # organisations the rules find and the model does not
    rule_places: bool = True   # gazetteer places and countries the model does not tag
    adjectives: bool = True    # a country from its adjective ("Libyan", «الليبية»)
    acronyms: bool = True      # "(OIM)" and bare acronyms defined in the text
    consistency: bool = True   # one type per name in a document, missed mentions found

    def without(self, family: str) -> Policy:
        return replace(self, **{family: False})


DEFAULT = Policy()
FAMILIES = ("rule_people", "rule_orgs", "rule_places", "adjectives", "acronyms", "consistency")


@lru_cache(maxsize=8192)
def place_country(name: str) -> tuple[str, str | None]:
    """("country", "LY"), ("place", "LY") or ("place", None) for a place name.

    The one place to switch to toolkit.extract.geo.country_of/is_country."""
    from toolkit.extract.places import find_mentions

    m = matchable(name)
    for mention in find_mentions(m):
        if mention.kind in ("country", "place") and mention.end - mention.start >= 0.8 * len(
                m.text.strip()):
            return mention.kind, mention.code
    return "place", None


def overlaps(start: int, end: int, spans) -> bool:
    return any(s < end and start < e for s, e in spans)


def spans_of(entities: list[Entity], *labels: str) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in entities if not labels or e.label in labels]


def model_people(m: Matchable, entities: list[Entity], rule_people: list, policy: Policy,
                 person_type):
    """Persons from PER spans, each with the role a rule found for an overlapping name;
    rule persons the model has no span for, when the policy keeps them."""
    from toolkit.extract.people import name_key

    out = []
    for e in entities:
        if e.label != "PER":
            continue
        name, start, end = m.surface(e.start, e.end)
        name = name.strip(" ،,.-")
        if not name:
            continue
        role = next((p.role for p in rule_people
                     if p.role and overlaps(p.start, p.end, [(start, end)])), None)
        key = name_key(m.text[e.start:e.end])
        out.append(person_type(name, role, start, end, key))
    if policy.rule_people:
        model_spans = [m.span(s, e) for s, e in spans_of(entities)]
        out += [p for p in rule_people if not overlaps(p.start, p.end, model_spans)]
    return out


def model_organisations(m: Matchable, entities: list[Entity], rule_orgs: list,
                        policy: Policy, org_type):
    """Organisations from ORG spans, with the acronym a rule found for them; rule
    organisations the model has no span for, when the policy keeps them."""
    out = []
    for e in entities:
        if e.label != "ORG":
            continue
        name, start, end = m.surface(e.start, e.end)
        name = name.strip(" ،,.-")
        if not name:
            continue
        acronym = next((o.acronym for o in rule_orgs if o.acronym and overlaps(
            o.start, o.end, [(start, end)])), None) if policy.acronyms else None
        out.append(org_type(name, acronym, start, end))
    model_spans = [m.span(s, e) for s, e in spans_of(entities)]
    for org in rule_orgs:
        if overlaps(org.start, org.end, model_spans):
            continue
        if policy.rule_orgs or (policy.acronyms and org.acronym is None and org.name.isupper()):
            out.append(org)
    return out

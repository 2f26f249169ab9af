"""Model spans and rule spans put together, by a policy measured on the dev splits.

The statistical model (ner.py) finds the names; rules add what a model does not give:
roles and titles of people, acronyms of organisations, the country of a place, the
dateline's place and agency. Each rule family that may add names of its own is a switch in
`Policy`; tests/eval/ablate_extract.py turns each off in turn on the dev splits of
../shared/data/eval, and the defaults below are what that measurement kept (README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from toolkit.extract.ner import Entity
from toolkit.extract.normalise import Matchable


@dataclass(frozen=True)
class Policy:
    model: bool = True         # the statistical NER layer, where a language has one
    rule_people: bool = True   # people the rules find and the model does not
    unroled_people: bool = True  # ... of those, the ones the text gives no role
    rule_orgs: bool = True     # organisations the rules find and the model does not
    rule_places: bool = True   # gazetteer places and countries the model does not tag
    adjectives: bool = False   # a country from its adjective ("Libyan", «الليبية»)
    acronyms: bool = True      # "(OIM)" and bare acronyms defined in the text
    rule_bounds: bool = True   # a rule organisation replaces the ORG or LOC span it overlaps
    consistency: bool = True   # one type per name in a document, missed mentions found
    trim: bool = True          # honorifics and dangling function words off model spans
    role_spans: bool = True    # an ORG span that starts with a role ("ministre de ...") is none
    known_places: bool = True  # a PER/ORG span naming a country (PER: a large town) is a place
    place_nouns: bool = True   # ... or named right after "the city of", «مدينة», "la ville de"
    adjective_spans: bool = True  # a LOC/PER span that is one country adjective is no name
    person_bounds: bool = True  # a rule's fuller name, or a name with a role, beats the model's
    given_names: bool = True   # a given name and a surname is a person ("Mauro Trentino")

    def without(self, family: str) -> Policy:
        return replace(self, **{family: False})

    def toggled(self, family: str) -> tuple[str, Policy]:
        """("without X", policy less X) or ("with X", policy plus X): an ablation step."""
        on = getattr(self, family)
        return f"{'without' if on else 'with'} {family}", replace(self, **{family: not on})


DEFAULT = Policy()
# Families an ablation on a language's own validation data turned off there (docs/extract.md).
BY_LANGUAGE: dict[str, Policy] = {
    # Arabic: a rule person without a role is mostly a common word that is also a given
    # name («علي الأرض», «حياة مضطربة»); the CRF finds those names better (validation folds
    # of tools/ner/ar_validate.py: people +0.06; fixtures unchanged, they lose 0.13 with no
    # rule people at all). Rule organisations stay although they cost ANERcorp 0.09: its
    # annotators leave out ministries and agencies that the fixtures count (0.89 -> 0.40).
    "ar": Policy(unroled_people=False),
    # HIPE-2020 cross-validation (tools/ner/fr_compare.py --ablate): rule organisations
    # ("gouvernement français", "comité d'initiative") cost organisations 0.40 -> 0.35;
    # every other family changed F1 by 0.01 or less
    "fr": Policy(rule_orgs=False),
    # CoNLL-2003 eng.testa as documents: places 0.814 -> 0.839 without the gazetteer's own
    # places (towns that are clubs, counties that are teams); English fixtures 0.85 -> 0.87
    "en": DEFAULT.without("rule_places"),
}


def policy_for(lang: str | None) -> Policy:
    """The measured policy of a language; DEFAULT where nothing was measured."""
    return BY_LANGUAGE.get(lang or "", DEFAULT)


FAMILIES = ("rule_people", "unroled_people", "rule_orgs", "rule_places", "adjectives",
            "acronyms", "rule_bounds", "consistency", "trim", "role_spans", "known_places",
            "place_nouns", "adjective_spans", "person_bounds", "given_names")


@lru_cache(maxsize=8192)
def place_country(name: str) -> tuple[str, str | None]:
    """("country", "LY"), ("place", "LY") or ("place", None) for a place name."""
    place = known_place(name)
    if place is None or not place.country:
        return "place", None
    return ("country" if place.kind == "country" else "place"), place.country


@lru_cache(maxsize=8192)
def known_place(name: str):
    """The toolkit.extract.geo place a whole name names ("l'Italie", "MISRATA", «بطرابلس»);
    else a country by one of the aliases CLDR lacks ("Britain", "U.S."); else None."""
    from toolkit.extract import geo
    from toolkit.extract.places import country_alias

    name = _ARTICLE.sub("", name.strip())  # "l'Italie", "la Chine", "the Sudan"
    place = geo.lookup(name)
    if place is None and name.isupper():
        place = geo.lookup(name.title())  # "MISRATA" heads a dispatch
    if place is None:
        code = country_alias(name)
        place = geo.Place(name, code, "country", None) if code else None
    return place


def place_like_name(entity: Entity) -> bool:
    """A PER span that names a country or a well-known town, an ORG span that names a
    country: the model's type gives way to what the name is. A town's name on an ORG span
    stays an organisation (the model read the context: "Leeds beat Porto" are clubs), and
    a small town's name is as often a family name ("Charlton", "Burke")."""
    from toolkit.extract.places import WELL_KNOWN_TOWN

    place = known_place(entity.text)
    if place is None or not place.country:
        return False
    if place.kind == "country":
        return True
    return entity.label == "PER" and place.kind == "city" and (
        place.population or 0) >= WELL_KNOWN_TOWN


_ARTICLE = re.compile(r"^(?:[lLdD]['’]|(?:la|le|les|the|The|La|Le|Les)\s+)")


def overlaps(start: int, end: int, spans) -> bool:
    return any(s < end and start < e for s, e in spans)


def spans_of(entities: list[Entity], *labels: str) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in entities if not labels or e.label in labels]


def model_people(m: Matchable, entities: list[Entity], rule_people: list, policy: Policy,
                 person_type):
    """Persons from PER spans, each with the role a rule found for an overlapping name;
    rule persons the model has no span for, when the policy keeps them."""
    from toolkit.extract.people import name_key

    if policy.person_bounds:
        # "Le directeur ..., Khalifa Al-Qaidi": a name the rules found with its role is a
        # person even where the model saw a place or an organisation
        named = {p.key for p in rule_people if p.role}  # and later mentions of that name
        roled = [(p.start, p.end) for p in rule_people if p.role or p.key in named]
        entities[:] = [e for e in entities if e.label == "PER"
                       or not overlaps(*m.span(e.start, e.end), roled)]
    out = []
    other_spans = [m.span(s, e) for s, e in spans_of(entities, "ORG", "LOC")]
    for e in entities:
        if e.label != "PER":
            continue
        name, start, end = m.surface(e.start, e.end)
        name = e.article + name.strip(" ،,.-")
        if not name:
            continue
        role = next((p.role for p in rule_people
                     if p.role and overlaps(p.start, p.end, [(start, end)])), None)
        longer = next((p for p in rule_people if policy.person_bounds
                       and p.start <= start and end <= p.end and p.end - p.start > end - start
                       and not overlaps(p.start, p.end, other_spans)), None)
        if longer:  # "Musa al-Koni" where the model saw "Musa"
            out.append(person_type(longer.name, longer.role or role, longer.start, longer.end,
                                   longer.key))
            continue
        key = name_key(m.text[e.start:e.end])
        out.append(person_type(name, role, start, end, key))
    if policy.rule_people:
        model_spans = [m.span(s, e) for s, e in spans_of(entities)]
        out += [p for p in rule_people if not overlaps(p.start, p.end, model_spans)
                and (p.role or policy.unroled_people)]
    return out


def model_organisations(m: Matchable, entities: list[Entity], rule_orgs: list,
                        policy: Policy, org_type):
    """Organisations from ORG spans, with the acronym a rule found for them; rule
    organisations the model has no span for, when the policy keeps them."""
    out = []
    bounded = []
    for e in entities:
        if e.label != "ORG":
            continue
        name, start, end = m.surface(e.start, e.end)
        name = e.article + name
        if policy.rule_bounds:
            # "Head of the Presidential Council", "United Nations Support Mission" + "in Libya"
            inside = [o for o in rule_orgs if overlaps(o.start, o.end, [(start, end)])
                      and _bounds_the_model(o, [(start, end)], [])]
            if inside:
                bounded += [o for o in inside if o not in bounded]
                continue
        name = name.strip(" ،,.-")
        if not name:
            continue
        acronym = next((o.acronym for o in rule_orgs if o.acronym and overlaps(
            o.start, o.end, [(start, end)])), None) if policy.acronyms else None
        out.append(org_type(name, acronym, start, end))
    out += bounded
    model_spans = [m.span(s, e) for s, e in spans_of(entities)]
    person_spans = [m.span(s, e) for s, e in spans_of(entities, "PER")]
    for org in rule_orgs:
        if org in bounded:
            continue
        if policy.rule_bounds and _bounds_the_model(org, model_spans, person_spans):
            out.append(org)  # "Chambre de commerce ... de Sfax", which the model calls a place
            continue
        if overlaps(org.start, org.end, model_spans):
            continue
        # without rule organisations, those the text defines by an acronym ("Action contre
        # la faim (ACF)") and bare acronyms defined in the text still come in
        if policy.rule_orgs or (policy.acronyms and (org.acronym or org.name.isupper())):
            out.append(org)
    return out


def _bounds_the_model(org, model_spans, person_spans) -> bool:
    """A rule organisation overrides the model's spans it overlaps when it was defined by
    its acronym ("... (UNSMIL)"), or when it holds them whole and no figure (a dateline's
    "LONDON 1996-12-06 The UK Department" is no name); never over a person."""
    touched = [(s, e) for s, e in model_spans if s < org.end and org.start < e]
    if not touched or overlaps(org.start, org.end, person_spans):
        return False
    if touched == [(org.start, org.end)]:
        return False  # the same name: the model's span stands (it keeps «ال» after «لل»)
    if org.acronym:
        return True
    return not any(c.isdigit() for c in org.name) and all(
        org.start <= s and e <= org.end for s, e in touched)


# --- cleaning the model's spans ---------------------------------------------------------------

_DANGLING = frozenset(["et", "de", "la", "le", "les", "des", "du", "d", "l", "à", "au", "aux",
                       "and", "of", "the", "for", "in", "no", "no.", "n°", "و", "في", "من"])


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, frozenset[str]]:
    from toolkit.extract.lexicon import load

    roles = load("roles")
    return {"honorifics": frozenset(w.lower() for w in roles["latin_honorifics"]),
            "role_heads": frozenset(w.lower() for w in roles["fr_heads"] + roles["en_heads"])}


# --- given names ------------------------------------------------------------------------------

_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_TITLE_WORD = rf"(?:[{_UPPER}]['’])?[{_UPPER}][{_LOWER}][\w'’-]*"
_PARTICLES = r"(?:van|von|der|den|de|del|della|di|da|dos|das|du|le|la|al|el|bin|ben|ibn)"


# A given name (or two, hyphenated), particles, a surname: "Mauro Trentino", "Pierre-Yves
# Dufour", "Ruud van Nistelrooy"
_GIVEN_NAME_AND_SURNAME = re.compile(
    rf"(?<![\w'’-])([{_UPPER}][{_LOWER}]+)(?:-([{_UPPER}][{_LOWER}]+))?"
    rf"(?:\s+{_PARTICLES})*\s+{_TITLE_WORD}(?![\w'’-])")
_CAPITALISED = re.compile(rf"(?<![\w'’-])[{_UPPER}][{_LOWER}]+")


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    from toolkit.extract.lexicon import load

    return frozenset(load("given_names")["names"])


def _starts_with_given_name(match: re.Match | None) -> bool:
    names = _given_names()
    return match is not None and match[1] in names and (match[2] is None or match[2] in names)


def given_name_people(text: str, entities: list[Entity]) -> list[Entity]:
    """A given name followed by a surname is a person, whatever the model read: an ORG or
    LOC span that is one ("Mauro Trentino" at the end of a results list) becomes PER, and
    one the model left untagged ("Cyril Bos") is added. Not where the whole names a known
    place ("Santiago de Cuba") or ends in an organisation's head word ("Florence
    University"), nor inside a longer capitalised name ("Port Louis"). The given names are
    those common to several countries (tools/ner/given_names.py)."""
    out = []
    for e in entities:
        if e.label in ("ORG", "LOC") and _person_like(e.text) \
                and _starts_with_given_name(_GIVEN_NAME_AND_SURNAME.fullmatch(e.text)):
            e = Entity("PER", e.start, e.end, e.text, e.article)
        out.append(e)
    names = _given_names()
    for word in _CAPITALISED.finditer(text):
        if word.group() not in names:
            continue
        match = _GIVEN_NAME_AND_SURNAME.match(text, word.start())
        if not _starts_with_given_name(match):
            continue
        start, end = match.span()
        if not overlaps(start, end, [(e.start, e.end) for e in out]) \
                and not _LONGER_NAME_BEFORE.search(text, max(0, start - 40), start) \
                and not _LONGER_NAME_AFTER.match(text, end) \
                and _person_like(match.group()):
            out.append(Entity("PER", start, end, match.group()))
    return sorted(out, key=lambda e: e.start)


_LONGER_NAME_BEFORE = re.compile(rf"(?<![\w'’-]){_TITLE_WORD}[ \t]+$")
_LONGER_NAME_AFTER = re.compile(rf"[ \t]+{_TITLE_WORD}")


def _person_like(name: str) -> bool:
    last = name.split()[-1].lower()
    return known_place(name) is None and last not in _org_heads()


@lru_cache(maxsize=1)
def _org_heads() -> frozenset[str]:
    from toolkit.extract.lexicon import load

    orgs = load("organisations")
    return frozenset(w.lower() for key in ("en_heads", "fr_heads", "latin_brand_heads")
                     for w in orgs[key])


def clean_entities(text: str, entities: list[Entity], policy: Policy) -> list[Entity]:
    """The model's spans with what they should not hold taken off, each step a family."""
    out = []
    for e in entities:
        if policy.trim:
            e = _trimmed(text, e)
            if e is None:
                continue
        if policy.role_spans and e.label == "ORG" and _starts_with_role(e.text):
            continue  # "ministre de l'Intérieur", "Head of the Presidential Council"
        if policy.trim and e.label == "PER" and _definite_word(e.text):
            continue  # «القرار»: one Arabic word with the article is a noun, not a name
        if policy.trim and e.label == "PER":
            e = _without_leading_country(e)
        out.append(e)
    surnames = {e.text.split()[-1] for e in out if e.label == "PER" and " " in e.text}
    if policy.adjective_spans:
        # «الليبي», "libyens", "Sudanese": the corpora tag no adjective, and the rules read
        # it for its country; a surname ("Dawn French", then "French") stays
        out = [e for e in out if e.label not in ("LOC", "PER") or e.text in surnames
               or not _country_adjective(e.text)]
    if policy.known_places or policy.place_nouns:
        out = [Entity("LOC", e.start, e.end, e.text, e.article)
               if e.label in ("PER", "ORG") and e.text not in surnames
               and (policy.known_places and (place_like_name(e) or _after_compass_word(text, e))
                    or policy.place_nouns and _after_place_noun(text, e)) else e
               for e in out]
    return out


def _country_adjective(name: str) -> bool:
    from toolkit.extract.places import country_adjective

    return " " not in name.strip() and country_adjective(name)


# "the northern city of Groningen", "the capital Manama", «مدينة بنغازي», "la ville de Sion":
# a name a place noun introduces is a place, whatever the model read ("Groningen" the club).
# Lower case only: "City of London Corporation", "Capital One" are names of their own.
_PLACE_NOUN = re.compile(
    r"(?:^|[\s(])(?:"
    r"(?:city|town|village|province|region|port|island|capital) of"
    r"|(?:the|its|their) (?:capital|city|town|village)"
    r"|(?:ville|capitale|commune|village|localité|province|région|cité|port|île) (?:de|du|d['’])"
    r"|(?:la|sa|leur) (?:capitale|ville)"
    r"|[وفبل]{0,2}(?:مدينة|العاصمة|عاصمة|بلدة|قرية|محافظة|ميناء|جزيرة))\s*$")


def _after_place_noun(text: str, e: Entity) -> bool:
    return bool(_PLACE_NOUN.search(text[max(0, e.start - 24):e.start]))


# «وسط جاوا», «شمال مالي», "central Java", "northern Mali": a region of somewhere
_COMPASS = re.compile(r"(?:^|[\s(])(?:[وب]?(?:وسط|شمال|جنوب|شرق|غرب|شمالي|جنوبي|شرقي|غربي)"
                      r"|[Cc]entral|[Nn]orthern|[Ss]outhern|[Ee]astern|[Ww]estern)\s+$")


def _after_compass_word(text: str, e: Entity) -> bool:
    return e.label == "PER" and bool(_COMPASS.search(text[max(0, e.start - 12):e.start]))


def _trimmed(text: str, e: Entity) -> Entity | None:
    """"M. Ben Salem" -> "Ben Salem", "Mali and" -> "Mali", "Berth No" -> "Berth"."""
    start, end = e.start, e.end
    words = [(m.start() + start, m.end() + start)
             for m in re.finditer(r"\S+", text[start:end])]
    while len(words) > 1 and e.label == "PER" and \
            text[words[0][0]:words[0][1]].lower() in _lexicon()["honorifics"]:
        words.pop(0)
    while len(words) > 1 and text[words[-1][0]:words[-1][1]].strip(".,;:'’").lower() in _DANGLING:
        words.pop()
    if not words:
        return None
    start, end = words[0][0], words[-1][1]
    while end > start and text[end - 1] in ",;:(-–":
        end -= 1
    if end <= start:
        return None
    return Entity(e.label, start, end, text[start:end], e.article if start == e.start else "")


def _without_leading_country(e: Entity) -> Entity:
    """«(ب)ليبيا الطاهر الباعور» -> «الطاهر الباعور»: a country before a name of two words
    or more closes the role before it ("minister ... in Libya"); «جورجيا ميلوني», a
    country and one word, is left whole."""
    words = list(re.finditer(r"\S+", e.text))
    if len(words) < 3 or not re.search(r"[\u0600-\u06FF]", e.text):
        return e
    place = known_place(words[0].group())
    if place is None or place.kind != "country":
        return e
    cut = words[1].start()
    return Entity(e.label, e.start + cut, e.end, e.text[cut:])


def _definite_word(name: str) -> bool:
    return " " not in name.strip() and name.startswith("ال") and len(name) > 3


def _starts_with_role(name: str) -> bool:
    first = name.split()[0].lower() if name.split() else ""
    return first in _lexicon()["role_heads"]

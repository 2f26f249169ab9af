"""`translate --protect-entities`: the record's names go through translation as fixed terms.

The names are `fields.people/organisations/places` when the record carries them (it went
through `toolkit extract` first); otherwise extract's own rules are run on the source text
here (in `toolkit run`, extract comes after translate). Each name's form in the target:

- a name in the glossary: the glossary's target; a person's name holding a glossary term
  takes the term's target for that part («عبدالحميد الدبيبة» -> "Abdelhamid Dbeibah"
  with «الدبيبة» -> Dbeibah in the glossary) and is then kept whole;
- a person: a Latin-script name as written; an Arabic one romanised (toolkit.romanise)
  into a Latin-script target;
- a place, into English: the geo index's English name («طرابلس» -> Tripoli, "Le Caire" ->
  Cairo);
- an organisation's Latin acronym ("LANA", "HNEC", also its `acronym`): as written;
- otherwise (an organisation's full name, a place into French): not protected, the model
  translates it: "ministère des Affaires étrangères" must become "Ministry of Foreign
  Affairs", and «المؤسسة الوطنية للنفط» reads better as the model's "National Oil
  Corporation" than as Arabic letters in an English sentence. A glossary entry fixes it.
"""

from __future__ import annotations

import re

from toolkit.glossary import Matcher, entity_entries, mask
from toolkit.records import Record

LATIN_TARGETS = ("en", "fr", "es", "de", "it", "pt")
KINDS = (("people", "person"), ("organisations", "organisation"), ("places", "place"))
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&.-]{1,9}")


def entity_matcher(record: Record, text: str | None, title: str | None, lang: str,
                   to: str, glossary: Matcher | None = None) -> Matcher:
    names = []
    fields = _fields(record, text, title, lang)  # extract's rules run once per record
    for key, kind in KINDS:
        for item in fields.get(key) or []:
            if not isinstance(item, dict):
                continue
            for name in (item.get("name"), item.get("acronym")):
                if isinstance(name, str) and name.strip() \
                        and (target := target_form(kind, name.strip(), to, glossary)):
                    names.append((kind, name.strip(), target))
    return Matcher(entity_entries(names))


def target_form(kind: str, name: str, to: str, glossary: Matcher | None = None) -> str | None:
    """The name as it should read in the target language; None: leave it to the model."""
    from toolkit.romanise import has_arabic

    hits = glossary.find(name) if glossary is not None else []
    if hits and hits[0].start == 0 and hits[0].end == len(name):
        return hits[0].target
    if hits and kind == "person":
        masked = mask(name, hits, None)
        parts = [target_form(kind, segment.strip(), to) if segment.strip() else ""
                 for segment in masked.segments]
        if any(part is None for part in parts):
            return None
        return " ".join(filter(None, (x for i, part in enumerate(parts) for x in
                                      (part, hits[i].target if i < len(hits) else ""))))
    if kind == "person":
        if not has_arabic(name):
            return name
        if to in LATIN_TARGETS:
            from toolkit.romanise import romanise_name

            return romanise_name(name)
        return None
    if kind == "organisation":
        return name if _ACRONYM.fullmatch(name) else None
    if kind == "place" and to == "en":
        from toolkit.extract.geo import lookup

        place = lookup(name)
        return place.name if place else None
    return None


def _fields(record: Record, text: str | None, title: str | None, lang: str) -> dict:
    fields = record.get("fields")
    if isinstance(fields, dict) and any(isinstance(fields.get(k), list) for k, _ in KINDS):
        return fields
    from toolkit.extract import extract_fields

    return extract_fields(text or "", title=title, lang=lang)

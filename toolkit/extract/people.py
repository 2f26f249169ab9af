"""People and their roles, by rule: Arabic, French and English.

Arabic has no capital letters, so a name is found from its context: an honorific right
before it («السيد», «اللواء»), a role phrase before it («وزير الخارجية ... عبدالسلام
المنتصر»), an apposition between commas (role، name، or name، role), or a common given
name that starts it (toolkit/data/names.json). French and English names are runs of
capitalised words found the same ways ("Le directeur ..., Khalifa Al-Qaidi", "Foreign
Minister Taher al-Baour", "M. Ben Salem"). Mentions of one person (a shorter form, a
surname after a title) are merged into the fullest name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from toolkit.extract.lexicon import load
from toolkit.extract.normalise import Matchable, norm
from toolkit.extract.tokens import CLAUSE_END, Token, tokenize

MAX_NAME_TOKENS = 4
MAX_ROLE_TOKENS = 18

_AR_STOP = frozenset(
    ["لا", "ما", "في", "من", "على", "الي", "عن", "مع", "لدى", "خلال", "بعد", "قبل", "حول", "ضد", "عبر", "منذ", "حتى", "بين", "ان", "انه", "الذي", "التي", "الذين", "ذلك", "هذا", "هذه", "كما", "حيث", "ثم", "او", "و", "اليوم", "امس", "يوم", "غدا", "صباح", "مساء", "رقم", "لسنة", "عام", "سنة", "بشان", "اجتماعا", "لقاء", "الاجتماع", "اللقاء", "الوفد", "على", "ايضا", "قد", "لم", "لن", "كان", "وكان", "وقد", "فقد", "الا", "اما", "به", "بها", "له", "لها", "عليه", "فيها", "منه", "منها", "اليه", "الى", "تم"]) | {"على", "إلى", "حتى", "لدى", "متى"}
_TANWEEN = "\u064b"


@dataclass
class Person:
    name: str
    role: str | None
    start: int
    end: int
    key: tuple[str, ...] = field(default_factory=tuple)
    source: str = "text"

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "name_en": None,
                "start": self.start, "end": self.end, "source": self.source}


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, frozenset[str]]:
    roles = load("roles")
    names = load("names")
    orgs = load("organisations")
    dates = load("dates")
    months = {w for series in dates["months"].values() for w in series for w in w.split()}
    weekdays = {w for lang in dates["weekdays"].values() for w in lang}
    return {
        "ar_heads": frozenset(norm(w) for w in roles["ar_heads"]),
        "ar_honorifics": frozenset(norm(w) for w in roles["ar_honorifics"]),
        "ar_names": frozenset(norm(w) for w in names["ar"]),
        "ar_org_heads": frozenset(norm(w) for w in orgs["ar_heads"]),
        "latin_names": frozenset(names["latin"]),
        "fr_heads": frozenset(w.lower() for w in roles["fr_heads"]),
        "en_heads": frozenset(w.lower() for w in roles["en_heads"]),
        "latin_honorifics": frozenset(roles["latin_honorifics"]),
        "determiners": frozenset(roles["latin_determiners"]),
        "particles": frozenset(roles["latin_particles"]),
        "org_words": frozenset(w.lower() for w in orgs["fr_heads"] + orgs["en_heads"]),
        "calendar": frozenset(w.lower() for w in months | weekdays),
    }


# --- Arabic -----------------------------------------------------------------------------


def _bare(word: str) -> str:
    """An Arabic word without the conjunction و (وأكد -> أكد) for lexicon look-ups."""
    return word[1:] if word.startswith("و") and len(word) > 3 else word


def _ar_role_head(word: str) -> bool:
    lex = _lexicon()
    bare = _bare(word)
    # «المستشارة», «والمنسقة»: a listed head with the article is the same role.
    return word in lex["ar_heads"] or bare in lex["ar_heads"] or (
        bare.startswith("ال") and bare[2:] in lex["ar_heads"])


def _ar_given(word: str) -> bool:
    lex = _lexicon()
    return word in lex["ar_names"] or (word.startswith("عبد") and len(word) > 4)


def _ar_name_word(m: Matchable, token: Token, first: bool = True) -> bool:
    lex = _lexicon()
    word = token.text
    if not token.is_word or not re.match(r"[\u0600-\u06ff]", word) or word in _AR_STOP:
        return False
    if _ar_role_head(word) or word in lex["ar_org_heads"] or word in lex["calendar"]:
        return False
    if not first and word.startswith("و") and word not in lex["ar_names"]:
        return False  # «وصندوق»، «ووزير»: a conjunction starts the next phrase
    if _country_word(word):
        return False
    s, e = m.span(token.start, token.end)
    surface = m.source[s:e]
    # the span may stop before a final mark: «قسماً» ends on the alef, then the tanween
    return _TANWEEN not in m.source[s:e + 1] and surface not in _AR_STOP


def _country_word(word: str) -> bool:
    from toolkit.extract.places import arabic_entry

    entry = arabic_entry(word)
    return entry is not None and entry.kind in ("country", "adjective")


def _names_a_company(tokens: list[Token]) -> bool:
    """«الرئيس المدير العام للمجمع الوطني سوناطراك رشيد»: the bare word after a company
    noun is the company's name, not a first name."""
    heads = {norm(w) for w in load("organisations")["ar_brand_heads"]}
    return any(re.sub(r"^(?:[وفبك]?ال|[وف]?لل|[لب])", "", t.text) in heads for t in tokens)


def _nisba_surname(tokens: list[Token], j: int) -> bool:
    nxt = tokens[j + 1] if j + 1 < len(tokens) else None
    return tokens[j].text.startswith("ال") and _country_word(tokens[j].text) and (
        nxt is None or not nxt.is_word or nxt.text in _AR_STOP)


def _after_family_name(tokens: list[Token], j: int) -> bool:
    """«الصديق الصور بحبس»: after a family name with the article (not a given name such
    as «الهادي»), a word with a clitic preposition starts the rest of the sentence; so
    does a verb in the future («سعداوي سيعقد»)."""
    previous, word = tokens[j - 1].text, tokens[j].text
    if re.fullmatch(r"س[يتن]\w{2,4}", word) and not word.endswith(("ي", "ا")) \
            and not _ar_given(word):
        return True  # «سيعقد», not «سيرفادي»
    if re.fullmatch(r"[يت]\w{3}", word) and not word.endswith(("ي", "ا")) \
            and not _ar_given(word):
        return True  # «شكري يبحث»: a verb in the present
    return (previous.startswith("ال") and not _ar_given(previous)
            and re.match(r"[بلفك]\w{3,}", word) is not None and not _ar_given(word))


def _ar_name_from(m: Matchable, tokens: list[Token], i: int, *, need_given: bool,
                  until_comma: bool = False) -> int:
    """Index past the name starting at token i, or i when none starts there."""
    if i >= len(tokens) or not _ar_name_word(m, tokens[i]):
        return i
    if need_given and not _ar_given(tokens[i].text):
        return i
    j = i + 1
    while j < len(tokens) and j - i < MAX_NAME_TOKENS and _ar_name_word(m, tokens[j], False) \
            and not _after_family_name(tokens, j):
        j += 1
    if j - i >= 2 and j < len(tokens) and _nisba_surname(tokens, j):
        j += 1  # «محمد شياع السوداني،»: a family name that is also a nationality
    if until_comma and j < len(tokens) and tokens[j].text not in "،,.:؛\n":
        return i if not need_given else j
    if j - i == 1 and not until_comma and tokens[i].text.startswith("عبد") is False:
        return j if not need_given else i
    return j


def _arabic_people(m: Matchable, tokens: list[Token]) -> list[Person]:
    lex = _lexicon()
    found: list[Person] = []
    claimed: set[int] = set()
    for i, token in enumerate(tokens):
        word = token.text
        if i in claimed:
            continue
        if word in lex["ar_honorifics"] or _bare(word) in lex["ar_honorifics"]:
            end = _ar_name_from(m, tokens, i + 1, need_given=False)
            if end > i + 1:
                role = _ar_role_before(m, tokens, i) or _ar_role_after(m, tokens, end)
                found.append(_person(m, tokens, i + 1, end, role))
                claimed.update(range(i, end))
            continue
        if _ar_role_head(word):
            hit = _ar_name_after_role(m, tokens, i)
            if hit:
                name_start, name_end = hit
                role = _span_text(m, tokens, i, _role_end(tokens, i, name_start))
                found.append(_person(m, tokens, name_start, name_end, role))
                claimed.update(range(i, name_end))
            continue
        if _ar_given(word):
            end = _ar_name_from(m, tokens, i, need_given=True)
            if end - i >= 2:
                role = _ar_role_after(m, tokens, end)
                found.append(_person(m, tokens, i, end, role))
                claimed.update(range(i, end))
    found += _ar_comma_names(m, tokens, claimed)
    return found


def _role_end(tokens: list[Token], head: int, name_start: int) -> int:
    end = name_start
    lex = _lexicon()
    while end > head + 1 and (tokens[end - 1].text in "،,"
                              or tokens[end - 1].text in lex["ar_honorifics"]):
        end -= 1
    return end


def _ar_name_after_role(m: Matchable, tokens: list[Token], head: int):
    """The name a role phrase introduces: after a comma, an honorific or a given name;
    failing those, a name without the article where the role phrase ends."""
    lex = _lexicon()
    j = head + 1
    while j < len(tokens) and j - head <= MAX_ROLE_TOKENS:
        text = tokens[j].text
        if text == "(" and j + 2 < len(tokens) and tokens[j + 2].text == ")":
            j += 3  # «... اللاجئين الفلسطينيين (الأونروا) فيليب لازاريني»: an acronym
            continue
        if text in CLAUSE_END or text.isdigit():
            break
        if j > head + 1 and text.startswith("و") and _ar_role_head(text[1:]):
            # «محافظ المصرف X Y ورئيس المؤسسة»: a name before و closes the first role;
            # without one, «رئيس مجلس الوزراء ووزير الخارجية» is one person's two titles.
            hit = _ar_bare_name_after_role(m, tokens, head, j)
            if hit:
                return hit
        if text in "،,":
            k = j + 1
            if k < len(tokens) and tokens[k].text in lex["ar_honorifics"]:
                k += 1
                end = _ar_name_from(m, tokens, k, need_given=False)
            else:
                end = _ar_name_from(m, tokens, k, need_given=False, until_comma=True)
            if end - k >= 2 or (end - k == 1 and tokens[k].text.startswith("عبد")):
                return k, end
            break
        if j > head + 1 and text in lex["ar_honorifics"]:
            end = _ar_name_from(m, tokens, j + 1, need_given=False)
            if end > j + 1:
                return j + 1, end
            j += 1  # «... عز الدين بن الشيخ،»: a title word closing a name
            break
        if j > head + 1 and _ar_given(text):
            end = _ar_name_from(m, tokens, j, need_given=True)
            if end - j >= 2:
                earlier = _ar_bare_name_after_role(m, tokens, head, j)
                if earlier:  # «رئيس الوزراء جعفر حسان مع نظيره ... محمد»: the first name
                    return earlier
                # «الأمين العام للمجلس جاسم محمد البديوي»: an unlisted first name before
                if j - 2 > head and _closes_role(tokens[j - 2].text) \
                        and not _definite(tokens[j - 1].text) and end - j < MAX_NAME_TOKENS \
                        and not _closes_role(tokens[j - 1].text) \
                        and _ar_name_word(m, tokens[j - 1]) \
                        and not _names_a_company(tokens[head:j - 1]):
                    return j - 1, end
                return j, end
        j += 1
    return _ar_bare_name_after_role(m, tokens, head, j)


_DEFINITE = re.compile(r"^(?:[وفبك]?ال|[وف]?لل|[وف]?بال)\w{2,}")


def _definite(word: str) -> bool:
    return bool(_DEFINITE.match(word))


def _ar_bare_name_after_role(m: Matchable, tokens: list[Token], head: int, limit: int):
    """«المدير التنفيذي لمجمع إيني الإيطالي كلاوديو ديسكالزي اليوم»: no comma, no known
    given name. A role phrase ends on a definite word (ال, بال, لل); two or three words
    without the article right after it, closed by a stop word, punctuation or the next
    phrase, are the name (transliterated names never take the article). A country name
    may open it when a name word follows («جورجيا ميلوني»)."""
    for j in range(head + 2, min(limit, len(tokens))):
        if not (_closes_role(tokens[j - 1].text) and not _definite(tokens[j].text)):
            continue
        end = j
        while end < limit and end - j < 4 and _bare_name_word(m, tokens, j, end, limit):
            end += 1
        family = end - j == 1 and _definite_family_name(m, tokens, end, limit) \
            and not any(t.text in _AR_STOP for t in tokens[head + 1:j])
        if family:
            end += 1  # «وزير الصحة مصعب العلي اليوم»: an unlisted given name, a family name
        if 2 <= end - j <= 4 and (family or _ar_name_closes(tokens, end)):
            given = next((k for k in range(j + 1, end) if _ar_given(tokens[k].text)), None)
            return (given, end) if given is not None and end - given >= 2 else (j, end)
    return None


def _definite_family_name(m: Matchable, tokens: list[Token], k: int, limit: int) -> bool:
    """A family name with the article («العلي») after a bare given name, only when a time
    word, a preposition or punctuation closes it right after (so not an object noun)."""
    from toolkit.extract.places import arabic_entry

    if k + 1 >= min(limit, len(tokens)) or not re.match(r"ال\w{2,}", tokens[k].text):
        return False
    word, after = tokens[k].text, tokens[k + 1]
    if not _ar_name_word(m, tokens[k], False) or arabic_entry(word) is not None:
        return False
    if not after.is_word or after.text in _AR_STOP:
        return True
    s, e = m.span(after.start, after.end)
    return _TANWEEN in m.source[s:e + 1]  # «... العلي قسماً جديداً»: an indefinite object


def _closes_role(word: str) -> bool:
    """The last word of a role phrase: definite («الإيطالي», «بالرباط») or a place with a
    preposition («سفير الاتحاد الأوروبي بتونس»)."""
    if _definite(word) or word == ")":
        return True
    from toolkit.extract.places import arabic_entry

    return re.match(r"[بل]", word) is not None and arabic_entry(word) is not None


_NAME_LINKS = frozenset(["بن", "ابن", "بو", "ابو", "ولد", "بنت"])
_COMPOUND_SECONDS = frozenset(["الدين", "الله", "الرحمن", "الرحيم", "الكريم", "الاسلام"])


def _bare_name_word(m: Matchable, tokens: list[Token], j: int, k: int, limit: int) -> bool:
    """May token k go on with a name without the article that started at j? «عز الدين
    بن الشيخ»: a compound given name or a word after «بن» may take the article."""
    word = tokens[k].text
    if k > j and (word in _COMPOUND_SECONDS or tokens[k - 1].text in _NAME_LINKS):
        return True
    if _closes_role(word):
        return False  # «بتونس»: still the role's
    if k == j and re.match(r"ي\w{3,}", word) and not _ar_given(word):
        return False  # «النائب العام يأمر بحبس»: a verb follows a headline's role
    return _ar_name_word(m, tokens[k], k == j) or (
        k == j and _ar_country_given(m, tokens, k, limit))


def _ar_country_given(m: Matchable, tokens: list[Token], i: int, limit: int) -> bool:
    nxt = i + 1
    return (_country_word(tokens[i].text) and not tokens[i].text.startswith("و")
            and nxt < limit and not _definite(tokens[nxt].text)
            and _ar_name_word(m, tokens[nxt], False))


def _ar_name_closes(tokens: list[Token], end: int) -> bool:
    if end >= len(tokens):
        return True
    word = tokens[end].text
    return (not tokens[end].is_word or word in _AR_STOP or _bare(word) in _AR_STOP
            or _ar_role_head(word) or (word.startswith("و") and _definite(word[1:])))


def _ar_role_before(m: Matchable, tokens: list[Token], honorific: int) -> str | None:
    """«وكيل وزارة الداخلية لشؤون المنافذ، اللواء فرج القماطي»: the role before a title."""
    j = honorific - 1
    if j >= 0 and tokens[j].text in "،,":
        j -= 1
    stop = max(-1, j - MAX_ROLE_TOKENS)
    while j > stop:
        text = tokens[j].text
        if text in CLAUSE_END or text in "،,":
            return None
        if _ar_role_head(text):
            end = honorific - 1 if tokens[honorific - 1].text in "،," else honorific
            return _span_text(m, tokens, j, end)
        j -= 1
    return None


def _ar_role_after(m: Matchable, tokens: list[Token], end: int) -> str | None:
    """«الطاهر حسين، مدير إدارة المراسم ...،»: the apposition after a name."""
    if end + 1 < len(tokens) and tokens[end].text in "،," and _ar_role_head(tokens[end + 1].text):
        stop = end + 1
        while (stop < len(tokens) and stop - end <= MAX_ROLE_TOKENS
               and tokens[stop].text not in CLAUSE_END and tokens[stop].text not in "،,"):
            stop += 1
        return _span_text(m, tokens, end + 1, stop)
    return None


def _ar_comma_names(m: Matchable, tokens: list[Token], claimed: set[int]) -> list[Person]:
    """«، جيريمي بيرنت، القائم بالأعمال ...»: two or three words between commas, then a role."""
    found = []
    for i, token in enumerate(tokens[:-3]):
        if token.text not in "،," or i + 1 in claimed:
            continue
        end = i + 1
        while end < len(tokens) and end - i <= 3 and _ar_name_word(m, tokens[end]):
            end += 1
        if 2 <= end - i - 1 <= 3 and end + 1 < len(tokens) and tokens[end].text in "،,":
            role = _ar_role_after(m, tokens, end)
            if role:
                found.append(_person(m, tokens, i + 1, end, role))
                claimed.update(range(i + 1, end))
    return found


# --- French and English ------------------------------------------------------------------


def _cap(word: str) -> bool:
    return bool(word) and word[0].isupper() and any(c.islower() for c in word[1:]) or \
        bool(re.match(r"(?:al|el)-[A-Z]", word))


def _latin_name_word(word: str) -> bool:
    lex = _lexicon()
    lower = word.lower()
    if lower in lex["org_words"] or lower in lex["calendar"] or lower in lex["fr_heads"] \
            or lower in lex["en_heads"] or word in lex["latin_honorifics"]:
        return False
    return _cap(word) or word.lower() in lex["particles"]


def _latin_names(tokens: list[Token]) -> list[tuple[int, int]]:
    """Runs of capitalised words (with particles: Ben, al-, Abu...) of 2 to 5 words."""
    runs = []
    i = 0
    lex = _lexicon()
    while i < len(tokens):
        if _cap(tokens[i].text) and _latin_name_word(tokens[i].text):
            j, words = i, 0
            # "Faisal bin Thani bin Faisal Al Thani": particles do not count towards the five
            while j < len(tokens) and _latin_name_word(tokens[j].text) and words < 5 \
                    and j - i < 8:
                words += tokens[j].text.lower() not in lex["particles"]
                j += 1
            while j > i and tokens[j - 1].text.lower() in lex["particles"]:
                j -= 1
            if j - i >= 2:
                runs.append((i, j))
            i = max(j, i + 1)
        else:
            i += 1
    return runs


def _latin_people(m: Matchable, tokens: list[Token], lang: str | None,
                  known_places: set[str]) -> list[Person]:
    lex = _lexicon()
    heads = lex["fr_heads"] | lex["en_heads"]
    found, unsure = [], []
    previous_end = 0
    for start, end in _latin_names(tokens):
        # Drop a leading determiner or sentence word ("Le Conseil", "Selon ...").
        words = [t.text for t in tokens[start:end]]
        if words[0].lower() in lex["determiners"] or words[0].lower() in heads:
            start += 1
            words = words[1:]
        start, words = _name_after_complement(tokens, start, words)
        if len(words) < 2 or any(w in known_places for w in words):
            continue
        honorific = _latin_honorific_before(tokens, start)
        given = words[0] in lex["latin_names"] or words[0].startswith(("Abdel", "Abdul"))
        if not honorific and not given and start > 0 and tokens[start - 1].text.lower() in _OF:
            continue  # "Commissioner for Political Affairs": a complement, not a name
        role = _latin_role_before(m, tokens, start, previous_end, heads)
        if role is None:
            role = _latin_role_after(m, tokens, end, heads)
        if honorific or role or given:
            found.append(_person(m, tokens, start, end, role))
            previous_end = end
        else:
            unsure.append(_person(m, tokens, start, end, None))
    found += _latin_honorific_surnames(m, tokens, found)
    later = list(found)
    # "led by Ivanna Vladkova Hollar ... Ms. Vladkova Hollar said": the honorific later
    # (or a role) confirms the full name met earlier without one or a known given name.
    for person in unsure:
        if any(len(person.key) > len(p.key) and person.key[-len(p.key):] == p.key
               and p.start > person.end for p in later):
            found.append(person)
    return found


def _name_after_complement(tokens: list[Token], start: int, words: list[str]
                           ) -> tuple[int, list[str]]:
    """"Coordinator for Libya Georgette Gagnon", "Minister of Economy and Planning Samir
    Abdelhafidh": a role's complement runs into the name when no comma parts them. A
    place, or words before a known given name after of/for/and, belong to the role."""
    from toolkit.extract.places import latin_place

    lex = _lexicon()
    cut = 0
    while len(words) - cut > 2 and latin_place(words[cut]):
        cut += 1
    if start > 0 and tokens[start - 1].text.lower() in _OF | {"and", "et"}:
        given = next((k for k in range(cut + 1, len(words) - 1)
                      if words[k] in lex["latin_names"]), None)
        if given is not None:
            cut = given
    return start + cut, words[cut:]


_OF = frozenset(["of", "for", "de", "du", "des", "d'", "pour", "the", "la", "le", "l'", "les"])


def _unelided(word: str) -> str:
    """"L'ambassadeur" -> "ambassadeur": the article is part of the token."""
    return word[2:] if re.match(r"[lLdD]['’]\w", word) else word


def _latin_honorific_before(tokens: list[Token], start: int) -> bool:
    lex = _lexicon()
    j = start - 1
    if j >= 0 and tokens[j].text == ".":
        j -= 1
        if j >= 1 and tokens[j - 1].text == "." and tokens[j].text in ("E",):  # S.E., H.E.
            return True
        return j >= 0 and (tokens[j].text + ".") in lex["latin_honorifics"]
    return j >= 0 and tokens[j].text in lex["latin_honorifics"]


def _skip_honorific_back(tokens: list[Token], j: int) -> int:
    """Index of the last token before an honorific that ends at j (exclusive)."""
    lex = _lexicon()
    k = j - 1
    while k >= 0 and (tokens[k].text == "." or tokens[k].text in lex["latin_honorifics"]
                      or tokens[k].text + "." in lex["latin_honorifics"]
                      or tokens[k].text in ("S", "E", "H")):
        k -= 1
    return k + 1


def _latin_role_before(m, tokens, start, floor, heads) -> str | None:
    j = _skip_honorific_back(tokens, start)
    comma = j - 1 >= 0 and tokens[j - 1].text == ","
    end = j - 1 if comma else j
    if end <= floor:
        return None
    # The earliest role head in the clause before the name, commas allowed only before
    # capitalised continuations ("Political Affairs, Peace and Security").
    first_head = None
    k = end - 1
    while k >= floor:
        text = tokens[k].text
        if text == ")" and k >= 2 and tokens[k - 2].text == "(":
            k -= 3  # "(NOC)": an acronym inside the role phrase
            continue
        if text in CLAUSE_END or text in ("-", "—"):
            break
        if text == "," and k + 1 < len(tokens) and not tokens[k + 1].text[:1].isupper():
            break
        if _unelided(text).lower() in heads:
            first_head = k
            if not comma:
                break  # "le préfet Marco Rinaldi": the role is the word right before
        k -= 1
    if first_head is None:
        return None
    if not comma and not (tokens[end - 1].text.lower() in heads or _cap(tokens[end - 1].text)
                          or tokens[end - 1].text == ")"):
        return None  # "chairman is Dr. X": a verb stands between role and name
    begin = first_head
    lex = _lexicon()
    for back in range(1, 6):
        b = first_head - back
        initial_dot = tokens[b].text == "." and b > 0 and len(tokens[b - 1].text) == 1
        if b < floor or tokens[b].text == "," or (tokens[b].text in CLAUSE_END
                                                  and not initial_dot):
            break
        if tokens[b].text.lower() in lex["determiners"]:
            begin = b
            break
        if tokens[b].text in ("of", "for") and b > floor and tokens[b - 1].text[:1].isupper():
            continue  # "Central Bank of Egypt Governor"
        if not (tokens[b].text[:1].isupper() or tokens[b].text in "."):
            break
        if tokens[b].text[:1].isupper():
            begin = b
    return _span_text(m, tokens, begin, end)


def _latin_role_after(m, tokens, end, heads) -> str | None:
    if end + 1 >= len(tokens) or tokens[end].text != ",":
        return None
    k = end + 1
    lex = _lexicon()
    if tokens[k].text.lower() in lex["determiners"]:
        k += 1
    while k < len(tokens) and k - end < 4 and _unelided(tokens[k].text).lower() not in heads:
        if not tokens[k].text[:1].isupper():
            return None
        k += 1
    if k >= len(tokens) or _unelided(tokens[k].text).lower() not in heads:
        return None
    stop = k
    while (stop < len(tokens) and stop - end <= MAX_ROLE_TOKENS
           and tokens[stop].text not in CLAUSE_END and tokens[stop].text != ","):
        stop += 1
    return _span_text(m, tokens, end + 1, stop)


def _latin_honorific_surnames(m, tokens, found) -> list[Person]:
    """"M. Ben Salem", "Mr. Hart" alone: kept as mentions, merged later by surname."""
    lex = _lexicon()
    out = []
    taken = {(p.start, p.end) for p in found}
    for i, token in enumerate(tokens[:-1]):
        if token.text in lex["latin_honorifics"] or (
                tokens[i + 1].text == "." and token.text + "." in lex["latin_honorifics"]):
            k = i + 2 if tokens[i + 1].text == "." else i + 1
            j = k
            while j < len(tokens) and j - k < 3 and _latin_name_word(tokens[j].text):
                j += 1
            if j > k and _cap(tokens[k].text):
                person = _person(m, tokens, k, j, None)
                if (person.start, person.end) not in taken:
                    out.append(person)
    return out


# --- common -------------------------------------------------------------------------------


def _span_text(m: Matchable, tokens: list[Token], i: int, j: int) -> str | None:
    if j <= i:
        return None
    start = tokens[i].start
    if tokens[i].text.startswith("و") and _ar_role_head(tokens[i].text[1:]):
        start += 1  # «ومدير إدارة ...»: the conjunction is not part of the role
    text, _, _ = m.surface(start, tokens[j - 1].end)
    return text.strip(" ،,") or None


def _person(m: Matchable, tokens: list[Token], i: int, j: int, role: str | None) -> Person:
    name, start, end = m.surface(tokens[i].start, tokens[j - 1].end)
    key = tuple(_key_word(t.text) for t in tokens[i:j])
    return Person(name, role, start, end, key)


def name_key(name: str) -> tuple[str, ...]:
    """The words that identify a person across mentions (article and case dropped)."""
    return tuple(_key_word(w) for w in name.split())


def _key_word(word: str) -> str:
    key = norm(word)
    for prefix in ("al-", "el-", "ال"):
        if key.startswith(prefix) and len(key) > len(prefix) + 2:
            return key[len(prefix):]
    return key


def merge(people: list[Person]) -> list[Person]:
    """One entry per person: the longest name; a shorter mention whose words end the
    longer name (a surname) or are all in it joins it; the first role found is kept."""
    people = _drop_run_ons(people)
    ordered = sorted(people, key=lambda p: (-len(p.key), p.start))
    merged: list[Person] = []
    for person in ordered:
        for kept in merged:
            if _same_person(person.key, kept.key):
                if kept.role is None and person.role:
                    kept.role = person.role
                break
        else:
            merged.append(Person(person.name, person.role, person.start, person.end,
                                 person.key, person.source))
    merged.sort(key=lambda p: p.start)
    return merged


def _drop_run_ons(people: list[Person]) -> list[Person]:
    """«السيد الباعور القرار بأنه»: a mention that starts with another person's surname
    ran on past the name; it is that person."""
    # «Qais bin Mohammed» cut short from «Qais bin Mohammed Al Yousef» gives no surname
    cut_short = {p.key for p in people for q in people
                 if len(q.key) > len(p.key) and q.key[:len(p.key)] == p.key}
    surnames = {p.key[-1] for p in people if len(p.key) >= 2 and p.key not in cut_short}
    return [p for p in people if not (len(p.key) > 2 and p.key[0] in surnames
                                       and p.key[0] != p.key[-1])]


def _same_person(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    if short == long:
        return True
    if len(long) >= 2 and short[0] == long[-1] and short != long[-1:] + long[:-1]:
        return True
    if len(short) >= len(long):
        return False
    joined_long = "".join(long)
    return long[-len(short):] == short or "".join(short) == joined_long or \
        all(w in long for w in short) and len(short) >= 2


def find_people(m: Matchable, lang: str | None, known_places: set[str] | None = None
                ) -> list[Person]:
    tokens = tokenize(m.text)
    if lang == "ar" or (lang is None and re.search(r"[\u0600-\u06ff]", m.text)):
        people = _arabic_people(m, tokens)
    else:
        people = _latin_people(m, tokens, lang, known_places or set())
    return merge([p for p in people if len(p.key) >= 1])

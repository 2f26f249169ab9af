"""Organisations, with the acronym the text gives in parentheses.

Arabic: a head noun (وزارة، مجلس، هيئة، مكتب، مفوضية، اتحاد، جامعة، منظمة...) and the
genitive chain after it (words with the article, ل/لل complements, a construct noun
followed by one: «سفارة جمهورية العراق», «مكتب الأمم المتحدة لتنسيق الشؤون الإنسانية»).
French: a head noun and its complements (adjectives, de/du/des/pour/en + words):
«ministère des Affaires étrangères et de la Coopération internationale». English: a run
of capitalised words holding a head noun ("Central Bank of Libya"). A following
"(ACRONYM)" is kept; a bare acronym defined that way, or a known news agency, is the
same organisation. Heads and fixed names are data (toolkit/data/organisations.json).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from toolkit.extract.lexicon import load
from toolkit.extract.normalise import Matchable, fold_accents, norm
from toolkit.extract.tokens import Token, tokenize

MAX_ORG_TOKENS = 12
_ACRONYM = re.compile(r"\s*\(\s*([A-Z][A-Za-z&.]{1,9}|[\u0600-\u06ff]{2,10})\s*\)")
_AR_STOP = frozenset(norm(w) for w in
                     ["في", "من", "على", "إلى", "عن", "مع", "لدى", "خلال", "بعد", "قبل", "حول", "ضد", "عبر", "منذ", "حتى", "بين", "أن", "رقم", "الذي", "التي", "الذين"])


@dataclass
class Organisation:
    name: str
    acronym: str | None
    start: int
    end: int
    source: str = "text"

    def as_dict(self) -> dict:
        return {"name": self.name, "acronym": self.acronym, "start": self.start,
                "end": self.end, "source": self.source}


@lru_cache(maxsize=1)
def _lexicon() -> dict:
    data = load("organisations")
    return {
        "ar_heads": frozenset(norm(w) for w in data["ar_heads"]),
        "ar_generic": frozenset(norm(w) for w in data["ar_generic"]),
        "ar_fixed": [norm(w) for w in data["ar_fixed"]],
        "ar_construct_only": frozenset(norm(w) for w in data["ar_construct_only"]),
        "ar_seat": frozenset(norm(w) for w in data["ar_seat_words"]),
        "ar_kind_adjectives": frozenset(norm(w) for w in data["ar_kind_adjectives"]),
        "ar_seated": frozenset(norm(w) for w in data["ar_seated_heads"]),
        "ar_brand_heads": frozenset(norm(w) for w in data["ar_brand_heads"]),
        "fr_lower": frozenset(data["fr_lowercase_heads"]),
        "latin_stop": frozenset(data["latin_stop"]),
        "fr_pre": frozenset(data["fr_pre_adjectives"]),
        "fr_heads": frozenset(w.lower() for w in data["fr_heads"]),
        "fr_adjectives": frozenset(data["fr_adjectives"]),
        "fixed": sorted(data["fr_fixed"] + data["en_fixed"], key=len, reverse=True),
        "en_heads": frozenset(data["en_heads"]),
        "en_single": frozenset(data["en_single"]),
        "connectors": frozenset(data["latin_connectors"]),
        "latin_brand_heads": frozenset(data["latin_brand_heads"]),
    }


# --- Arabic -------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _ar_head(word: str) -> int | None:
    """Length of the clitic before an organisation head («بوزارة» -> 1, «للجنة» -> 2,
    «والمفوضية» -> 1), or None when the word is no head."""
    lex = _lexicon()
    heads = lex["ar_heads"]
    for clitic, article, head in _splits(word):
        if head in heads:
            if article and head in lex["ar_construct_only"]:
                return None  # «المصلحة العليا» is an interest, «مصلحة الجمارك» an office
            return len(clitic) if article != "ل" else len(clitic) + 1
    return None


def _splits(word: str):
    for clitic in ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك"):
        if not word.startswith(clitic):
            continue
        rest = word[len(clitic):]
        yield clitic, "", rest
        if rest.startswith("ال"):
            yield clitic, "ال", rest[2:]
        if clitic.endswith("ل") and rest.startswith("ل"):
            yield clitic, "ل", rest[1:]


def _ar_complement(tokens: list[Token], j: int, first: bool = False) -> int:
    """How many tokens from j continue an Arabic organisation name (0: it ends here)."""
    word = tokens[j].text
    if not tokens[j].is_word or word in _AR_STOP or word.isdigit():
        return 0
    if _person_word(word) and not (first and word.startswith("ال")):
        return 0  # a title starts; but «مكتب النائب العام» is named after one
    if word in _ENDS_NAME or norm(word) in _ORDINALS:
        return 0  # «المجموعة الرابعة», «المركز الثاني»: a rank, not a name
    if word.startswith("و") and _ar_head(word) is not None:
        return 0  # «وزارة الصحة والهيئة الليبية ...»: a second organisation starts
    if re.match(r"(?:و|ف)?(?:ال|لل)", word) and not re.match(r"(?:ب|وب)ال", word):
        return 1
    nxt = tokens[j + 1].text if j + 1 < len(tokens) else ""
    construct = not word.startswith(("ب", "و")) and word not in _DEMONSTRATIVES \
        and not re.search(r"(?:ها|هم|هما|ه)$", word)
    if construct and re.match(r"(?:ال|لل)", nxt):
        return 2  # a construct noun: «جمهورية العراق», «لتنسيق الشؤون»
    after = tokens[j + 2].text if j + 2 < len(tokens) else ""
    if re.match(r"ل(?!ل)\w{3,}", word) and re.match(r"و(?!ال)\w{3,}", nxt) \
            and re.match(r"ال", after):
        return 3  # «لإغاثة وتشغيل اللاجئين»: two verbal nouns sharing one complement
    if construct and nxt and tokens[j + 1].is_word and not nxt.startswith(("ب", "و")) \
            and re.match(r"ال", after) and _CHAIN_NOUN.search(word) \
            and not _person_word(nxt) and nxt not in _AR_STOP:
        return 3  # «جهاز تنفيذ مشروعات الإسكان»: a chain of two construct nouns
    if construct and nxt and _is_place(nxt):
        return 2  # «مديرية أمن سبها»
    from toolkit.extract.places import arabic_entry

    entry = arabic_entry(word)
    if entry is not None and entry.kind != "adjective" and not word.startswith(("ب", "في")):
        return 1  # «سفارة ليبيا»; but «شركة تركية» is just "a Turkish company"
    return 0


# Verbal nouns that head a construct chain inside a name («تنفيذ»، «تطوير»، «إدارة»,
# «مكافحة»): the forms taf'il, if'al, mufa'ala, ifti'al, istif'al.
_CHAIN_NOUN = re.compile(r"^(?:ت\w\w?ي\w|ا\w\w?ا\w|م\w\wا\w\w?ة|است\w\wا\w|ا\wت\wا\w)$")

# «الشركة العامة للمياه»، «الهيئة العامة»: "general/public" also makes a name.
_PUBLIC = frozenset(["العامة", "العام", "العليا", "الاعلي"])
_UNNAMED_COMPLEMENTS = frozenset(["المدينة", "البلدة", "القرية"])
_DEMONSTRATIVES = frozenset(["هذا", "هذه", "لهذا", "لهذه", "بهذا", "بهذه", "ذلك", "تلك", "لذلك"])
_ORDINALS = frozenset(norm(w) for w in (
    "الأول", "الأولى", "الثاني", "الثانية", "الثالث", "الثالثة", "الرابع", "الرابعة", "الخامس",
    "الخامسة", "السادس", "السادسة", "السابع", "السابعة", "الثامن", "الثامنة", "التاسع",
    "التاسعة", "العاشر", "العاشرة", "الحادي", "الحادية", "الأخير", "الأخيرة"))
# «بعثة المراقبة التابعة للاتحاد الأفريقي»: what follows belongs to another organisation.
_ENDS_NAME = frozenset(["التابعة", "التابع", "التابعين"])


def _is_place(word: str) -> bool:
    from toolkit.extract.places import arabic_entry

    entry = arabic_entry(word)
    return entry is not None and entry.kind in ("place", "country")


def _person_word(word: str) -> bool:
    from toolkit.extract.people import _ar_given
    from toolkit.extract.people import _lexicon as people_lexicon

    lex = people_lexicon()
    return _ar_given(word) or word in lex["ar_honorifics"] or word in lex["ar_heads"] or (
        word.startswith("و") and word[1:] in lex["ar_heads"])


def _arabic(m: Matchable, tokens: list[Token]) -> list[Organisation]:
    lex = _lexicon()
    found = []
    i = 0
    while i < len(tokens):
        cut = _ar_head(tokens[i].text) if tokens[i].is_word else None
        if cut is None and tokens[i].is_word:
            cut = _construct_head_with_adjective(tokens, i)
        if cut is None or cut < 0:
            i += 1
            continue
        j = i + 1
        definite = tokens[i].text[cut:].startswith("ال")
        # «وكيل وزارة ...», «الممثل الأعلى للاتحاد الأوروبي ...»: inside a title
        in_title = any(_person_word(t.text) for t in tokens[max(0, i - 2):i])
        while j < len(tokens) and j - i < MAX_ORG_TOKENS:
            step = _ar_complement(tokens, j, first=j == i + 1 and not definite)
            if step == 0:
                break
            if definite and j == i + 1 and not re.match(r"(?:و|ف)?(?:ال|لل)", tokens[j].text):
                break  # «اللجنة حصر ...»: a definite noun heads no construct; a verb follows
            if in_title and re.match(r"لل?ش[ؤئو]ون", tokens[j].text) \
                    and tokens[j - 1].text not in _PUBLIC:  # «الهيئة العامة لشؤون ...»
                break  # «وكيل وزارة الداخلية لشؤون المنافذ»: the rest is the title's
            if step == 1 and _ar_head(tokens[j].text) == 0 and j > i + 1 and \
                    not tokens[j].text.startswith("ال"):
                break
            if j > i + 1 and _nisba(tokens[j - 1].text) and not _is_place(tokens[j].text) and (
                    _bare_definite_noun(tokens[j].text)
                    or not re.match(r"(?:[وف]?ال|[وف]?ل)", tokens[j].text)):
                break  # «المحكمة الابتدائية الملف», «الإدارية أحالت»: no genitive after one
            j += step
        head = tokens[i].text[cut:]
        if _bare_head(head) in lex["ar_seated"] and j < len(tokens) \
                and re.match(r"و?ب", tokens[j].text) and _is_place(tokens[j].text):
            j += 1  # «محكمة الاستئناف بالرباط»: a court is named with its seat
        if _bare_head(head) == "مجلس" and j > i + 2 and tokens[i + 1].text == "ادارة":
            # «رئيس مجلس إدارة المنطقة الحرة»: the board belongs to the organisation named
            # («مجلس إدارة المؤسسة» only refers to one)
            if j > i + 3 or tokens[i + 2].text not in lex["ar_generic"]:
                found.append(_make(m, tokens[i + 2].start, tokens[j - 1].end))
            i = j
            continue
        words = [t.text for t in tokens[i:j]]
        if len(words) > 1 and words[1] in _UNNAMED_COMPLEMENTS:
            i = j  # «مستشفى المدينة العام»: "the town's general hospital" names none
            continue
        if head in lex["ar_seat"] and j > i + 1 and _ar_head(words[1]) is not None:
            i += 1  # «بديوان وزارة الخارجية»: the ministry, not its seat
            continue
        # «الجامعة الكامل»، «المفوضية المواطنين»: a generic noun («the ministry») names an
        # organisation only with a nisba adjective («المجلس الرئاسي», «الهيئة الليبية»).
        generic_only = (len(words) == 2 and words[1] in lex["ar_generic"]) or (
            len(words) > 1 and words[0][cut:] in lex["ar_generic"]
            and not re.search(r"(?:ي|ية)$", words[1]) and words[1] not in _PUBLIC)
        if head in lex["ar_fixed"] or (len(words) >= 2 and not generic_only
                                       and _ar_named(words, cut)):
            found.append(_make(m, tokens[i].start + cut, tokens[j - 1].end))
        i = max(j, i + 1)
    return found


# «اللجنة العليا» alone is "the high committee"; «المحكمة العليا» is a name (no generic head).
_RANK = frozenset(["العليا", "الاعلي"])


def _construct_head_with_adjective(tokens: list[Token], i: int) -> int | None:
    """«المركز الوطني لمكافحة الأمراض»: a head that names only in a construct («مركز
    المدينة») also does with the article when a nisba adjective follows."""
    lex = _lexicon()
    for clitic, article, head in _splits(tokens[i].text):
        if article == "ال" and head in lex["ar_construct_only"] and i + 1 < len(tokens) \
                and re.fullmatch(r"ال\w+ي(?:ة)?", tokens[i + 1].text) \
                and tokens[i + 1].text not in lex["ar_kind_adjectives"]:
            return len(clitic)
    return None


def _nisba(word: str) -> bool:
    return re.fullmatch(r"ال\w+ي(?:ة)?", word) is not None


def _bare_definite_noun(word: str) -> bool:
    """«الملف» after «الابتدائية» starts the object; adjectives («العليا»، «المتحدة»)
    and «لل» complements («للنفط») go on with the name."""
    return word.startswith("ال") and not _nisba(word) and word not in _PUBLIC \
        and word not in _ADJECTIVES_AR


_ADJECTIVES_AR = frozenset(["المتحدة", "الكبري", "الاحمر", "الدائمة", "الحرة", "المستقلة",
                            "المشتركة", "الموحدة", "الخاصة", "المؤقتة"])


def _bare_head(head: str) -> str:
    return head.removeprefix("ال")


def _ar_brands(m: Matchable, tokens: list[Token]) -> list[tuple[int, Organisation]]:
    """«المجمع الوطني سوناطراك», «مجمع إيني الإيطالي»: after a company noun and its
    adjectives, a word without the article that is no Arabic adjective is the company's
    own name (returned with where its company noun starts)."""
    lex = _lexicon()
    found = []
    for i, token in enumerate(tokens[:-1]):
        cut = _ar_head(token.text) if token.is_word else None
        if cut is None or _bare_head(token.text[cut:]) not in lex["ar_brand_heads"]:
            continue
        k = i + 1
        while k < len(tokens) and re.match(r"ال\w+ي(?:ة)?$", tokens[k].text):
            k += 1  # «الوطني»، «العمومية»
        if k < len(tokens) and _brand_word(tokens, k):
            found.append((token.start + cut, _make(m, tokens[k].start, tokens[k].end)))
        elif k + 1 < len(tokens) and _brand_shape(tokens[k].text) and _brand_word(tokens, k + 1):
            # «شركة بريتش بتروليوم البريطانية»: a two-word name
            found.append((token.start + cut, _make(m, tokens[k].start, tokens[k + 1].end)))
    return found


def _brand_shape(word: str) -> bool:
    return bool(re.fullmatch(r"[\u0600-\u06ff]{3,}", word)) and not re.match(
        r"(?:[وفبكل]?ال|لل)", word) and not word.endswith(("ة", "ى", "ي")) \
        and word not in _AR_STOP and not _person_word(word) and _ar_head(word) is None \
        and not _is_place(word)


def _brand_word(tokens: list[Token], k: int) -> bool:
    word = tokens[k].text
    if not re.fullmatch(r"[\u0600-\u06ff]{3,}", word) or re.match(r"(?:[وفبكل]?ال|لل)", word):
        return False
    if word.endswith(("ة", "ى", "ية")) or word in _AR_STOP or _person_word(word) \
            or _ar_head(word) is not None or _is_place(word):
        return False
    from toolkit.extract.places import arabic_adjective, arabic_entry

    if arabic_entry(word) is not None:
        return False
    nxt = tokens[k + 1].text if k + 1 < len(tokens) else ""
    if word.endswith("ي"):  # «إيني الإيطالي», not «مجمع صناعي»
        return bool(nxt) and arabic_adjective(nxt)
    return not nxt or not tokens[k + 1].is_word or nxt in _AR_STOP \
        or re.match(r"(?:و?ال|لل)", nxt) is not None or _person_word(nxt)


def _ar_named(words: list[str], cut: int) -> bool:
    """A name is definite: the head takes the article, or a complement does, or names a
    place («مديرية أمن سبها»). «لجنة فنية مشتركة», «سفارة عراقية» describe ("a joint
    technical committee"), and a generic noun with only an adjective of kind
    («المحكمة الابتدائية», «المجلس البلدي») refers to one without naming it."""
    from toolkit.extract.places import arabic_adjective

    lex = _lexicon()
    if all(w in lex["ar_kind_adjectives"] or w in _RANK and words[0][cut:] in lex["ar_generic"]
           for w in words[1:]):
        return False  # «المجلس البلدي»; but «المجلس البلدي مصراتة» names its town
    if len(words) == 2 and words[0][cut:] in lex["ar_generic"] and arabic_adjective(words[1]):
        return False  # «الحكومة الإيطالية»: "the Italian government", not a name
    if words[0][cut:].startswith("ال"):
        return True
    return any(re.match(r"(?:[وفب]?ال|[وف]?لل)", w) or _is_place(w) for w in words[1:])


# --- French and English ----------------------------------------------------------------------


def _strip_elision(word: str) -> tuple[str, int]:
    match = re.match(r"[ldLD]['’](?=\w)", word)
    return (word[2:], 2) if match else (word, 0)


def _latin(m: Matchable, tokens: list[Token]) -> list[Organisation]:
    lex = _lexicon()
    found = []
    i = 0
    while i < len(tokens):
        word, skip = _strip_elision(tokens[i].text)
        lower = word.lower()
        two = f"{lower} {tokens[i + 1].text.lower()}" if i + 1 < len(tokens) else ""
        if two in lex["fr_heads"]:
            end = _french_tail(tokens, i + 2)
            found.append(_make(m, tokens[i].start + skip, tokens[end - 1].end))
            i = end
            continue
        pre = i > 0 and tokens[i - 1].text in lex["fr_pre"]
        if lower in lex["fr_heads"] and not word.isupper() and (
                lower in lex["fr_lower"] if word[0].islower() and not pre else True):
            end = _french_tail(tokens, i + 1)
            if end > i + 1:
                begin = tokens[i - 1].start if pre else tokens[i].start + skip
                found.append(_make(m, begin, tokens[end - 1].end))
                i = end
                continue
        if lower in lex["latin_brand_heads"] and i + 1 < len(tokens):
            k = i + 2 if _country_adjective(tokens[i + 1].text) else i + 1
            if k < len(tokens) and _latin_brand(tokens, k):
                found.append(_make(m, tokens[k].start, tokens[k].end))
                i = k + 1  # "le groupe Sonelgaz", "la compagnie italienne ENI"
                continue
        if word[:1].isupper() or word[:1].isdigit():
            end = _english_run(tokens, i)
            if end:
                found.append(_make(m, tokens[i].start + skip, tokens[end - 1].end))
                i = end
                continue
        i += 1
    return found


_FUNCTION_WORDS = frozenset(["contre", "pour", "entre", "de", "du", "des", "la", "le", "les", "l'", "et", "en", "à", "au", "aux", "a", "ont", "est", "sur", "par", "avec", "dans"])


def _french_tail(tokens: list[Token], j: int) -> int:
    """End of a French organisation name whose head ends before j."""
    lex = _lexicon()
    start = j
    lower_complement = False
    adjectives_only = True
    while j < len(tokens) and j - start < MAX_ORG_TOKENS:
        word, _ = _strip_elision(tokens[j].text)
        lower = tokens[j].text.lower()
        if word in lex["fr_adjectives"] or _country_adjective(word) or (
                adjectives_only and word.islower() and _ADJECTIVE_ENDING.search(word)
                and _strip_elision(tokens[start - 1].text)[0][:1].isupper()):
            j += 1  # "Cour constitutionnelle", "Autorité nationale indépendante" after a
            continue  # Head (not "un comité technique")
        adjectives_only = False
        if lower in ("de", "du", "des", "d'", "pour", "en", "et", "contre") \
                or re.match(r"d['’]\w", lower):
            k = j + (0 if re.match(r"[dl]['’]\w", lower) else 1)
            if lower == "et" and k < len(tokens) and tokens[k].text.lower() in ("de", "du", "des"):
                k += 1
            if k < len(tokens) and tokens[k].text.lower() in ("la", "les", "le", "l'"):
                k += 1
            words = 0
            previous = ""
            while k < len(tokens) and words < 3:
                inner, _ = _strip_elision(tokens[k].text)
                if not inner[:1].isalpha() or inner.lower() in lex["fr_heads"] \
                        or inner.lower() in _FUNCTION_WORDS \
                        or inner.lower() in lex["latin_stop"]:
                    break
                # "et du recensement" continues "des statistiques"; "et" + lower case
                # after a capitalised complement starts something else.
                if lower == "et" and not words and not inner[:1].isupper() \
                        and not lower_complement:
                    break
                if words and not (inner[:1].isupper() or inner in lex["fr_adjectives"]
                                  or _country_adjective(inner)
                                  or _lower_continues(previous, inner, words)):
                    break
                words += 1
                previous = inner
                k += 1
            if not words:
                break
            lower_complement = previous.islower()
            j = k
            continue
        break
    return j


def _lower_continues(previous: str, word: str, words: int) -> bool:
    """"des affaires arabes": a second lower-case word after a lower-case one, agreeing in
    number ("représentants adopte" is a verb; "Économie annonce" too)."""
    if not (word.islower() and words < 2 and word.endswith(("s", "e", "x"))):
        return False
    if not previous.islower() and not _ADJECTIVE_ENDING.search(word):
        return False  # "Affaires étrangères", not "l'Économie annonce"
    return not previous.endswith(("s", "x")) or word.endswith(("s", "x"))


_ADJECTIVE_ENDING = re.compile(
    r"(?:ères?|aires?|ales?|aux|elles?|iques?|ives?|iennes?|aises?|ées?|és|aines?|ines?"
    r"|ières?|istes?|eures?|rices?)$")


def _latin_brand(tokens: list[Token], k: int) -> bool:
    """One capitalised word, neither a place nor followed by another capitalised one."""
    word = tokens[k].text
    nxt = tokens[k + 1].text if k + 1 < len(tokens) else ""
    return bool(re.fullmatch(r"[A-Z][a-zà-ÿ]+[A-Za-z]*|[A-Z]{2,6}", word)) \
        and not _latin_place(word) \
        and not nxt[:1].isupper() and not _country_adjective(word)


def _country_adjective(word: str) -> bool:
    from toolkit.extract.places import is_adjective

    return is_adjective(word)


def _english_run(tokens: list[Token], i: int) -> int | None:
    """End of a capitalised run holding an English head noun ("Central Bank of Libya")."""
    lex = _lexicon()
    j = i
    last_head = None
    while j < len(tokens) and j - i < MAX_ORG_TOKENS:
        word, _ = _strip_elision(tokens[j].text)
        if word[:1].isdigit() and last_head is not None and last_head != j - 1:
            break  # "Ministry of Health 14 days": a count follows the name
        if word in _EN_TITLES and last_head is not None:
            if last_head == j - 1 and not _has_complement(tokens, i, j):
                return None  # "Health Cabinet Secretary": a title, not a body
            break  # "Central Bank of Egypt Governor Hassan Abdalla"
        if word[:1].isupper() or word[:1].isdigit():
            if word in lex["en_heads"]:
                last_head = j
            j += 1
            continue
        if word.lower() == "and" and last_head is None \
                and any(t.text in _EN_TITLES for t in tokens[max(0, i - 2):j]):
            return None  # "Finance Minister Ahmed Kouchouk and Central Bank ...": two people
        if word == "," and last_head is None and j > i and j + 1 < len(tokens) \
                and re.search(r"(?:al|ic|ive|ary|ous)$", tokens[j - 1].text) \
                and tokens[j + 1].text[:1].isupper():
            j += 1  # "National Economic, Social and Environmental Council"
            continue
        if word.lower() in ("of", "for") and j + 2 < len(tokens) and tokens[j + 1].text == "the" \
                and last_head is not None and tokens[j + 2].text[:1].isupper() \
                and tokens[j + 2].text not in lex["en_heads"] | {"Government"} \
                and tokens[j + 2].text.rstrip(".").lower() not in _calendar_words():
            j += 2  # "Council of the Nation"
            continue
        if word.lower() == "and" and last_head is not None and _head_ahead(tokens, j + 1):
            break  # "House of Representatives and High Council of State": two bodies
        if word == "in" and last_head is not None and j + 1 < len(tokens) \
                and _latin_city(tokens[j + 1].text):
            break  # "Association Council in Brussels": where it meets, not its name
        if word == "in" and last_head == j - 1 and j + 2 < len(tokens) \
                and tokens[j + 1].text[:1].isupper() and not tokens[j + 2].text[:1].isupper() \
                and tokens[j + 1].text not in _country_names() \
                and tokens[j + 1].text not in lex["en_heads"]:
            break  # "Referral Hospital in Eldoret": a town the gazetteer lacks
        if word.lower() in ("of", "for", "and", "on", "in", "the") and j + 1 < len(tokens) \
                and tokens[j + 1].text[:1].isupper() \
                and tokens[j + 1].text.rstrip(".").lower() not in _calendar_words() \
                and (last_head is not None or word.lower() == "and") \
                and tokens[j + 1].text not in lex["en_heads"] | {"Government"}:
            j += 1
            continue
        break
    if last_head is None:
        return None
    end = j
    # Trailing capitalised words after the last head only with of/for/in: "Bank of Libya".
    if not any(tokens[k].text in ("of", "for", "in", "on") for k in range(last_head, end)):
        if end > last_head + 1 and tokens[last_head + 1].text in _EN_NOT_BODIES:
            return None  # "Extended Fund Facility": the head names what it is part of
        end = last_head + 1
    first, _ = _strip_elision(tokens[i].text)
    if first in ("The", "Le", "La", "Les") or first.lower() in ("the",):
        return None
    owner = re.sub(r"['’]s$", "", first)
    if owner != first and _latin_place(owner) or re.search(r"-(?:based|led|backed)$", first):
        return None  # "Libya's Supreme Court", "the Tripoli-based Presidential Council"
    if _after_portfolio_title(tokens, i):
        return None  # "Minister of Local Government", "Chief of Mission": not a body
    if end - i == 1 and first not in lex["en_single"]:
        return None
    return end


# Titles of people: a capitalised run stops at one ("... of Egypt Governor Hassan Abdalla").
_EN_TITLES = frozenset(["Minister", "Secretary", "Governor", "President", "Chairman",
                        "Chairperson", "Chairwoman", "Director", "Ambassador", "Speaker",
                        "Spokesman", "Spokesperson", "Envoy", "Commissioner", "Coordinator",
                        "Officer", "CEO"])
# What a head noun may qualify without naming a body: "Fund Facility", "Union Summit".
_EN_NOT_BODIES = frozenset(["Facility", "Arrangement", "Initiative", "Project", "Forum",
                            "Summit", "Conference", "Agreement", "Review", "Report",
                            "Strategy", "Plan"])


def _has_complement(tokens: list[Token], i: int, j: int) -> bool:
    return any(tokens[k].text in ("of", "for", "on") for k in range(i, j))


@lru_cache(maxsize=1)
def _calendar_words() -> frozenset[str]:
    """Months (and their abbreviations) and weekdays: "Security Council on Nov. 4"."""
    dates = load("dates")
    words = {w.lower() for w in dates["months"]["en"]} | set(dates["weekdays"]["en"])
    return frozenset(words | {w[:3] for w in words} | {"sept"})


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    from toolkit.extract.places import _index

    return frozenset(w for w, e in _index()["latin"].items() if e.kind == "country")


def _latin_city(word: str) -> bool:
    from toolkit.extract.places import _index

    entry = _index()["latin"].get(word)
    return entry is not None and entry.kind == "place"


def _head_ahead(tokens: list[Token], k: int) -> bool:
    """A head noun among the capitalised words from k on."""
    heads = _lexicon()["en_heads"]
    while k < len(tokens) and (tokens[k].text[:1].isupper() or tokens[k].text == "the"):
        if tokens[k].text in heads:
            return True
        k += 1
    return False


def _latin_place(word: str) -> bool:
    from toolkit.extract.places import latin_place

    return latin_place(word)


def _after_portfolio_title(tokens: list[Token], i: int) -> bool:
    return i >= 2 and tokens[i - 1].text in ("of", "for") and \
        tokens[i - 2].text.lower() in ("minister", "ministers", "secretary", "chief", "head")


# --- common -------------------------------------------------------------------------------


# "Union tunisienne de l'industrie, du commerce et de l'artisanat (UTICA)": a list of
# complements after commas belongs to the name when an acronym closes it.
_ENUMERATION = re.compile(
    r"(?:\s*,\s*(?:du|de\s+la|de\s+l'|des|de|d')\s*[\w'’ -]{2,40}?)+"
    r"(?:\s+et\s+(?:du|de\s+la|de\s+l'|des|de|d')\s*[\w'’ -]{2,40}?)?(?=\s*\()")


# "Chambre de commerce, d'industrie et d'agriculture de Tripoli.": an enumeration closed
# by "et" and then by punctuation or a verb belongs to the name without an acronym too.
_CLOSED_ENUMERATION = re.compile(
    r"(?:\s*,\s*(?:du|de\s+la|de\s+l'|des|de|d')\s*[\w'’ -]{2,30}?)+"
    r"\s+et\s+(?:du|de\s+la|de\s+l'|des|de|d')\s*[\w'’ -]{2,40}?"
    r"(?=\s*[.,;:(]|\s+(?:a|ont|avait|avaient|est|sont|était|sera|seront|qui|doit|va"
    r"|et\s+(?:avec|à|au|aux|en|par|sur|dans)|avec)\b)")  # "... et des Sports et avec l'appui"


# "Tunisian Union of Industry, Trade and Handicrafts (UTICA)"
_ENGLISH_ENUMERATION = re.compile(
    r"(?:\s*,\s*[A-Z][\w'’-]*)+,?\s+and\s+[A-Z][\w'’-]*(?=\s*\()")


def _make(m: Matchable, start: int, end: int) -> Organisation:
    more = _ENUMERATION.match(m.text, end) or _ENGLISH_ENUMERATION.match(m.text, end)
    if more and _ACRONYM.match(m.text, more.end()):
        end = more.end()
    elif m.text[start:end].isascii() or re.search(r"[A-Za-zÀ-ÿ]", m.text[start:end]):
        closed = _CLOSED_ENUMERATION.match(m.text, end)
        if closed and all(len(part.split()) <= 5 for part in re.split(r",|\bet\b",
                                                                     closed.group(0))):
            end = closed.end()
    name, s, e = m.surface(start, end)
    acronym = None
    match = _ACRONYM.match(m.text, end)
    if match:
        acronym = m.surface(match.start(1), match.end(1))[0]
    return Organisation(name.strip(" ،,"), acronym, s, e)


@lru_cache(maxsize=1)
def _fixed_pattern() -> re.Pattern:
    lex = _lexicon()
    names = "|".join(re.escape(name) for name in sorted(lex["fixed"] + lex["ar_fixed"],
                                                        key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{names})(?![\w-])")


def _fixed(m: Matchable) -> list[Organisation]:
    return [_make(m, match.start(), match.end()) for match in _fixed_pattern().finditer(m.text)]


def _acronym_mentions(m: Matchable, orgs: list[Organisation]) -> list[Organisation]:
    """Bare acronyms defined in the text ("l'OIM" after "(OIM)") and known agencies."""
    from toolkit.extract.dateline import known_agency

    defined = {o.acronym for o in orgs if o.acronym}
    found = []
    for match in re.finditer(r"(?<![\w-])(?:[lLdD]['’])?([A-Z]{2,8})(?![\w-])", m.text):
        word = match.group(1)
        before = m.text[max(0, match.start() - 1):match.start()]
        if before == "(":
            continue
        if word in defined or known_agency(word):
            found.append(Organisation(word, None,
                                      *m.span(match.start(1), match.end(1))))
    return found


# "(MSF)", "(AfDB)", "(CNARR)": two or more capitals, Latin script.
_LATIN_ACRONYM = re.compile(r"\(\s*((?=(?:[a-z&]*[A-Z]){2})[A-Z][A-Za-z&]{1,9})\s*\)")
_DEFINITION_STOP = re.compile(r"[.,;:!?()«»\"“”\n\d]|\s[-–—]\s")


def _acronym_definitions(m: Matchable) -> list[Organisation]:
    """"Médecins sans frontières (MSF)", "Office for the Coordination of Humanitarian
    Affairs (OCHA)": the words before an acronym in parentheses whose letters it takes, in
    order, starting with the first letter of a capitalised word (Schwartz and Hearst's
    rule), are an organisation's name even without a head noun."""
    found = []
    for match in _LATIN_ACRONYM.finditer(m.text):
        acronym = match.group(1)
        window = m.text[max(0, match.start() - 160):match.start()]
        stops = list(_DEFINITION_STOP.finditer(window))
        begin = stops[-1].end() if stops else 0
        start = _definition_start(acronym, window[begin:])
        if start is not None:
            at = match.start() - len(window) + begin + start
            found.append(_make(m, at, len(m.text[:match.start()].rstrip())))
    return found


def _definition_start(acronym: str, text: str) -> int | None:
    """Offset in text where the acronym's definition starts, or None."""
    words = [w for w in re.finditer(r"[\w'’-]+", text)]
    letters = [fold_accents(c.lower()) for c in acronym if c.isalpha()]
    limit = min(len(letters) * 2 + 2, 14)  # words, articles included
    for first in range(len(words) - 1, max(-1, len(words) - 1 - limit), -1):
        word = re.sub(r"^[lLdD]['’]", "", words[first].group(0))
        if not word[:1].isupper() or fold_accents(word[0].lower()) != letters[0]:
            continue
        offset = words[first].start() + len(words[first].group(0)) - len(word)
        if _takes_letters(letters, text[offset:]):
            return offset
    return None


def _takes_letters(letters: list[str], definition: str) -> bool:
    """Right to left, every letter found in order; the first at the start of the text."""
    at = len(definition) - 1
    lowered = "".join(fold_accents(c) or c for c in definition.lower())  # "élections": E
    for index in range(len(letters) - 1, -1, -1):
        while at >= 0 and (lowered[at] != letters[index] or index == 0 and at != 0
                           or at > 0 and index > 0 and not _letter_ok(definition, at)):
            at -= 1
        if at < 0:
            return False
        at -= 1
    return True


def _letter_ok(text: str, at: int) -> bool:
    """An inner letter of the acronym matches at a word start or inside a capitalised
    word ("AfDB", "AGOCO"), not anywhere in a lower-case word."""
    if not text[at - 1].isalnum():
        return True
    start = at
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    return text[start].isupper()


def find_organisations(m: Matchable, lang: str | None) -> list[Organisation]:
    tokens = tokenize(m.text)
    orgs = _fixed(m) + _acronym_definitions(m)
    if re.search(r"[\u0600-\u06ff]", m.text):
        brands = _ar_brands(m, tokens)
        heads = {at for at, _ in brands}
        # The company noun before a brand («المجمع الوطني») is no name of its own.
        orgs += [o for o in _arabic(m, tokens) if o.start not in heads]
        orgs += [brand for _, brand in brands]
    orgs += _latin(m, [t for t in tokens if not re.match(r"[\u0600-\u06ff]", t.text)])
    orgs = _drop_nested(orgs)
    orgs += _acronym_mentions(m, orgs)
    return merge(orgs)


def _drop_nested(orgs: list[Organisation]) -> list[Organisation]:
    """A fixed name inside a longer organisation («مكتب الأمم المتحدة ...») is not separate."""
    orgs = sorted(orgs, key=lambda o: (o.start, -(o.end - o.start)))
    kept: list[Organisation] = []
    for org in orgs:
        if any(k.start <= org.start and org.end <= k.end for k in kept):
            continue
        kept.append(org)
    return kept


def merge(orgs: list[Organisation]) -> list[Organisation]:
    """One entry per organisation: same normalised name, or an acronym standing for it."""
    by_key: dict[str, Organisation] = {}
    by_acronym: dict[str, Organisation] = {}
    out: list[Organisation] = []
    for org in sorted(orgs, key=lambda o: (o.acronym is None, o.start)):
        key = _key(org.name)
        if org.name in by_acronym:
            continue
        if key in by_key:
            if org.acronym and not by_key[key].acronym:
                by_key[key].acronym = org.acronym
            continue
        by_key[key] = org
        if org.acronym:
            by_acronym[org.acronym] = org
        out.append(org)
    out = [o for o in out if not _suffix_of_other(o, out) and not _shorter_form(o, out)]
    out.sort(key=lambda o: o.start)
    return out


@lru_cache(maxsize=8192)
def _words(name: str) -> tuple[str, ...]:
    return tuple(w[2:] if w.startswith("ال") and len(w) > 4 else w for w in _key(name).split())


def _is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    remaining = iter(long)
    return all(word in remaining for word in short)


def _shorter_form(org: Organisation, orgs: list[Organisation]) -> bool:
    """«وزارة الخارجية الليبية» beside «وزارة الخارجية والتعاون الدولي الليبية», "ministère
    des Affaires étrangères" beside its full name: a shorter form of a fuller name in the
    same text (same head, its words in order) is the same organisation."""
    words = _words(org.name)
    if len(words) < 2:
        return False
    for other in orgs:
        longer = _words(other.name)
        if other is not org and len(longer) > len(words) and longer[0] == words[0] \
                and _is_subsequence(words, longer) \
                and (not org.acronym or other.acronym in (None, org.acronym)):
            other.acronym = other.acronym or org.acronym
            return True
    return False


def _suffix_of_other(org: Organisation, orgs: list[Organisation]) -> bool:
    """"the Free Zone" after "Misrata Free Zone": a shortened Latin mention."""
    key = _key(org.name)
    if not key.isascii() or " " not in key:
        return False
    return any(o is not org and _key(o.name).endswith(" " + key) for o in orgs)


def _key(name: str) -> str:
    key = norm(name)
    return re.sub(r"^(?:l |le |la |les |the )", "", key)

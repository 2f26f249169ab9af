"""`translate --glossary` / `--protect-entities`: terms come out as their targets, always.

The test packages have random weights: they never give a placeholder back, so the
fallback path (the text around the terms translated apart, the targets spliced in, the
sentence flagged `placeholder_lost`) is what runs on them; the kept-placeholder path is
shown with an echoing model.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.argos_package import ROOT, build_package
from support.jsonl_cli import SEEDS, invoke, jsonl

from toolkit import translate as tr
from toolkit.glossary import assemble, find_hits, load_glossary, mask, parse_glossary, restore

pytest_plugins = ["support.argos_fixtures"]
GLOSSARY = ROOT / "fixtures" / "glossary.csv"
DOCS = ROOT / "fixtures" / "docs"
GNU = "حكومة الوحدة الوطنية"


def doc(path: Path, lang: str) -> dict:
    title, _, body = path.read_text("utf-8").strip().partition("\n")
    return {"id": path.name, "lang": lang, "title": title.strip(), "text": body.strip()}


def translated(records, *args) -> list[dict]:
    run = invoke(["translate", "--to", "en", *args], jsonl(*records))
    assert run.exit_code == 0, run.stderr
    return run.records


def hits_of(record: dict, to: str = "en") -> list[tuple[dict, dict]]:
    pairs = record["translations"][to]["sentences"]
    return [(pair, hit) for pair in pairs for hit in pair["glossary"]]


# --- the file ---------------------------------------------------------------------------


@pytest.mark.parametrize("content, says", [
    (b"source,target\nUNSMIL,UNSMIL\n", "missing column(s) source_lang, target_lang"),
    ("source_lang,target_lang,source,target\nfr,en,été,summer\n".encode("cp1252"), "not UTF-8"),
    (b"source_lang,target_lang,source,target\nar,en,x,\n", "line 2: empty target"),
    (b"source_lang,target_lang,source,target\nfr,en,OIM,IOM\nfr,en,oim,OIM\n",
     "line 3: 'oim' is also on line 2"),
    (b"source_lang,target_lang,source,target\narabic,en,x,y\n", "not a language code"),
    (b"source_lang,target_lang,source,target,case\nfr,en,AN,NA,maybe\n",
     "line 2: case 'maybe': expected yes or no"),
    (None, "cannot be read"),
    (b"source_lang,target_lang,source,target\nfr,en,x," + b"y" * 140_000 + b"\n",
     "line 2: not readable as CSV/TSV (field larger than field limit"),
])
def test_a_bad_glossary_is_one_line_and_exit_2_before_any_work(tmp_path, content, says):
    path = tmp_path / "terms.csv"
    if content is not None:
        path.write_bytes(content)
    for command in (["translate"], ["run", str(DOCS / "ar")]):
        run = invoke([*command, "--glossary", str(path), "--no-cache"],
                     jsonl({"id": "a", "lang": "ar", "text": "نص"}))
        assert run.exit_code == 2 and run.stdout == b""
        assert len(run.stderr.strip().splitlines()) == 1
        assert says in run.stderr and "terms.csv" in run.stderr


def test_tsv_and_comments_and_the_content_hash(tmp_path):
    tsv = tmp_path / "g.tsv"
    tsv.write_text("# terms\nsource_lang\ttarget_lang\tsource\ttarget\tprotect\n"
                   "ar\ten\tالدبيبة\tDbeibah\t\n*\t*\tUNSMIL\t\tyes\n", "utf-8")
    glossary = load_glossary(tsv)
    assert [(e.source, e.target, e.protect) for e in glossary.entries] == [
        ("الدبيبة", "Dbeibah", False), ("UNSMIL", "UNSMIL", True)]
    relaid = parse_glossary("source_lang , target_lang,source,target,protect\n\n"
                            "ar,en, الدبيبة ,Dbeibah,no\n# a comment\n*,*,UNSMIL,,true\n")
    assert relaid.sha256 == glossary.sha256  # the content, not the layout
    changed = parse_glossary("source_lang,target_lang,source,target\nar,en,الدبيبة,Dbeiba\n")
    assert changed.sha256 != glossary.sha256


def test_line_order_decides_a_shared_term_and_changes_the_hash():
    header = "source_lang,target_lang,source,target,protect\n"
    named, kept = "ar,en,الدبيبة,Dbeibah,\n", "*,*,الدبيبة,,yes\n"
    first, second = parse_glossary(header + named + kept), parse_glossary(header + kept + named)
    targets = [[h.target for h in find_hits("وصل الدبيبة.", [g.matcher("ar", "en")])]
               for g in (first, second)]
    assert targets == [["Dbeibah"], ["الدبيبة"]]  # the earlier line wins
    assert first.sha256 != second.sha256


# --- matching ---------------------------------------------------------------------------


def found(text: str, lang: str = "ar") -> list[tuple[str, str]]:
    matcher = load_glossary(GLOSSARY).matcher(lang, "en")
    return [(h.form, h.target) for h in find_hits(text, [matcher])]


def test_arabic_terms_with_clitics_and_spelling_variants():
    text = ("وأكد رئيس حكومه الوحده الوطنيه عبد الحميد الدبيبة أن بحكومة الوحدة الوطنية "
            "ثقة، وقال للدبيبة إن والدبيبة وإلى طرابلس وبطرابلس.")
    assert found(text) == [
        ("حكومه الوحده الوطنيه", "Government of National Unity"),  # ة written ه
        ("عبد الحميد الدبيبة", "Abdul Hamid Dbeibah"),  # the longer term wins
        ("بحكومة الوحدة الوطنية", "Government of National Unity"),
        ("للدبيبة", "Dbeibah"), ("والدبيبة", "Dbeibah"),
        ("طرابلس", "Tripoli"), ("وبطرابلس", "Tripoli")]
    assert found("رأس إجدير")[0][1] == "Ras Ajdir"  # hamza on the alef


def test_arabic_terms_must_not_fire_inside_other_words():
    # a term inside a longer word, a term's letters after a non-clitic, ل without the
    # article's lam, and a term the glossary holds only as a full name
    assert found("الطرابلسية والدبيبات لدبيبة المجلس الرئاسيين المنفي صالح") == []


def test_a_short_arabic_term_takes_no_clitic():
    glossary = parse_glossary("source_lang,target_lang,source,target\n"
                              "ar,en,علي,Ali\nar,en,حفتر,Haftar\nar,en,الدبيبة,Dbeibah\n")
    matcher = glossary.matcher("ar", "en")

    def targets(text):
        return [(h.form, h.target) for h in find_hits(text, [matcher])]

    # «فعلي» is "actual", not ف + علي; «لعلي», «بعلي», «كعلي», «وعلي», «العلي» are bare words
    assert targets("الأمر فعلي لعلي بعلي كعلي وعلي العلي") == []
    assert targets("قال علي إن حفتر ووصل وحفتر وللدبيبة والدبيبة") == [
        ("علي", "Ali"), ("حفتر", "Haftar"), ("وحفتر", "Haftar"),
        ("وللدبيبة", "Dbeibah"), ("والدبيبة", "Dbeibah")]


def test_the_longest_entry_wins_article_included():
    glossary = parse_glossary("source_lang,target_lang,source,target\n"
                              "ar,en,حكومة,government\nar,en,الحكومة,the Government\n")
    matcher = glossary.matcher("ar", "en")
    text = "قالت الحكومة إن حكومة سابقة وبالحكومة وللحكومة وبحكومة"
    assert [(h.form, h.target)
            for h in find_hits(text, [matcher])] == [
        ("الحكومة", "the Government"), ("حكومة", "government"),
        ("وبالحكومة", "the Government"), ("وللحكومة", "the Government"),
        ("وبحكومة", "government")]


def test_latin_terms_without_case_on_word_boundaries():
    text = ("Selon la MANUL et l'agence lana, la Mission d’appui des Nations Unies en Libye "
            "et le Ministère des affaires étrangères ont parlé.")
    assert found(text, "fr") == [
        ("MANUL", "UNSMIL"), ("lana", "lana"),
        ("Mission d’appui des Nations Unies en Libye", "United Nations Support Mission in Libya"),
        ("Ministère des affaires étrangères", "Ministry of Foreign Affairs")]
    assert found("PLANAR MANULS Banana OIMS", "fr") == []  # no term inside a word


def test_a_case_column_matches_a_term_only_as_written(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_text("source_lang,target_lang,source,target,case\n"
                    "fr,en,AN,National Assembly,yes\nfr,en,Tripoli,Tripoli,\n", "utf-8")
    matcher = load_glossary(path).matcher("fr", "en")
    hits = find_hits("Il y a un an, l'AN siégeait à TRIPOLI.", [matcher])
    assert [(h.form, h.target) for h in hits] == [("AN", "National Assembly"),
                                                  ("TRIPOLI", "Tripoli")]
    assert load_glossary(path).sha256 != load_glossary(_without_case(path)).sha256


def _without_case(path: Path) -> Path:
    plain = path.with_name("plain.csv")
    plain.write_text(path.read_text("utf-8").replace(",yes\n", ",\n"), "utf-8")
    return plain


def test_case_is_folded_the_same_way_on_terms_and_text():
    glossary = parse_glossary("source_lang,target_lang,source,target\n"
                              "de,en,Straße,street\nde,en,Ärzte ohne Grenzen,MSF\n")
    matcher = glossary.matcher("de", "en")
    text = "Die Straße, die STRAßE und ÄRZTE OHNE GRENZEN; nicht die Strasse, nicht Straßen."
    assert [(h.form, h.target) for h in find_hits(text, [matcher])] == [
        ("Straße", "street"), ("STRAßE", "street"), ("ÄRZTE OHNE GRENZEN", "MSF")]
    # "İ" lowers to two characters: the offsets after it still hold
    assert [h.form for h in find_hits("İSTANBUL, Straße", [matcher])] == ["Straße"]


def test_restore_needs_each_placeholder_exactly_once():
    sentence = f"قال رئيس {GNU} إن الدبيبة وصل."
    hits = find_hits(sentence, [load_glossary(GLOSSARY).matcher("ar", "en")])
    masked = mask(sentence, hits, "{%d}")
    assert masked.text == "قال رئيس {0} إن {1} وصل."
    assert restore("The head of { 0 } said {1} arrived.", masked) == \
        "The head of Government of National Unity said Dbeibah arrived."
    assert restore("The head of {0} said he arrived.", masked) is None  # {1} lost
    assert restore("{0} {0} said {1}.", masked) is None  # doubled
    # a text holding a placeholder look-alike gets none: it goes by the segments
    assert mask("العدد {0} في " + GNU, find_hits(
        "العدد {0} في " + GNU, [load_glossary(GLOSSARY).matcher("ar", "en")]), "{%d}").text is None


def test_a_placeholder_without_closing_mark_keeps_the_space_after_it():
    sentence = "قال الدبيبة إن الوضع جيد."
    hits = find_hits(sentence, [load_glossary(GLOSSARY).matcher("ar", "en")])
    masked = mask(sentence, hits, "TRM%d")
    assert masked.text == "قال TRM0 إن الوضع جيد."
    assert restore("TRM0 said it is good.", masked) == "Dbeibah said it is good."
    assert restore("He said trm 0, it is good.", masked) == "He said Dbeibah, it is good."
    # must not fire inside a word: "xTRM0" is not the placeholder (so it is lost)
    assert restore("The xTRM0 said it is good.", masked) is None
    braces = mask(sentence, hits, "{%d}")
    assert restore("{ 0 } said it is good.", braces) == "Dbeibah said it is good."


def test_the_fallback_keeps_french_spacing_before_high_punctuation():
    sentence = "وصل الدبيبة، ثم غادر الدبيبة؟"
    masked = mask(sentence, find_hits(sentence, [load_glossary(GLOSSARY).matcher("ar", "en")]),
                  None)
    assert masked.segments == ["وصل ", "، ثم غادر ", "؟"]
    french = assemble(masked, {"وصل": "arrivé", "، ثم غادر": ", puis parti"}, "fr")
    assert french == "arrivé Dbeibah, puis parti Dbeibah ?"
    english = assemble(masked, {"وصل": "arrived", "، ثم غادر": ", then left"}, "en")
    assert english == "arrived Dbeibah, then left Dbeibah?"


# --- which placeholder survives the packages' tokenizers --------------------------------


def test_placeholder_form_is_chosen_by_the_tokenizer_round_trip(installed, tmp_path):
    from toolkit import models

    packages = {(p.from_code, p.to_code): p for p in models.installed_packages()}
    route = [packages["ar", "en"], packages["en", "fr"]]
    form = tr.placeholder_form(route)
    assert form == "{%d}"
    for package in route:
        tokenizer = tr.tokenizer_for(package)
        assert all(tr.survives(tokenizer, form % i) for i in range(20))
        # underscores come back as spaces (argos' decoding) and X is unknown to this
        # vocabulary: neither form could carry a term
        assert not tr.survives(tokenizer, "__0__") and not tr.survives(tokenizer, "XTERM0")
    bpe = build_package(tmp_path / "bpe", "fr", "en", sentencepiece=False)
    models.install_package(bpe, directory=tmp_path / "older")
    (bpe_package,) = models.installed_packages([tmp_path / "older"])
    assert bpe_package.tokenizer != "sentencepiece"
    assert tr.placeholder_form([bpe_package]) == "{%d}"
    assert not tr.survives(tr.tokenizer_for(bpe_package), "#0")  # Moses splits "# 0"


# --- through the packages ---------------------------------------------------------------


def test_fixture_documents_every_term_comes_out_and_lost_placeholders_are_flagged(installed):
    records = [doc(DOCS / "ar" / "01_tunisia_ambassador.txt", "ar"),
               doc(DOCS / "ar" / "02_cabinet_decree.txt", "ar"),
               doc(DOCS / "fr" / "04_resolution_2755_manul.txt", "fr")]
    out = translated(records, "--glossary", str(GLOSSARY), "--no-cache")
    for record in out:
        translation = record["translations"]["en"]
        hits = hits_of(record)
        assert hits, record["id"]
        for pair, hit in hits:
            assert hit["target"] in pair["target"]
            # the random-weight model never gives a placeholder back: flagged, rebuilt
            assert hit["restored"] == "fallback" and "placeholder_lost" in pair["flags"]
            assert not re.search(r"\{\s*\d+\s*\}", pair["target"])
        assert translation["params"]["glossary"] == load_glossary(GLOSSARY).sha256
        assert any("placeholder_lost" in w["message"] for w in record["warnings"])
    tunisia, decree, manul = out
    assert "Government of National Unity" in tunisia["translations"]["en"]["text"]
    assert "Ras Ajdir" in tunisia["translations"]["en"]["title"]
    assert tunisia["translations"]["en"]["title_glossary"][0]["form"] == "رأس اجدير"
    assert "Government of National Unity" in decree["translations"]["en"]["text"]
    english = manul["translations"]["en"]["text"]
    assert "UNSMIL" in english and "LANA" in english  # MANUL -> UNSMIL; LANA protected
    assert "Security Council" in english and "MANUL" not in english
    protected = [h for _, h in hits_of(manul) if h.get("protect")]
    assert protected and all(h["target"] == h["form"] == "LANA" for h in protected)


def test_a_kept_placeholder_is_restored_without_a_flag(installed, monkeypatch):
    """An echoing model gives every placeholder back; one that drops them loses them."""
    def echo(strings, package, options, cache=None, drop=False):
        submitted = tr.Submitted(package)
        submitted.results = {s: re.sub(r"\{\d+\}", "", s) if drop else s for s in strings}
        return submitted

    record = {"id": "a", "lang": "ar", "text": f"قال رئيس {GNU} إن الدبيبة وصل."}
    monkeypatch.setattr(tr, "submit_strings", echo)
    (kept,) = tr.translate_records([dict(record)], glossary=GLOSSARY, cache=None)
    (pair,) = kept["translations"]["en"]["sentences"]
    assert pair["target"] == "قال رئيس Government of National Unity إن Dbeibah وصل."
    assert [h["restored"] for h in pair["glossary"]] == ["placeholder", "placeholder"]
    assert "placeholder_lost" not in pair["flags"]
    monkeypatch.setattr(tr, "submit_strings", lambda *a, **k: echo(*a, **k, drop=True))
    (lost,) = tr.translate_records([dict(record)], glossary=GLOSSARY, cache=None)
    (pair,) = lost["translations"]["en"]["sentences"]
    assert "placeholder_lost" in pair["flags"]
    assert pair["target"] == "قال رئيس Government of National Unity إن Dbeibah وصل."
    assert [h["restored"] for h in pair["glossary"]] == ["fallback", "fallback"]


def test_each_sentence_s_placeholders_are_put_back_once(installed, monkeypatch):
    from toolkit import glossary

    calls = []
    real = glossary.restore
    monkeypatch.setattr(glossary, "restore", lambda *a: calls.append(a[1]) or real(*a))
    record = {"id": "a", "lang": "ar",
              "text": f"قال رئيس {GNU} إن الدبيبة وصل. وسافر الوفد إلى طرابلس. ولا شيء هنا."}
    (out,) = tr.translate_records([record], glossary=GLOSSARY, cache=None)
    with_terms = [p for p in out["translations"]["en"]["sentences"] if p["glossary"]]
    assert len(with_terms) == 2 and all("placeholder_lost" in p["flags"] for p in with_terms)
    assert len(calls) == len({id(masked) for masked in calls}) == 2


def test_pivot_keeps_the_french_target(installed):
    record = {"id": "a", "lang": "ar", "text": f"اجتمع رئيس {GNU} في طرابلس."}
    (out,) = tr.translate_records([record], to="fr", glossary=GLOSSARY, cache=None)
    translation = out["translations"]["fr"]
    assert translation["pivot"] == "en"
    assert "Gouvernement d'union nationale" in translation["text"]
    assert "Tripoli" not in translation["text"]  # the glossary gives طرابلس for ar->en only


def test_a_damaged_pivot_package_is_one_record_s_error_the_batch_goes_on(installed, tmp_path):
    from toolkit import models

    models.install_package(build_package(tmp_path, "es", "fr"))
    (installed / "translate-en_fr-1_0" / "sentencepiece.model").write_bytes(b"garbage")
    records = [{"id": "ar", "lang": "ar", "text": f"اجتمع رئيس {GNU} في طرابلس."},
               {"id": "es", "lang": "es", "text": "El ministro llegó a Trípoli."}]
    run = invoke(["translate", "--to", "fr", "--glossary", str(GLOSSARY), "--no-cache"],
                 jsonl(*records))
    assert run.exit_code == 1 and "Traceback" not in run.stderr
    arabic, spanish = run.records
    (error,) = arabic["errors"]
    assert error["code"] == "broken_model" and "translate-en_fr" in error["message"]
    assert "translations" not in arabic
    assert spanish["translations"]["fr"]["text"] and not spanish.get("errors")


def test_a_changed_glossary_never_serves_stale_translations(installed, tmp_path):
    cache = str(tmp_path / "cache.sqlite")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("source_lang,target_lang,source,target\nar,en,الدبيبة,Dbeibah\n", "utf-8")
    second.write_text("source_lang,target_lang,source,target\nar,en,الدبيبة,Dabaiba\n", "utf-8")
    record = {"id": "a", "lang": "ar", "text": "وصل الدبيبة إلى طرابلس. وقال الدبيبة إن الوضع جيد."}
    (a,) = translated([record], "--glossary", str(first), "--cache", cache)
    (b,) = translated([a], "--glossary", str(second), "--cache", cache)  # A's output piped in
    assert "Dbeibah" in a["translations"]["en"]["text"]
    assert "Dabaiba" in b["translations"]["en"]["text"]
    assert "Dbeibah" not in b["translations"]["en"]["text"]
    (again,) = translated([b], "--glossary", str(second), "--cache", cache)
    assert again == b  # same glossary, same params: the record is skipped as done


def test_protect_entities_names_keep_their_form(installed):
    tunisia = doc(DOCS / "ar" / "01_tunisia_ambassador.txt", "ar")
    manul = doc(DOCS / "fr" / "04_resolution_2755_manul.txt", "fr")
    ar, fr = translated([tunisia, manul], "--protect-entities", "--no-cache")
    entities = {h["form"]: h for _, h in hits_of(ar)}
    person = next(h for h in entities.values() if h.get("entity") == "person")
    assert re.fullmatch(r"[A-Za-z' -]+", person["target"])  # romanised
    assert person["target"] in ar["translations"]["en"]["text"]
    assert entities["طرابلس"]["target"] == "Tripoli"  # the geo index's English name
    kept = {h["form"]: h["target"] for _, h in hits_of(fr)}
    assert kept.get("Fathi Ben Ghozzi") == "Fathi Ben Ghozzi"
    assert "Stephanie Koury" in fr["translations"]["en"]["text"]
    # an organisation's full name is translated, not kept in French
    assert not any(form.startswith(("Conseil", "ministère", "Mission")) for form in kept)
    params = ar["translations"]["en"]["params"]
    assert params["protect_entities"] is True and "glossary" not in params


def test_protect_entities_runs_extract_once_per_record_and_not_when_fields_are_there(
        monkeypatch):
    import toolkit.extract
    from toolkit.translate_entities import entity_matcher

    calls = []
    real = toolkit.extract.extract_fields
    monkeypatch.setattr(toolkit.extract, "extract_fields",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    text = "Stephanie Koury a rencontré Fathi Ben Ghozzi à Tripoli, selon la LANA."
    matcher = entity_matcher({"id": "a"}, text, None, "fr", "en")
    assert len(calls) == 1
    assert [h.target for h in matcher.find("Fathi Ben Ghozzi")] == ["Fathi Ben Ghozzi"]
    fields = {"people": [{"name": "Fathi Ben Ghozzi"}], "organisations": [], "places": []}
    entity_matcher({"id": "b", "fields": fields}, text, None, "fr", "en")
    assert len(calls) == 1  # the record's own fields: extract is not run


def test_an_entity_acronym_matches_only_in_capitals():
    from toolkit.translate_entities import entity_matcher

    fields = {"people": [{"name": "Fathi Ben Ghozzi"}], "places": [],
              "organisations": [{"name": "Commission européenne", "acronym": "CE"}]}
    text = "Ce matin, la CE a reçu fathi ben ghozzi : ce projet, dit-il, est celui de la CE."
    matcher = entity_matcher({"id": "a", "fields": fields}, text, None, "fr", "en")
    assert [(h.form, h.target) for h in find_hits(text, [matcher])] == [
        ("CE", "CE"), ("fathi ben ghozzi", "Fathi Ben Ghozzi"), ("CE", "CE")]
    # a glossary acronym still matches without case: French writes «la Manul»
    assert found("Selon la Manul, le OIM.", "fr") == [("Manul", "UNSMIL"), ("OIM", "IOM")]


def test_run_takes_the_glossary_and_its_content_keys_the_state(installed, tmp_path):
    from toolkit.pipeline import RunConfig

    terms = tmp_path / "terms.csv"
    terms.write_text("source_lang,target_lang,source,target\nar,en,سبها,Sebha\n", "utf-8")
    before = RunConfig(translate={"glossary": str(terms)}).params()
    terms.write_text("source_lang,target_lang,source,target\nar,en,سبها,Sabha\n", "utf-8")
    after = RunConfig(translate={"glossary": str(terms)}).params()
    assert before != after and RunConfig().params()["translate"] == {}
    run = invoke(["run", str(DOCS / "ar" / "02_cabinet_decree.txt"), "--glossary", str(terms),
                  "--no-cache", "-n", "1"])
    assert run.exit_code == 0, run.stderr
    (record,) = run.records
    assert "Sabha" in record["translations"]["en"]["text"]


def test_run_with_a_summary_scope_lists_the_hits_of_the_title_and_each_sentence(installed,
                                                                                tmp_path):
    terms = tmp_path / "terms.csv"
    terms.write_text("source_lang,target_lang,source,target\n"
                     "ar,en,مجلس الوزراء,Council of Ministers\n", "utf-8")
    run = invoke(["run", str(DOCS / "ar" / "02_cabinet_decree.txt"), "--glossary", str(terms),
                  "--translate", "summary", "--no-cache", "-n", "3"])
    assert run.exit_code == 0, run.stderr
    (record,) = run.records
    translation = record["translations"]["en"]
    assert translation["scope"] == "summary"
    assert [h["target"] for h in translation["title_glossary"]] == ["Council of Ministers"]
    assert all("glossary" in pair for pair in translation["summary_sentences"])
    hits = [h for pair in translation["summary_sentences"] for h in pair["glossary"]]
    assert all(h["target"] == "Council of Ministers" for h in hits)


# --- the seeds ----------------------------------------------------------------------------


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here (a user's clone)")
def test_seeds_every_glossary_term_comes_out_as_its_target(installed):
    glossary = load_glossary(GLOSSARY)
    records = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text("utf-8")
        lang = "ar" if re.search(r"[\u0600-\u06ff]", text) else "fr"
        records.append({"id": path.name, "lang": lang, "text": text})
    out = translated(records, "--glossary", str(GLOSSARY), "--no-cache")
    with_terms = 0
    for source, record in zip(records, out):
        english = record["translations"]["en"]["text"]
        # every entry whose source is written in the document, found by a plain search
        present = [e for e in glossary.entries if e.applies(source["lang"], "en")
                   and e.source.casefold() in source["text"].casefold()]
        for entry in present:
            assert entry.target in english, (record["id"], entry.source)
        for pair, hit in hits_of(record):
            assert hit["target"] in pair["target"]
            if hit["restored"] == "fallback":
                assert "placeholder_lost" in pair["flags"]
        with_terms += bool(present)
    assert with_terms == len(records) == 5

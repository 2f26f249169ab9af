"""The one sentence splitter: where sentences end in Arabic, French and English."""

import pytest

from toolkit.sentences import paragraphs, split_sentences


def texts(text, lang):
    return [s.text for s in split_sentences(text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "التقى الوزير السفير، وبحثا التعاون؛ وقال إن الاجتماع مهم. هل سيستمر؟ نعم سيستمر.",
            "ar",
            ["التقى الوزير السفير، وبحثا التعاون؛ وقال إن الاجتماع مهم.", "هل سيستمر؟",
             "نعم سيستمر."],
        ),
        (
            "M. Dbeibah a reçu Mme Najla. La croissance est de 5.3 % en 2024. Fin !",
            "fr",
            ["M. Dbeibah a reçu Mme Najla.", "La croissance est de 5.3 % en 2024.", "Fin !"],
        ),
        (
            "Il a dit « C'est fini. » a-t-il ajouté. « Nous partons. » Le ministre est parti.",
            "fr",
            ["Il a dit « C'est fini. » a-t-il ajouté.", "« Nous partons. »",
             "Le ministre est parti."],
        ),
        (
            "Mr. Smith met Dr. Jones in the U.S. on Monday. The talks, e.g. on trade, ended.",
            "en",
            ["Mr. Smith met Dr. Jones in the U.S. on Monday.", "The talks, e.g. on trade, ended."],
        ),
        (
            "Resolution No. 298 of 2025 was adopted. J. K. Rowling wrote it.",
            "en",
            ["Resolution No. 298 of 2025 was adopted.", "J. K. Rowling wrote it."],
        ),
    ],
)
def test_sentence_ends(text, lang, expected):
    assert texts(text, lang) == expected


def test_line_breaks_end_sentences_and_offsets_point_into_the_text():
    text = "Headline without a stop\nFirst sentence. Second one.\n\n  Next paragraph here."
    sentences = split_sentences(text, "en")
    assert [s.text for s in sentences] == [
        "Headline without a stop", "First sentence.", "Second one.", "Next paragraph here."]
    for s in sentences:
        assert text[s.start:s.end] == s.text


def test_replacing_spans_keeps_paragraphs_and_line_breaks():
    text = "Un. Deux.\nTrois.\n\nQuatre."
    out, last = [], 0
    for i, s in enumerate(split_sentences(text, "fr")):
        out.append(text[last:s.start] + f"<{i}>")
        last = s.end
    assert "".join(out) + text[last:] == "<0> <1>\n<2>\n\n<3>"


def test_unknown_language_uses_every_abbreviation_list():
    assert texts("Mme Najla et Mr. Smith sont venus. Puis partis.", None) == [
        "Mme Najla et Mr. Smith sont venus.", "Puis partis."]


def test_empty_and_blank_texts_have_no_sentences():
    assert split_sentences("", "en") == []
    assert split_sentences(" \n\n \t", "ar") == []


def test_paragraphs_split_on_blank_lines():
    assert paragraphs("a\nb\n\n\nc\n \nd") == ["a\nb", "c", "d"]

from workbench.segment import (
    Sentence,
    format_sentences,
    read_presegmented,
    segment,
    split_paragraphs,
)


def test_paragraphs_are_blank_line_separated_and_lines_joined():
    text = "Premier paragraphe,\nsur deux lignes.\n\n\nSecond paragraphe.\n"
    assert split_paragraphs(text) == ["Premier paragraphe, sur deux lignes.", "Second paragraphe."]


def test_french_sentences_keep_their_paragraph_numbers():
    text = "La Commune naît le 18 mars 1871. Elle dure soixante-douze jours.\n\nM. Thiers fuit."
    assert segment(text, "fr") == [
        Sentence("La Commune naît le 18 mars 1871.", 0),
        Sentence("Elle dure soixante-douze jours.", 0),
        Sentence("M. Thiers fuit.", 1),
    ]


def test_english_abbreviations_do_not_end_sentences():
    assert [s.text for s in segment("Mr. Smith left at 5 p.m. yesterday. He was tired.", "en")] \
        == ["Mr. Smith left at 5 p.m. yesterday.", "He was tired."]


def test_presegmented_round_trip():
    text = "One.\nTwo.\n\nThree.\n"
    parsed = read_presegmented(text)
    assert parsed == [Sentence("One.", 0), Sentence("Two.", 0), Sentence("Three.", 1)]
    assert format_sentences(parsed) == text


def test_no_download_is_attempted(monkeypatch):
    import nltk

    def refuse(*args, **kwargs):
        raise AssertionError("nltk.download must never be called")

    monkeypatch.setattr(nltk, "download", refuse)
    assert segment("Une phrase. Une autre.", "fr")

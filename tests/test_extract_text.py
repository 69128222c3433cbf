"""Sentences and sections: abbreviations, decimals and p-values do not split; labels make sections."""

from __future__ import annotations

from kb.extract.text import MAX_SENTENCE, find_sections, split_sentences
from kb.records.models import AbstractSection


def _sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(text, find_sections(text))]


def test_abbreviations_and_decimals_do_not_end_sentences() -> None:
    text = (
        "OS was 8.5 vs. 5.4 months (P<.001), i.e. longer, as shown by Smith et al. in 2010. "
        "Response was 45%. Grade 3 events, e.g. rash, were rare."
    )
    assert _sentences(text) == [
        "OS was 8.5 vs. 5.4 months (P<.001), i.e. longer, as shown by Smith et al. in 2010.",
        "Response was 45%.",
        "Grade 3 events, e.g. rash, were rare.",
    ]


def test_sentence_offsets_point_into_the_text() -> None:
    text = "  First one.  Second one 2.5 mg. Third."
    for s in split_sentences(text, find_sections(text)):
        assert text[s.start : s.end] == s.text


def test_inline_labels_make_sections_and_results_are_known() -> None:
    text = (
        "BACKGROUND: Why 20 patients. PATIENTS AND METHODS: How. RESULTS: 29 of 64 responded. "
        "CONCLUSION(S): Good."
    )
    sections = find_sections(text)
    assert [s.label for s in sections] == ["BACKGROUND", "PATIENTS AND METHODS", "RESULTS", "CONCLUSION(S)"]
    assert [s.is_results for s in sections] == [False, False, True, True]
    sents = split_sentences(text, sections)
    assert [s.text for s in sents] == ["Why 20 patients.", "How.", "29 of 64 responded.", "Good."]
    assert sents[2].section.label == "RESULTS"


def test_unlabelled_abstract_is_one_results_section() -> None:
    [section] = find_sections("Patients with ALL were treated. Forty-five percent responded.")
    assert section.label is None and section.is_results


def test_sections_given_by_the_source_are_used() -> None:
    text = "METHODS: We enrolled 64 patients. RESULTS: 29 of 64 responded."
    given = [
        AbstractSection(label="METHODS", category="METHODS", start=0, end=34),
        AbstractSection(label="RESULTS", category="RESULTS", start=34, end=len(text)),
    ]
    sections = find_sections(text, given)
    assert [s.is_results for s in sections] == [False, True]
    assert [s.text for s in split_sentences(text, sections)] == [
        "We enrolled 64 patients.",
        "29 of 64 responded.",
    ]


def test_run_on_text_is_cut_into_bounded_sentences() -> None:
    text = "word " * (MAX_SENTENCE)  # synthetic: one sentence far longer than any real one
    sents = split_sentences(text, find_sections(text))
    assert len(sents) > 1
    assert all(len(s.text) <= MAX_SENTENCE for s in sents)


def test_group_letters_end_sentences_but_initials_do_not() -> None:
    text = "It was T7 in Group B. Time to block was shorter. As shown by J. Smith and colleagues."
    assert _sentences(text) == [
        "It was T7 in Group B.",
        "Time to block was shorter.",
        "As shown by J. Smith and colleagues.",
    ]

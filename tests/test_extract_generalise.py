"""Precision rules of kb.extract 1.1 (what is not a result) and endpoint naming, on synthetic sentences."""

from __future__ import annotations

from kb.extract import extract
from kb.records.models import Article, Measurement


def _ms(text: str) -> list[Measurement]:
    ex = extract(Article(pmid="1", abstract=text))
    for m in ex.measurements:
        assert text[m.evidence.start : m.evidence.end] == m.evidence.text
    return ex.measurements


def _values(ms: list[Measurement]) -> list[float | None]:
    return [
        m.value if m.value is not None else m.percent if m.percent is not None else m.numerator for m in ms
    ]


# ---- an n written beside a share is its count, not a group size --------------------------------------


def test_n_after_a_percent_is_its_numerator() -> None:
    [m] = _ms("RESULTS: Of all patients, 48% (n = 94) were volume-expanded.")
    assert (m.numerator, m.denominator, m.percent) == (94, None, 48.0)
    assert m.evidence.text == "48% (n = 94)"


def test_n_before_a_percent_is_its_numerator_and_no_denominator() -> None:
    ms = _ms("RESULTS: Wound infection (n = 55; 77.5%) was more common than seroma (n = 5; 7%).")
    assert [(m.numerator, m.denominator, m.percent) for m in ms] == [(55, None, 77.5), (5, None, 7.0)]


def test_n_slash_n_after_a_percent() -> None:
    ms = _ms("RESULTS: The rate of cesarean delivery was 28% [n = 176/629] vs. 31.7% [n = 1289/4065].")
    assert [(m.numerator, m.denominator, m.percent) for m in ms] == [(176, 629, 28.0), (1289, 4065, 31.7)]


def test_group_size_n_still_gives_a_denominator() -> None:
    [m] = _ms("RESULTS: In the drug group (n = 50), 12 patients had a complete response.")
    assert (m.numerator, m.denominator) == (12, 50)


# ---- time spans, thresholds, definitions --------------------------------------------------------------


def test_from_baseline_to_a_time_point_is_a_time_point() -> None:
    ms = _ms(
        "RESULTS: Mean intraocular pressure fell from baseline to 12 months "
        "(19.6 ± 5.3 mm Hg to 14.3 ± 3.1 mm Hg)."
    )
    assert _values(ms) == [19.6, 14.3]
    assert {m.timepoint for m in ms} == {"12 months"}
    assert {m.unit for m in ms} == {"mm Hg"}
    assert {m.endpoint for m in ms} == {"intraocular pressure"}


def test_up_to_a_maximum_of_is_a_time_span() -> None:
    [m] = _ms(
        "RESULTS: During follow-up (up to a maximum of 24 months), 113 (28%) patients discontinued treatment."
    )
    assert (m.numerator, m.percent, m.timepoint) == (113, 28.0, "24 months")


def test_lists_of_time_points_are_not_values() -> None:
    assert (
        _ms("RESULTS: Sensitivity was higher than after surgery at 1 week and 1, 3, and 6 months (P < .05).")
        == []
    )


def test_comparative_and_above_thresholds_are_not_results() -> None:
    assert _ms("RESULTS: An incision opening larger than 2 mm was seen.") == []
    assert _ms("RESULTS: Decline was slower among those with activity above 1.25 hours.") == []
    assert _ms("RESULTS: Values below a cut-off of 0.5 were rare.") == []


def test_definitions_are_not_results() -> None:
    assert _ms("RESULTS: Success was defined as a reduction of 20% in pain in 18 eyes.") == []
    [m] = _ms("RESULTS: Success, as judged by the surgeon, was achieved in 18 of 20 eyes.")
    assert (m.numerator, m.denominator) == (18, 20)


# ---- baseline, enrolment and sample descriptions ---------------------------------------------------------


def test_sex_and_indications_are_baseline() -> None:
    assert _ms("RESULTS: Twelve patients (20%) were males.") == []
    assert _ms("RESULTS: Metastatic disease (42%) was the most frequent indication.") == []


def test_subgroups_by_sex_are_results() -> None:
    ms = _ms("RESULTS: Admission rates fell by 2.3% in males and 3.3% in females.")
    assert [m.percent for m in ms] == [2.3, 3.3]


def test_records_reviewed_are_the_cohort_not_a_result() -> None:
    [m] = _ms("We retrospectively reviewed the records of 20 patients. Five patients had a second implant.")
    assert m.numerator == 5


def test_units_of_a_sample_are_not_counts() -> None:
    ms = _ms("RESULTS: In 56 eyes of 28 patients the mean acuity was 0.01 logMAR ± 0.11.")
    assert [(m.value, m.unit) for m in ms] == [(0.01, "logMAR")]


def test_method_sentences_of_unlabelled_abstracts_are_skipped() -> None:
    sentences = (
        "Blood samples were collected from 45 patients (60%) at each visit. "
        "Remission occurred in 20 patients (27%)."
    )
    unlabelled = _ms("In this trial, patients received either drug or placebo. " + sentences)
    labelled = _ms("METHODS: In this trial, patients received either drug or placebo. RESULTS: " + sentences)
    assert [m.numerator for m in unlabelled] == [20]
    assert [m.numerator for m in labelled] == [45, 20]  # a labelled Results section is trusted


# ---- endpoint names --------------------------------------------------------------------------------------


def test_general_clinical_endpoints_come_from_the_lexicon() -> None:
    ms = _ms(
        "RESULTS: The median length of hospital stay was 5 days (range 1-47) and the mean operation time "
        "was 241.7 ± 78.2 min."
    )
    assert [(m.endpoint, m.statistic, m.value) for m in ms] == [
        ("length of hospital stay", "median", 5.0),
        ("operative time", "mean", 241.7),
    ]


def test_listed_items_name_their_own_numbers() -> None:
    ms = _ms(
        "RESULTS: Complications included wound dehiscence (3 patients, 5%), seroma (2 patients, 3%) "
        "and anemia (4 patients, 6%)."
    )
    assert [(m.kind, m.endpoint, m.numerator, m.percent) for m in ms] == [
        ("safety", "wound dehiscence", 3, 5.0),
        ("safety", "seroma", 2, 3.0),
        ("safety", "anemia", 4, 6.0),
    ]


def test_an_endpoint_word_after_a_list_names_only_its_own_item() -> None:
    ms = _ms(
        "RESULTS: Incidents included documentation errors (136/31%), noncompliance with protocols "
        "(113/25.6%) and premature discontinuation (74/16.7%)."
    )
    assert [m.endpoint for m in ms] == [
        "documentation errors",
        "noncompliance with protocols",
        "treatment discontinuation",
    ]


def test_a_comparison_is_not_a_list_item() -> None:
    ms = _ms("RESULTS: Overall survival was longer with the drug (hazard ratio, 0.35; 95% CI, 0.13 to 0.92).")
    assert [m.endpoint for m in ms] == ["overall survival"]
    ms = _ms("RESULTS: With respect to the remission rate, drug A was superior to drug B (34.4% vs. 31.1%).")
    assert {m.endpoint for m in ms} == {"remission"}


def test_fallback_labels_drop_tests_and_statistics() -> None:
    ms = _ms(
        "RESULTS: No significant difference (P = 0.06) was observed in the rate of cesarean delivery "
        "(28% vs. 31%)."
    )
    assert {m.endpoint for m in ms} == {"rate of cesarean delivery"}


def test_an_n_after_a_share_is_not_carried_to_the_next_share() -> None:
    ms = _ms(
        "RESULTS: The 5-yr risk of recurrence was 13% for low-risk men (n = 41), "
        "41% for intermediate-risk men (n = 287) and 51% for high-risk men (n = 145)."
    )
    assert [(m.percent, m.denominator) for m in ms] == [(13.0, None), (41.0, None), (51.0, None)]


def test_ranks_and_numbered_types_are_not_counts() -> None:
    assert _ms("RESULTS: Somnolence and dizziness were the two most frequent adverse events.") == []
    ms = _ms(
        "RESULTS: Condyloma developed in 16% of men with HPV 6 infection and after 22% of HPV 11 infections."
    )
    assert [m.percent for m in ms] == [16.0, 22.0]


def test_listed_thresholds_are_not_counts() -> None:
    ms = _ms("RESULTS: Score thresholds of ≥2 and 3 have a sensitivity of 99.8% and 98.9%, respectively.")
    assert [m.percent for m in ms] == [99.8, 98.9]


def test_what_patients_already_had_is_baseline() -> None:
    assert _ms("RESULTS: Of the patients, 36.1% had already undergone an abdominal operation.") == []


def test_distances_and_person_time_are_not_results() -> None:
    assert _ms("RESULTS: Near acuity was measured at 15 cm and at 40 cm with glasses.") == []
    assert _ms("RESULTS: During follow-up (285,332 person-years) cancers were rare.") == []


def test_a_group_count_before_its_share_is_the_numerator() -> None:
    [m] = _ms("RESULTS: The high-activity group (53 participants; 38.7%) experienced less pain.")
    assert (m.numerator, m.percent) == (53, 38.7)


def test_composition_of_the_sample_is_baseline_wherever_its_cue_stands() -> None:
    assert (
        _ms("RESULTS: Parents (58%), siblings (18%), spouses (12%) and children (12%) formed the sample.")
        == []
    )
    assert _ms("RESULTS: Metastatic disease (n = 55; 77.5%) was the leading indication for surgery.") == []

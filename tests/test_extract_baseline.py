"""Baseline states versus outcome events, and percents that restate a count, on synthetic sentences."""

from __future__ import annotations

from kb.extract import extract
from kb.records.models import Article, Measurement


def _ms(text: str) -> list[Measurement]:
    ex = extract(Article(pmid="1", abstract="RESULTS: " + text))
    for m in ex.measurements:
        assert ex.abstract[m.evidence.start : m.evidence.end] == m.evidence.text
    return ex.measurements


def test_history_and_involvement_at_presentation_are_not_results() -> None:
    assert _ms("Eight patients (14.3%) had a positive family history.") == []
    assert _ms("Of the 56 patients, 34 (60.7%) also had plantar involvement.") == []
    assert _ms("Fourteen patients (25%) presented with fever and cough.") == []
    assert _ms("Ten patients (18%) suffered from chronic kidney disease.") == []


def test_disease_type_and_severity_at_baseline_are_not_results() -> None:
    assert _ms("Sixty-two (55.9 %) injuries were penetrating.") == []
    assert (
        _ms("Mechanism of injury was blunt in 307 patients (66.9 %) and penetrating in 152 patients.") == []
    )


def test_an_elliptic_list_item_shares_the_baseline_verb_before_it() -> None:
    assert _ms("Nineteen patients (33.9%) had moderate disease and 37 (66.1%) severe.") == []


def test_a_state_placed_after_the_intervention_is_an_outcome() -> None:
    ms = _ms("After treatment, 10 patients (20%) had severe disease and 5 (10%) mild disease.")
    assert [(m.numerator, m.percent) for m in ms] == [(10, 20.0), (5, 10.0)]
    [m] = _ms("Eight patients (14.3%) presented with recurrence during follow-up.")
    assert (m.numerator, m.percent) == (8, 14.3)


def test_an_event_after_a_baseline_item_is_kept() -> None:
    [m] = _ms("Twelve patients (21%) had a history of diabetes and 8 (14%) died.")
    assert (m.numerator, m.percent, m.endpoint) == (8, 14.0, "death")
    [m] = _ms("Twelve patients (21%) had a positive family history and 10 (17%) achieved remission.")
    assert (m.numerator, m.endpoint) == (10, "remission")


def test_harms_named_with_a_severity_word_are_still_results() -> None:
    [m] = _ms("Three patients (5%) had severe adverse events.")
    assert (m.kind, m.numerator, m.percent) == ("safety", 3, 5.0)


def test_a_worded_percent_in_brackets_after_n_of_n_is_one_measurement() -> None:
    [m] = _ms("Complete remission was achieved in 33 of the 34 patients (remission rate 97.1 %).")
    assert (m.numerator, m.denominator, m.percent) == (33, 34, 97.1)
    assert "percent" not in m.derived
    assert m.evidence.text.endswith("97.1 %)")  # the span closes the bracket it opened


def test_a_worded_percent_that_disagrees_with_n_of_n_stays_separate() -> None:
    ms = _ms("Complete remission was achieved in 33 of the 34 patients (remission rate 80.0 %).")
    assert [(m.numerator, m.percent) for m in ms] == [(33, 97.1), (None, 80.0)]


def test_a_worded_percent_after_a_count_needs_a_whole_denominator() -> None:
    [m] = _ms("Relapse occurred in 12 patients (relapse rate 21.4%) after treatment.")
    assert (m.numerator, m.percent) == (12, 21.4)  # 12/56 = 21.4%
    ms = _ms("Relapse occurred in 12 patients (relapse rate 21.45%) after treatment.")
    assert len(ms) == 2  # no whole N gives 12/N = 21.45%


def test_a_rate_that_restates_n_of_n_later_in_the_sentence_is_merged() -> None:
    [m] = _ms("Complete remission was achieved in 33 of 34 patients, a remission rate of 97.1%.")
    assert (m.numerator, m.denominator, m.percent) == (33, 34, 97.1)
    ms = _ms("Complete remission was achieved in 33 of 34 patients; the response rate in controls was 97%.")
    assert len(ms) == 2


def test_causes_and_initial_findings_describe_the_sample_but_causes_of_death_are_results() -> None:
    assert _ms("Road traffic collisions were the most common causes of trauma, 312 (70.0 %).") == []
    assert _ms("The initial visual acuity was poor, with 27 eyes having no light perception.") == []
    [m] = _ms("The most common cause of death was sepsis, in 10 patients (50%).")
    assert (m.numerator, m.percent) == (10, 50.0)


def test_a_count_in_brackets_after_a_percent_is_its_numerator_when_a_whole_n_fits() -> None:
    ms = _ms(
        "Thirty-nine percent (19 eyes) in the stent group and 14% (7 eyes) in the other group succeeded."
    )
    assert [(m.numerator, m.percent) for m in ms] == [(19, 39.0), (7, 14.0)]
    [m] = _ms("Response was seen in 45.5% (21 patients).")  # no whole N gives 21/N = 45.5%
    assert (m.numerator, m.percent) == (None, 45.5)

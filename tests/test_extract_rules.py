"""Behaviour of the extraction rules on short synthetic result sentences written here."""

from __future__ import annotations

from kb.extract import extract
from kb.records.models import Article, Extraction, Measurement


def _run(text: str) -> Extraction:
    return extract(Article(pmid="1", abstract=text))


def _ms(text: str) -> list[Measurement]:
    ex = _run(text)
    for m in ex.measurements:
        assert text[m.evidence.start : m.evidence.end] == m.evidence.text
    return ex.measurements


def _check(m: Measurement, name: str) -> bool:
    [c] = [c for c in m.checks if c.name == name]
    return c.ok


def test_n_of_n_with_percent_in_words() -> None:
    [m] = _ms("Forty-five percent of the patients (29 of 64) achieved a complete remission within 2 cycles.")
    assert (m.kind, m.numerator, m.denominator, m.percent) == ("outcome", 29, 64, 45.0)
    assert m.endpoint == "complete remission"
    assert m.timepoint == "2 cycles"
    assert m.derived == []
    assert _check(m, "percent matches n/N")


def test_percent_with_n_slash_n_and_ci() -> None:
    [m] = _ms("The overall response rate was 89% (47/53; 95% confidence interval: 77-96%).")
    assert (m.numerator, m.denominator, m.percent) == (47, 53, 89.0)
    assert m.ci == (77.0, 96.0) and m.ci_level == 95.0
    assert _check(m, "CI contains estimate")


def test_n_percent_of_n_per_arm() -> None:
    ms = _ms(
        "Remission occurred in 12 (24%) of 50 patients in the placebo group "
        "and 20 (42%) of 48 in the drug group."
    )
    assert [(m.numerator, m.denominator, m.percent) for m in ms] == [(12, 50, 24.0), (20, 48, 42.0)]
    assert ms[0].arm == "placebo group"
    assert ms[1].arm == "drug group"


def test_percent_without_counts_is_kept_and_not_invented() -> None:
    [m] = _ms("The overall survival rate was 36% at 1 year.")
    assert (m.percent, m.numerator, m.denominator) == (36.0, None, None)
    assert m.timepoint == "1 year"
    assert m.endpoint == "overall survival"


def test_of_whom_takes_the_previous_numerator_as_denominator() -> None:
    ms = _ms("Thirty of 60 patients achieved a complete remission, 20 of whom had an MRD response.")
    assert [(m.numerator, m.denominator) for m in ms] == [(30, 60), (20, 30)]
    assert ms[1].subgroup == "complete remission"
    assert ms[1].derived == ["denominator", "percent"]


def test_of_these_patients_with_percent() -> None:
    ms = _ms(
        "Ten patients were included. Seven patients (70%) had sedation with four (57%) of these patients "
        "requiring more."
    )
    assert [(m.numerator, m.denominator, m.percent) for m in ms] == [(7, 10, 70.0), (4, 7, 57.0)]


def test_respectively_pairs_grades_with_counts() -> None:
    text = (
        "We treated 50 patients. Grade 3 and 4 adverse events were reported in 10 patients (20%) "
        "and 5 patients "
        "(10%), respectively, with grade 3 and 4 neurologic events in 4 and 1 patients, respectively."
    )
    ms = _ms(text)
    got = [(m.kind, m.endpoint, m.grade, m.numerator, m.denominator) for m in ms]
    assert got == [
        ("safety", "adverse event", "3", 10, 50),
        ("safety", "adverse event", "4", 5, 50),
        ("safety", "neurologic event", "3", 4, 50),
        ("safety", "neurologic event", "4", 1, 50),
    ]
    assert ms[2].derived == ["denominator", "percent"]


def test_respectively_pairs_endpoints_with_values() -> None:
    ms = _ms("The median progression-free survival and overall survival were 6 and 25 months, respectively.")
    assert [(m.value, m.unit, m.statistic) for m in ms] == [
        (6.0, "months", "median"),
        (25.0, "months", "median"),
    ]


def test_grade_forms_are_normalised() -> None:
    text = (
        "We treated 40 patients. Seven patients had grade \u2264 3 graft-versus-host disease. "
        "Grade >=3 infections occurred in 6 patients. Nine patients had grade 3-4 neutropenia. "
        "Two patients had grade 3 or higher rash."
    )
    assert [m.grade for m in _ms(text)] == ["<=3", ">=3", "3-4", ">=3"]


def test_grade_list_without_respectively_is_a_band() -> None:
    [m] = _ms("We treated 40 patients. Grade 3 and 4 infections occurred in 6 patients.")
    assert m.grade == "3-4"


def test_fatal_events_are_grade_5() -> None:
    ms = _ms(
        "We treated 40 patients. Three patients had fatal adverse events, including 2 due to infections."
    )
    assert [(m.kind, m.grade, m.numerator) for m in ms] == [("safety", "5", 3), ("safety", "5", 2)]
    assert ms[1].subgroup == "fatal adverse event"
    assert ms[1].denominator is None


def test_hazard_ratio_with_ci_and_p_value() -> None:
    [m] = _ms(
        "Overall survival was longer with the drug (hazard ratio, 0.35; 95% CI, 0.13 to 0.92; P = .03)."
    )
    assert (m.statistic, m.value, m.ci, m.p_value) == ("hazard ratio", 0.35, (0.13, 0.92), "=.03")
    assert m.endpoint == "overall survival"
    assert _check(m, "CI contains estimate")


def test_ci_forms() -> None:
    text = (
        "The odds ratio was 1.14 (95% CI 1.00-1.30). The HR was 0.6 [95% CI, 0.45 to 0.89]. "
        "The risk difference was 1\u00b73% [95% CI -5\u00b77 to 8\u00b73]."
    )
    ms = _ms(text)
    assert [(m.statistic, m.value, m.ci) for m in ms] == [
        ("odds ratio", 1.14, (1.0, 1.3)),
        ("hazard ratio", 0.6, (0.45, 0.89)),
        ("risk difference", 1.3, (-5.7, 8.3)),
    ]


def test_estimate_directly_followed_by_ci_inherits_the_effect_name() -> None:
    ms = _ms(
        "The rate ratio was 0.36 (95% CI, 0.27 to 0.49) for A versus B "
        "and 0.83 (95% CI, 0.59 to 1.16) for A versus C."
    )
    assert [(m.statistic, m.value) for m in ms] == [("rate ratio", 0.36), ("rate ratio", 0.83)]


def test_arms_compared_with_vs() -> None:
    ms = _ms("Median heart rate was lower during therapy (82 vs. 93 beats/minute, p < 0.05).")
    assert [(m.value, m.unit, m.p_value) for m in ms] == [
        (82.0, "beats/minute", "<0.05"),
        (93.0, "beats/minute", "<0.05"),
    ]


def test_mean_sd_and_median_range() -> None:
    ms = _ms(
        "RESULTS: Time to onset was 13.2 \u00b1 2.3 min in Group R vs. 13.7 \u00b1 2.2 min in Group B. "
        "The median time in the cuff range was 34\u00a0% (17-57) versus 50\u00a0% (35-64)."
    )
    assert [(m.value, m.unit, m.statistic, m.percent) for m in ms] == [
        (13.2, "min", "mean", None),
        (13.7, "min", "mean", None),
        (34.0, "%", "median", None),
        (50.0, "%", "median", None),
    ]


def test_percent_of_arms_with_labels_before() -> None:
    ms = _ms("The 4-month PFS rate was comparable (EE, 18% v EP, 20%; P = .7).")
    assert [(m.percent, m.arm, m.timepoint) for m in ms] == [
        (18.0, "EE", "4 months"),
        (20.0, "EP", "4 months"),
    ]


def test_p_values_are_never_measurements() -> None:
    assert _ms("There was no difference between groups (P = .03; p<0.001; P value = 0.2).") == []


def test_doses_ages_thresholds_and_enrolment_are_not_measurements() -> None:
    text = (
        "A total of 120 patients aged 18-65 years were randomized to erlotinib 150 mg daily or placebo. "
        "Patients received 0.5% bupivacaine. The target was a response rate of \u226575%. "
        "Of 120 patients enrolled, 110 were eligible."
    )
    assert _ms(text) == []


def test_methods_and_background_sections_are_skipped() -> None:
    text = (
        "BACKGROUND: Up to 30% of patients relapse. METHODS: 40 patients had grade 3 neutropenia in a prior "
        "trial. RESULTS: Response was seen in 12 of 40 patients."
    )
    [m] = _ms(text)
    assert (m.numerator, m.denominator, m.section) == (12, 40, "RESULTS")


def test_baseline_characteristics_are_not_outcomes() -> None:
    assert _ms("Overall, 42% (22/53) had stage I disease and 71% were female.") == []


def test_count_inherits_the_population_size_and_says_so() -> None:
    [m] = _ms("Sixty-four patients were enrolled. Eight patients had a serious adverse event.")
    assert (m.kind, m.endpoint, m.numerator, m.denominator) == ("safety", "serious adverse event", 8, 64)
    assert m.derived == ["denominator", "percent"]
    assert m.percent == 12.5
    assert _check(m, "count within population")


def test_denominator_from_among_phrase() -> None:
    [m] = _ms("Among 17 patients with measurable disease, the response rate was 23%.")
    assert (m.denominator, m.percent) == (17, 23.0)


def test_percent_that_disagrees_with_counts_is_flagged() -> None:
    [m] = _ms("Complete remission was achieved by 20 of 64 patients (45%).")
    assert not _check(m, "percent matches n/N")


def test_count_above_population_is_flagged() -> None:
    ms = _ms("We enrolled 30 patients. Infections occurred in 40 patients.")
    assert [m.numerator for m in ms] == [40]
    assert not _check(ms[0], "count within population")


def test_ratio_ci_not_containing_estimate_is_flagged() -> None:
    [m] = _ms("The hazard ratio was 1.5 (95% CI, 0.5 to 0.9).")
    assert not _check(m, "CI contains estimate")


def test_text_without_results_gives_nothing() -> None:
    assert _ms("Patients with asthma were studied in a randomized trial.") == []
    assert _run("").measurements == []


def test_lancet_style_counts_in_square_brackets_take_the_listed_grade() -> None:
    ms = _ms("The most common grade 3-4 adverse events were neutropenia (20 [16%]) and anaemia (10 [8%]).")
    got = [(m.kind, m.endpoint, m.grade, m.numerator, m.percent) for m in ms]
    assert got == [("safety", "neutropenia", "3-4", 20, 16.0), ("safety", "anemia", "3-4", 10, 8.0)]


def test_sd_in_brackets_is_not_a_measurement() -> None:
    ms = _ms("The mean change in HbA1c was -0.8% (SD 1.1) with drug and -0.2% (SD 0.9) with placebo.")
    assert [(m.value, m.unit, m.statistic) for m in ms] == [(-0.8, "%", "mean"), (-0.2, "%", "mean")]


def test_before_and_after_percentages_are_both_kept() -> None:
    ms = _ms("The proportion of responders increased from 45% to 60% after treatment.")
    assert [m.percent for m in ms] == [45.0, 60.0]


def test_participant_flow_is_told_apart_from_results() -> None:
    assert _ms("A total of 120 patients were randomized and 110 (92%) completed the study.") == []
    [m] = _ms("Of the 62 patients enrolled, 7 (13%) progressed.")
    assert (m.numerator, m.percent, m.denominator) == (7, 13.0, None)  # 7/62 is not 13%: no denominator


def test_group_sizes_in_brackets_are_not_counts() -> None:
    assert (
        _ms("Variability was higher in the hyperosmolar group (50 subjects) than in the normal group.") == []
    )


def test_concentrations_are_not_results() -> None:
    assert (
        _ms("CONCLUSION: Sodium hyaluronate 0.1% and carboxymethylcellulose 0.5% ophthalmic solution helped.")
        == []
    )


def test_effect_estimate_names_the_arms_it_compares() -> None:
    ms = _ms(
        "The event occurred in 45 of 300 patients (15.0%) in the intervention group "
        "and in 60 of 298 patients (20.1%) in the control group (hazard ratio, 0.72; 95% CI, 0.49 to 1.05)."
    )
    assert [m.arm for m in ms] == [
        "intervention group",
        "control group",
        "intervention group vs control group",
    ]
    [ratio] = _ms("The rate ratio was 0.36 (95% CI, 0.27 to 0.49) for drug A versus placebo.")
    assert ratio.arm == "drug A vs placebo"


def test_mean_with_sd_in_brackets_after_a_mean_sd_header() -> None:
    ms = _ms(
        "The mean (SD) change in systolic blood pressure was -12.4 (8.1) mm Hg with drug vs -4.3 (7.9) mm Hg "
        "with placebo."
    )
    assert [(m.value, m.unit, m.statistic) for m in ms] == [(-12.4, "mm Hg", "mean"), (-4.3, "mm Hg", "mean")]


def test_opening_background_of_an_unlabelled_abstract_is_skipped() -> None:
    text = (
        "Up to 30% of patients with the disease relapse within 2 years. "
        "We treated 40 patients with the new drug. "
        "Complete remission was achieved by 18 of 40 patients (45%)."
    )
    [m] = _ms(text)
    assert (m.numerator, m.denominator, m.percent) == (18, 40, 45.0)


def test_counts_per_treatment_do_not_take_the_cohort_as_denominator() -> None:
    ms = _ms(
        "We enrolled 60 patients. Pruritus occurred in 5 patients receiving drug A and 1 receiving placebo."
    )
    assert [(m.kind, m.numerator, m.denominator, m.arm) for m in ms] == [
        ("safety", 5, None, "drug A"),
        ("safety", 1, None, "placebo"),
    ]


def test_ci_without_an_upper_bound_and_landmark_survival_rates() -> None:
    text = (
        "RESULTS: Among 80 patients given the drug, median overall survival was not reached "
        "(95% CI 17 months to not reached); 1-year overall survival was 74% (95% CI 63-82), "
        "and 2-year overall survival was 54% (40-66)."
    )
    ms = _ms(text)
    assert [(m.percent, m.value, m.timepoint) for m in ms] == [
        (74.0, None, "1 year"),
        (54.0, None, "2 years"),
    ]
    assert ms[0].ci == (63.0, 82.0)


def test_harms_a_trial_sets_out_to_prevent_are_its_efficacy_outcome() -> None:
    text = (
        "OBJECTIVE: To compare two drugs in preventing hypotension after induction. "
        "RESULTS: Hypotension occurred in 38.5% (52/135) of patients."
    )
    [m] = _ms(text)
    assert (m.kind, m.endpoint, m.numerator, m.denominator) == ("outcome", "hypotension", 52, 135)
    [m] = _ms("RESULTS: Hypotension occurred in 38.5% (52/135) of patients.")
    assert m.kind == "safety"


def test_patients_described_by_their_treatment_are_a_group_not_a_count() -> None:
    text = (
        "RESULTS: Survival in 30 patients who were given the drug was longer than in 23 controls (HR 0.36)."
    )
    assert [(m.statistic, m.value) for m in _ms(text)] == [("hazard ratio", 0.36)]


def test_evidence_spans_close_their_own_brackets() -> None:
    from kb.extract.assemble import close_brackets

    text = "reported in 20 patients (31%) and 28 patients (44%), respectively"
    start = text.index("20 patients")
    assert text[start : close_brackets(text, start, text.index(")"))] == "20 patients (31%)"
    # a closer that does not belong to the span is left alone
    plain = "in 8 patients) and"
    assert close_brackets(plain, 3, plain.index(")")) == plain.index(")")

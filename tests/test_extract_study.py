"""Study design labels, population and interventions read from the abstract text."""

from __future__ import annotations

from kb.extract import study


def test_design_labels() -> None:
    text = (
        "In this multicenter, randomized, double-blind, placebo-controlled phase III trial "
        "and an exploratory post hoc analysis, patients crossed over."
    )
    labels = study.design(text)
    assert labels[0] == "phase 3"
    for label in (
        "randomized",
        "double-blind",
        "placebo-controlled",
        "multicenter",
        "exploratory analysis",
        "post hoc analysis",
    ):
        assert label in labels


def test_phase_and_single_arm_open_label() -> None:
    labels = study.design("An open-label, single-arm, phase II study.")
    assert labels[:3] == ["phase 2", "single-arm", "open-label"]
    assert study.design("A phase 1/2 study.")[0] == "phase 1/2"


def test_retrospective_and_crossover() -> None:
    assert "retrospective" in study.design("A retrospective chart review.")
    assert "crossover" in study.design("A prospective cross-over study.")


def test_population_size_forms() -> None:
    cases = {
        "One hundred thirty-two patients were enrolled (EE, 67; EP, 65).": 132,
        "A total of 3849 patients underwent randomization.": 3849,
        "Of the 62 patients enrolled, 53 were eligible.": 62,
        "We randomly assigned 1167 participants to three groups.": 1167,
        "Women (n = 159) planning a cycle were included.": 159,
        "We studied efficacy in 64 patients who had relapsed.": 64,
    }
    for text, n in cases.items():
        assert study.population_n(text)[0] == n, text


def test_population_characteristics_and_condition() -> None:
    text = (
        "Adults with relapsed/refractory acute lymphoblastic leukemia following allogeneic transplantation "
        "were treated; patients had relapsed after alloHSCT."
    )
    pop = study.population(text)
    assert pop.condition == "relapsed/refractory acute lymphoblastic leukemia"
    assert "adults" in pop.characteristics
    assert "relapsed/refractory" in pop.characteristics
    assert "relapse after allogeneic hematopoietic stem cell transplantation" in pop.characteristics


def test_interventions_with_class_and_regimen() -> None:
    text = "Patients received erlotinib 150 mg daily plus entinostat or placebo."
    got = {i.name: (i.drug_class, i.regimen) for i in study.interventions(text)}
    assert got["erlotinib"] == ("EGFR tyrosine kinase inhibitor", "150 mg daily")
    assert got["entinostat"][0] == "histone deacetylase inhibitor"
    assert "placebo" in got

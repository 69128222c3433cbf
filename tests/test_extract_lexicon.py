"""The endpoint and drug lexicons are package data and drive matching without code."""

from __future__ import annotations

import tomllib
from importlib import resources

from kb.extract import lexicon
from kb.extract.lexicon import DrugLexicon, EndpointLexicon


def _data(name: str) -> dict[str, object]:
    return tomllib.loads(resources.files("kb").joinpath("data", name).read_text(encoding="utf-8"))


def test_lexicons_load_from_package_data() -> None:
    eps = lexicon.endpoints().endpoints
    assert {e.kind for e in eps} == {"outcome", "safety"}
    labels = [e.label for e in eps]
    assert len(labels) == len(set(labels))
    for needed in (
        "CR/CRh",
        "MRD response",
        "overall survival",
        "adverse event",
        "cytokine release syndrome",
    ):
        assert needed in labels


def test_only_verified_codes_are_given() -> None:
    # VOCABULARY.md lists the verified codes; endpoints have none verified yet, blinatumomab has NCIt C62528.
    assert all(e.code is None for e in lexicon.endpoints().endpoints)
    drugs = {d["name"]: d.get("code") for d in _data("drugs.toml")["drug"]}  # type: ignore[union-attr]
    assert {n: c for n, c in drugs.items() if c} == {"blinatumomab": "NCIT:C62528"}


def test_synonyms_are_case_insensitive_and_abbreviations_are_not() -> None:
    text = "Overall Survival and OS improved; os was not an abbreviation here, nor were CRs or AEs."
    found = [(text[h.start : h.end], h.endpoint.label) for h in lexicon.endpoints().find(text)]
    assert ("Overall Survival", "overall survival") in found
    assert ("OS", "overall survival") in found
    assert ("os", "overall survival") not in found
    assert ("AEs", "adverse event") in found


def test_longest_synonym_wins() -> None:
    text = "a complete MRD response and a minimal residual disease (MRD) response"
    labels = [h.endpoint.label for h in lexicon.endpoints().find(text)]
    assert labels == ["complete MRD response", "MRD response"]


def test_adding_a_synonym_needs_no_code() -> None:
    lex = EndpointLexicon([{"label": "walking distance", "kind": "outcome", "synonyms": ["six-minute walk"]}])
    [hit] = lex.find("The six-minute walk improved.")
    assert hit.endpoint.label == "walking distance"


def test_drugs_from_list_and_inn_stems() -> None:
    found = {
        d.name: d.drug_class for d in lexicon.drugs().find("Blinatumomab, then zanubrutinib and tafasitamab.")
    }
    assert found["blinatumomab"] == "bispecific T cell engager"
    assert found["zanubrutinib"] == "tyrosine kinase inhibitor"
    assert found["tafasitamab"] == "monoclonal antibody"


def test_stems_need_a_real_word() -> None:
    lex = DrugLexicon([], [{"suffix": "stat", "class": "enzyme inhibitor"}], ["thermostat"])
    assert lex.find("The statistic, the thermostat and a stat.") == []
    assert [d.name for d in lex.find("Orlistat was given.")] == ["orlistat"]
    assert "thermostat" not in {d.name for d in lexicon.drugs().find("a thermostat")}

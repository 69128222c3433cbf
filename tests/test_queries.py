"""The SPARQL library (queries/*.rq): exact results on the seed and on a synthetic KB, both engines.

Expected rows come from reading the sources: the seed's saved PubMed page (tests/data/seed/) and
the synthetic abstracts written in tests/synthetic.py. Where the extractor is still changing, the
seed tests assert what the abstract makes certain (the CR/CRh row is 29 of 64, quoted '29 of 64')
rather than every row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from typer.testing import CliRunner

from kb.cli.app import app
from kb.pipeline.build import BuildSummary
from kb.query import sparql as q

SEED = "31002989"
PAGE = Path(__file__).parent / "data" / "seed" / "pubmed-31002989.txt"
#: The seed abstract: the paragraph between "Abstract" and "Citing Articles" on the saved page.
ABSTRACT = PAGE.read_text(encoding="utf-8").split("Abstract\n", 1)[1].split("Citing Articles", 1)[0].strip()
LIBRARY = q.library()
runner = CliRunner()

Row = dict[str, str | None]


def answer(out: Path, name: str, engine: str = "oxigraph", **params: str) -> list[Row]:
    """Rows of a library question as dicts; checks the other engine gives exactly the same."""
    question = q.resolve(name)
    got = q.ask(q.engine_for(out, engine), question, params)
    other = q.ask(q.engine_for(out, "rdflib" if engine == "oxigraph" else "oxigraph"), question, params)
    assert got == other, f"{name}: oxigraph and rdflib disagree"
    return [dict(zip(got.names, r, strict=True)) for r in got.rows]


def examples(question: q.Question) -> dict[str, str]:
    return {k: v for k, v in question.parameters.items() if v is not None}


# --- the library itself -------------------------------------------------------------------------


def test_library_has_twelve_documented_questions() -> None:
    assert len(LIBRARY) >= 12
    for question in LIBRARY:
        header = question.header
        assert question.title.endswith("."), question.name
        assert re.search(r"(?m)^Parameters?:", header), f"{question.name}: no Parameters line"
        assert re.search(r"(?m)^Columns:", header), f"{question.name}: no Columns line"


@pytest.mark.parametrize("question", LIBRARY, ids=lambda x: x.name)
def test_header_columns_are_the_result_columns(question: q.Question, synthetic_kb: Path) -> None:
    got = q.ask(q.engine_for(synthetic_kb, "oxigraph"), question, examples(question))
    columns = question.header.split("Columns:", 1)[1]
    assert [c.strip() for c in columns.replace("\n", " ").split(",")] == got.names


@pytest.mark.parametrize("question", LIBRARY, ids=lambda x: x.name)
@pytest.mark.parametrize("kb", ["seed_kb", "synthetic_kb"])
def test_rdflib_and_oxigraph_give_the_same_rows(
    question: q.Question, kb: str, request: pytest.FixtureRequest
) -> None:
    out = request.getfixturevalue(kb)
    for params in ({}, examples(question)):
        ox_answer = q.ask(q.engine_for(out, "oxigraph"), question, params)
        rdflib_answer = q.ask(q.engine_for(out, "rdflib"), question, params)
        assert ox_answer == rdflib_answer


# --- the seed: facts of the saved page and its abstract -----------------------------------------

CITING = [  # from the page's "Citing Articles", newest first, then by PMID
    ("40075627", "Antibody-Based and Other Novel Agents in Adult B-Cell Acute Lymphoblastic Leukemia.",
     "Cancers (Basel)", "2025", "10.3390/cancers17050779"),
    ("38916714", "Treatment of Relapsed Acute Lymphocytic Leukemia in Adult Patients.",
     "Curr Treat Options Oncol", "2024", "10.1007/s11864-024-01213-4"),
    ("38977689", "Efficacy of blinatumomab as maintenance therapy for B-lineage acute lymphoblastic "
     "leukemia/lymphoma following allogeneic hematopoietic cell transplantation.",
     "Blood Cancer J", "2024", "10.1038/s41408-024-01092-w"),
    ("39258182", "Blinatumomab in the Therapy of Acute B-Lymphoid Leukemia.",
     "Mediterr J Hematol Infect Dis", "2024", "10.4084/MJHID.2024.070"),
    ("38003295", "Blinatumomab Redirects Donor Lymphocytes against CD19 Acute Lymphoblastic Leukemia "
     "without Relevant Bystander Alloreactivity after Haploidentical Hematopoietic Stem Cell "
     "Transplantation.",
     "Int J Mol Sci", "2023", "10.3390/ijms242216105"),
]  # fmt: skip


def test_seed_citing_articles(seed_kb: Path) -> None:
    rows = answer(seed_kb, "citing-articles", cited=SEED)
    assert rows == [
        {"cited": SEED, "citing": p, "title": t, "journal": j, "year": y, "doi": d, "record": "stub"}
        for p, t, j, y, d in CITING
    ]
    assert answer(seed_kb, "citing-articles", cited="40075627") == []  # the citing list goes one way


def test_seed_citing_two_hops(seed_kb: Path) -> None:
    # The page lists who cites the seed, not whom those articles cite: every link is one hop.
    rows = answer(seed_kb, "citing-two-hops", cited=SEED)
    assert rows == [{"cited": SEED, "citing": p, "hops": "1"} for p in sorted(c[0] for c in CITING)]


def test_seed_citation_coverage(seed_kb: Path) -> None:
    title = (
        "Blinatumomab for Acute Lymphoblastic Leukemia Relapse After Allogeneic Hematopoietic "
        "Stem Cell Transplantation"
    )
    assert answer(seed_kb, "citation-coverage") == [
        {"pmid": SEED, "title": title, "reported": "31", "ingested": "5", "missing": "26"}
    ]


def test_seed_has_no_retraction_or_correction(seed_kb: Path) -> None:
    assert answer(seed_kb, "retracted-or-corrected") == []


def _quotes_match_the_abstract(rows: list[Row]) -> None:
    for row in rows:
        assert row["start"] is not None and row["end"] is not None
        assert ABSTRACT[int(row["start"]) : int(row["end"])] == row["quote"]


def test_seed_outcomes_with_quotes(seed_kb: Path) -> None:
    rows = answer(seed_kb, "seed-outcomes", pmid=SEED)
    _quotes_match_the_abstract(rows)
    assert {r["pmid"] for r in rows} == {SEED}
    # "Forty-five percent of the patients (29 of 64) achieved a CR/CRh within the first 2 cycles"
    cr = [r for r in rows if r["events"] == "29"]
    assert len(cr) == 1 and "29 of 64" in (cr[0]["quote"] or "")
    assert cr[0]["participants"] == "64" and cr[0]["endpoint"] == "CR/CRh"
    # "the median overall survival was 8.5 months"; "median relapse-free survival was 7.4 months"
    medians = {(r["estimate"], r["unit"]) for r in rows if r["statistic"] == "median"}
    assert {("8.5", "months"), ("7.4", "months")} <= medians
    # safety numbers (grades, fatal events) are not outcomes
    assert not any("grade" in (r["quote"] or "").lower() for r in rows)


def test_seed_drug_measurements(seed_kb: Path) -> None:
    rows = answer(seed_kb, "drug-measurements", drug="blinatumomab")
    assert rows == answer(seed_kb, "drug-measurements", drug="BLINATUMOMAB")  # any case
    assert {r["intervention"] for r in rows} == {"blinatumomab"}
    found = {(r["kind"], r["events"], r["participants"]) for r in rows}
    # "29 of 64" achieved CR/CRh; "Grade 3 and 4 adverse events ... in 20 patients (31%)"
    assert {("outcome", "29", "64"), ("safety", "20", "64")} <= found
    assert answer(seed_kb, "drug-measurements", drug="placebo") == []


def test_seed_severe_adverse_events(seed_kb: Path) -> None:
    rows = answer(seed_kb, "severe-adverse-events")
    assert rows and all(re.match(r"^(>=)?[345]", r["grade"] or "") for r in rows)
    found = {(r["grade"], r["events"]) for r in rows}
    # grade 3 and 4 adverse events in 20 and 28 patients; grade 3 and 4 neurologic events in
    # 8 and 2; grade 3 cytokine release syndrome in 2; eight fatal (grade 5) adverse events
    assert {("3", "20"), ("4", "28"), ("3", "8"), ("4", "2"), ("3", "2"), ("5", "8")} <= found
    # "Seven patients had grade <= 3 graft-versus-host disease": may include milder grades
    assert not any("graft" in (r["endpoint"] or "").lower() for r in rows)


def test_seed_reported_numbers(seed_kb: Path) -> None:
    rows = answer(seed_kb, "reported-vs-derived", pmid=SEED)
    cr = {(r["field"], r["number"], r["origin"]) for r in rows if "29 of 64" in (r["quote"] or "")}
    assert {("numerator", "29", "reported"), ("denominator", "64", "reported")} <= cr


def test_seed_checks_all_pass(seed_kb: Path) -> None:
    # Every percent the abstract reports agrees with its n/N (29/64 = 45%, 20/64 = 31%, 28/64 = 44%).
    assert answer(seed_kb, "failed-checks") == []


def test_seed_pooling_row(seed_kb: Path) -> None:
    rows = answer(seed_kb, "pooling-proportions", endpoint="CR/CRh")
    assert [(r["pmid"], r["events"], r["participants"]) for r in rows] == [(SEED, "29", "64")]


def test_seed_medians_have_no_ci(seed_kb: Path) -> None:
    rows = answer(seed_kb, "median-outcomes")
    assert {("8.5", "months"), ("7.4", "months")} <= {(r["value"], r["unit"]) for r in rows}
    assert all(r["ci_low"] is None and r["ci_high"] is None for r in rows)  # the abstract gives none


def test_seed_population(seed_kb: Path) -> None:
    # "the efficacy and safety of blinatumomab in 64 patients"; "acute lymphoblastic leukemia (ALL)"
    rows = answer(seed_kb, "study-populations")
    assert [(r["pmid"], r["participants"]) for r in rows] == [(SEED, "64")]
    assert re.search(r"lymphoblastic leukemia|\bALL\b", rows[0]["condition"] or "")
    by_condition = answer(seed_kb, "populations-by-condition", term="LEUKEMIA")
    assert [(r["pmid"], r["participants"]) for r in by_condition] == [(SEED, "64")]


# --- synthetic: what the seed cannot show --------------------------------------------------------


def test_synthetic_two_hops(synthetic_kb: Path) -> None:
    # 200, 300, 500 cite 100; 400 cites 300, which cites 100; 500 also cites 300.
    assert answer(synthetic_kb, "citing-two-hops", cited="100") == [
        {"cited": "100", "citing": c, "hops": h}
        for c, h in (("200", "1"), ("300", "1"), ("500", "1"), ("400", "2"))
    ]
    assert answer(synthetic_kb, "citing-two-hops", cited="300") == [
        {"cited": "300", "citing": "400", "hops": "1"},
        {"cited": "300", "citing": "500", "hops": "1"},
    ]


def test_synthetic_retracted_or_corrected(synthetic_kb: Path) -> None:
    assert answer(synthetic_kb, "retracted-or-corrected") == [
        {
            "pmid": "200",
            "title": "Inotuzumab ozogamicin in Ph+ ALL (synthetic)",
            "retracted": "false",
            "notice": "ErratumIn",
            "notice_pmid": "201",
        },
        {
            "pmid": "500",
            "title": "A retracted report (synthetic)",
            "retracted": "true",
            "notice": "RetractionIn",
            "notice_pmid": "501",
        },
    ]


def test_synthetic_failed_checks(synthetic_kb: Path) -> None:
    assert answer(synthetic_kb, "failed-checks") == [
        {
            "pmid": "100",
            "endpoint": "infection",
            "check": "percent matches n/N",
            "detail": "12/40 is 30.0%, reported 35%",
            "quote": "12 patients (35%)",
        }
    ]


def test_synthetic_coverage(synthetic_kb: Path) -> None:
    assert [
        (r["pmid"], r["reported"], r["ingested"], r["missing"])
        for r in answer(synthetic_kb, "citation-coverage")
    ] == [
        ("100", "10", "3", "7"),
        ("200", "3", "0", "3"),
        ("300", None, "2", None),  # no reported total: nothing can be said to be missing
    ]


def test_synthetic_severe_adverse_events(synthetic_kb: Path) -> None:
    rows = answer(synthetic_kb, "severe-adverse-events")
    assert [
        (r["endpoint"], r["grade"], r["pmid"], r["events"], r["participants"], r["percent"]) for r in rows
    ] == [
        ("cytokine release syndrome", ">=3", "200", "4", "50", None),
        ("infection", "4", "100", "12", "40", "35"),
        ("neutropenia", "3", "100", "6", "40", "15"),
    ]  # graft-versus-host disease is grade <= 3 and stays out


def test_synthetic_drug_across_studies(synthetic_kb: Path) -> None:
    rows = answer(synthetic_kb, "drug-measurements", drug="blinatumomab")
    assert [(r["pmid"], r["intervention"], r["endpoint"], r["events"], r["arm"]) for r in rows] == [
        ("100", "blinatumomab", "complete remission", "18", None),
        ("100", "blinatumomab", "overall survival", None, None),
        ("100", "blinatumomab", "neutropenia", "6", None),
        ("100", "blinatumomab", "infection", "12", None),
        # 300 is a two-arm trial: the drug's study, so both arms' numbers, each naming its arm
        ("300", "Blinatumomab", "CR", "24", "blinatumomab"),
        ("300", "Blinatumomab", "CR", "12", "placebo"),
    ]


def test_synthetic_pooling_and_derived(synthetic_kb: Path) -> None:
    rows = answer(synthetic_kb, "pooling-proportions")
    assert [
        (
            r["endpoint"],
            r["pmid"],
            r["events"],
            r["participants"],
            r["percent"],
            r["percent_origin"],
            r["arm"],
        )
        for r in rows
    ] == [
        ("CR", "300", "24", "60", None, None, "blinatumomab"),
        ("CR", "300", "12", "60", None, None, "placebo"),
        ("CR/CRh", "200", "30", "50", "60", "derived", None),
        ("complete remission", "100", "18", "40", "45", "reported", None),
    ]
    derived = [r for r in answer(synthetic_kb, "reported-vs-derived") if r["origin"] == "derived"]
    assert derived == [
        {
            "pmid": "200",
            "endpoint": "CR/CRh",
            "field": "percent",
            "number": "60",
            "origin": "derived",
            "quote": "30 of 50 patients",
        }
    ]


def test_synthetic_median_with_ci(synthetic_kb: Path) -> None:
    assert answer(synthetic_kb, "median-outcomes") == [
        {
            "pmid": "100",
            "endpoint": "overall survival",
            "value": "7.7",
            "unit": "months",
            "ci_low": "5",
            "ci_high": "10.1",
            "ci_level": "0.95",  # FHIR states the level as a fraction
            "subgroup": None,
            "quote": "7.7 months (95% CI, 5.0 to 10.1)",
        }
    ]


def test_synthetic_populations(synthetic_kb: Path) -> None:
    assert answer(synthetic_kb, "study-populations") == [
        {"pmid": "100", "participants": "40", "condition": "relapsed B-cell acute lymphoblastic leukemia"},
        {
            "pmid": "200",
            "participants": "50",
            "condition": "Philadelphia chromosome-positive acute lymphoblastic leukemia",
        },
        {"pmid": "300", "participants": "120", "condition": "acute myeloid leukemia"},
    ]
    rows = answer(synthetic_kb, "populations-by-condition", term="Lymphoblastic")
    assert [(r["pmid"], r["participants"]) for r in rows] == [("200", "50"), ("100", "40")]
    assert len(answer(synthetic_kb, "populations-by-condition")) == 3  # no ?term: every condition


# --- parameters are terms, never query text -----------------------------------------------------

INJECTIONS = [
    f'{SEED}" }} ; DROP ALL ; SELECT * {{ ?s ?p ?o',
    f'{SEED}" }} UNION {{ ?citingArticle ?p ?o',
    "http://x> } UNION { ?s ?p ?o } #",
    f"{SEED}\\u0022 }}",
    f'{SEED}"""',
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_is_a_literal(seed_kb: Path, value: str) -> None:
    assert q.bind({"cited": value}) == {"cited": Literal(value)}
    for engine in ("oxigraph", "rdflib"):
        question = q.resolve("citing-articles")
        assert q.ask(q.engine_for(seed_kb, engine), question, {"cited": value}).rows == []
    # ... and the bound value comes back exactly as given, character for character
    echo = q.Question("echo", "SELECT ?v WHERE { }")
    for engine in ("oxigraph", "rdflib"):
        assert q.ask(q.engine_for(seed_kb, engine), echo, {"v": value}).rows == [[value]]


def test_values_block_goes_into_the_where_group() -> None:
    text = 'SELECT ?a WHERE { # a { comment\n ?a <http://x/p#f> "{?d}" . { ?a ?b ?c } }'
    bound = q.with_values(text, {"d": Literal('x"y')})
    values = 'VALUES (?d) { ("x\\"y") }'
    assert (
        bound
        == f'SELECT ?a WHERE {{ {values} # a {{ comment\n ?a <http://x/p#f> "{{?d}}" . {{ ?a ?b ?c }} }}'
    )
    construct = "CONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }"
    assert q.with_values(construct, {"a": URIRef("https://e.org/a")}) == (
        "CONSTRUCT { ?a ?b ?c } WHERE { VALUES (?a) { (<https://e.org/a>) } ?a ?b ?c }"
    )


def test_values_reach_nested_groups_that_use_them() -> None:
    # OPTIONAL and MINUS groups using ?d get the VALUES too (their FILTERs see ?d, as with
    # initBindings); a sub-SELECT keeps its own scope and a VALUES data block is data.
    text = (
        "SELECT * WHERE { ?a ?b ?c OPTIONAL { ?a <http://x/p> ?x FILTER(?x = ?d) } "
        "{ SELECT ?y WHERE { ?y ?z ?d } } VALUES ?e { 1 } MINUS { ?d ?e ?f } }"
    )
    v = 'VALUES (?d) { ("v") }'
    assert q.with_values(text, {"d": Literal("v")}) == (
        f"SELECT * WHERE {{ {v} ?a ?b ?c OPTIONAL {{ {v} ?a <http://x/p> ?x FILTER(?x = ?d) }} "
        f"{{ SELECT ?y WHERE {{ ?y ?z ?d }} }} VALUES ?e {{ 1 }} MINUS {{ {v} ?d ?e ?f }} }}"
    )


def test_unknown_parameter_is_refused(seed_kb: Path) -> None:
    with pytest.raises(q.QueryError, match=r"has no variable \?drug"):
        q.ask(q.engine_for(seed_kb), q.resolve("citing-articles"), {"drug": "x"})


# --- the command line --------------------------------------------------------------------------


def test_cli_sparql_named_query_with_param(seed_kb: Path) -> None:
    result = runner.invoke(
        app,
        ["sparql", "citing-articles", "--param", f"cited={SEED}", "--format", "csv", "--out", str(seed_kb)],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "cited,citing,title,journal,year,doi,record" and len(lines) == 6
    assert [line.split(",")[1] for line in lines[1:]] == [c[0] for c in CITING]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_cli_syntax_error_has_line_and_column(seed_kb: Path, engine: str) -> None:
    bad = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?o = )\n}"
    result = runner.invoke(app, ["sparql", bad, "--out", str(seed_kb), "--engine", engine])
    assert result.exit_code == 2
    assert re.search(r"syntax error at line \d+, column \d+", result.stderr), result.stderr


def test_cli_timeout_stops_a_long_query(seed_kb: Path) -> None:
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    result = runner.invoke(app, ["sparql", endless, "--out", str(seed_kb), "--timeout-s", "1"])
    assert result.exit_code == 3
    assert "stopped after 1 s (the query timeout)" in result.stderr


def test_cli_json_and_construct(seed_kb: Path) -> None:
    result = runner.invoke(
        app, ["sparql", "study-populations", "--format", "json", "--out", str(seed_kb), "--timeout-s", "0"]
    )
    assert result.exit_code == 0 and f'"pmid": "{SEED}"' in result.stdout
    construct = (
        "PREFIX cito: <http://purl.org/spar/cito/> CONSTRUCT { ?a cito:cites ?b } WHERE { ?a cito:cites ?b }"
    )
    result = runner.invoke(app, ["sparql", construct, "--out", str(seed_kb)])
    assert result.exit_code == 0
    assert result.stdout.count("cito:cites") == 5


# --- the site page -------------------------------------------------------------------------------


def test_queries_page_lists_every_question_with_text_and_results(synthetic_kb: Path) -> None:
    from kb.sinks.site.queries import queries_page

    page = queries_page(synthetic_kb)
    for question in LIBRARY:
        assert f"## {question.name} " in page and question.text.strip().splitlines()[-1] in page
    # results at build time: the synthetic retraction and the failed check are in the tables
    assert "| 500 | A retracted report (synthetic) | true | RetractionIn | 501 |" in page
    assert (
        "| 100 | infection | percent matches n/N | 12/40 is 30.0%, reported 35% | 12 patients (35%) |" in page
    )


def test_built_site_has_the_queries_page(seed_build: BuildSummary) -> None:
    out = seed_build.out
    html = (out / "site" / "queries.html").read_text(encoding="utf-8")
    assert "kb sparql seed-outcomes --param pmid=31002989" in html
    assert "29 of 64" in html  # the CR/CRh row's quote, in the results table

"""The citation graph: counts on small graphs made here, the SQL table and views, SPARQL, the site page."""

from __future__ import annotations

import random
import re
import sqlite3
from collections import Counter
from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest
from sqlmodel import Session

from kb.pipeline import citegraph
from kb.pipeline.build import BuildSummary
from kb.query import sparql as query
from kb.records.models import Article, Citation
from kb.sinks.rdf import graph as rdf
from kb.sinks.site import citeplot
from kb.sinks.sql import writer as sql
from kb.sinks.sql.tables import CitationRow
from kb.sources.registry import get_reader
from tests.conftest import SEED_PAGE


def cite(citing: int, cited: int, origin: str = "synthetic") -> Citation:
    return Citation(citing=str(citing), cited=str(cited), origin=origin)


# A hand-checkable graph (synthetic): 1 and 2 both cite 10 and 11; 2 also cites 12; 3 cites 10;
# 4 cites itself (dropped); the 1 -> 10 link is known from two origins (one edge).
SMALL = [
    cite(1, 10),
    cite(1, 10, "other"),
    cite(1, 11),
    cite(2, 10),
    cite(2, 11),
    cite(2, 12),
    cite(3, 10),
    cite(4, 4),
]


def test_graph_edges_origins_and_isolated_articles() -> None:
    g = citegraph.citation_graph(SMALL, years={"1": 2020}, articles=["99"])
    assert sorted(g.edges) == sorted(
        [("1", "10"), ("1", "11"), ("2", "10"), ("2", "11"), ("2", "12"), ("3", "10")]
    )
    assert g.edges["1", "10"]["origins"] == ["other", "synthetic"]
    assert "99" in g and g.degree("99") == 0 and not g.has_edge("4", "4")
    assert g.nodes["1"]["year"] == 2020 and g.nodes["2"]["year"] is None


def test_counts_on_the_small_graph() -> None:
    g = citegraph.citation_graph(SMALL, years={"1": 2020, "2": 2021, "3": 2021})
    s = citegraph.article_stats(g, reported={"10": 7})
    assert (s["10"].cited_by, s["10"].reported, s["10"].cites) == (3, 7, 0)
    assert s["10"].citing_years == {2020: 1, 2021: 2} and s["10"].citing_year_unknown == 0
    # 10 is co-cited with 11 (by 1 and 2) and with 12 (by 2): two partners, three co-citations
    assert (s["10"].co_cited_with, s["10"].co_citations) == (2, 3)
    assert (s["12"].co_cited_with, s["12"].co_citations) == (2, 2)
    # 1 and 2 share 10 and 11; 1 and 3 share 10; 2 and 3 share 10
    assert (s["1"].coupled_with, s["1"].couplings) == (2, 3)
    assert (s["2"].coupled_with, s["2"].couplings) == (2, 3)
    assert (s["3"].coupled_with, s["3"].couplings) == (2, 2)
    assert citegraph.co_citations(g) == Counter({("10", "11"): 2, ("10", "12"): 1, ("11", "12"): 1})
    assert citegraph.couplings(g) == Counter({("1", "2"): 2, ("1", "3"): 1, ("2", "3"): 1})


def _random_citations(seed: int, n: int = 40, links: int = 160) -> list[Citation]:
    """A synthetic random citation graph (older articles cited by newer ones)."""
    rng = random.Random(seed)  # noqa: S311
    out = []
    for _ in range(links):
        a, b = rng.sample(range(1, n + 1), 2)
        out.append(cite(max(a, b), min(a, b), rng.choice(["x", "y"])))
    return out


def _brute_pairs(g: nx.DiGraph, via: str) -> Counter[tuple[str, str]]:
    """Pair counts straight from the definition, over every pair of nodes."""
    out: Counter[tuple[str, str]] = Counter()
    for a, b in combinations(sorted(g.nodes, key=int), 2):
        if via == "citers":
            shared = set(g.predecessors(a)) & set(g.predecessors(b))
        else:
            shared = set(g.successors(a)) & set(g.successors(b))
        if shared:
            out[(a, b)] = len(shared)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_per_article_counts_match_the_definitions(seed: int) -> None:
    g = citegraph.citation_graph(_random_citations(seed))
    stats = citegraph.article_stats(g)
    co, cp = _brute_pairs(g, "citers"), _brute_pairs(g, "refs")
    assert citegraph.co_citations(g) == co and citegraph.couplings(g) == cp
    for pmid, s in stats.items():
        assert s.co_cited_with == sum(1 for pair in co if pmid in pair)
        assert s.co_citations == sum(n for pair, n in co.items() if pmid in pair)
        assert s.coupled_with == sum(1 for pair in cp if pmid in pair)
        assert s.couplings == sum(n for pair, n in cp.items() if pmid in pair)
        assert s.cited_by == len(set(g.predecessors(pmid))) and s.cites == len(set(g.successors(pmid)))


def test_sql_views_match_the_graph(tmp_path: Path) -> None:
    citations = _random_citations(4)
    eng = sql.create(tmp_path / "kb.sqlite")
    with Session(eng) as session:
        for c in {(c.citing, c.cited, c.origin): c for c in citations}.values():
            session.add(CitationRow(citing=c.citing, cited=c.cited, origin=c.origin))
        session.commit()
    eng.dispose()
    g = citegraph.citation_graph(citations)
    db = sqlite3.connect(tmp_path / "kb.sqlite")
    co = {(a, b): n for a, b, n in db.execute("SELECT a, b, n FROM co_citation")}
    cp = {(a, b): n for a, b, n in db.execute("SELECT a, b, n FROM coupling")}
    db.close()
    assert co == dict(citegraph.co_citations(g)) and cp == dict(citegraph.couplings(g))


def _small_rdf() -> rdf.Graph:
    g = rdf.new_graph()
    for pmid in sorted({p for c in SMALL for p in (c.citing, c.cited)}, key=int):
        rdf.add_article(g, Article(pmid=pmid, title=f"synthetic {pmid}", year=2020 + int(pmid) % 3))
    for c in SMALL:
        rdf.add_citation(g, c)
    return g


def _ask(g: rdf.Graph, name: str, **params: str) -> list[list[str | None]]:
    q = query.resolve(name)
    return query.RdflibEngine(g).answer(q.text, query.bind(params, q), q.name).rows


def test_sparql_co_citation_and_coupling_match_the_graph() -> None:
    g = citegraph.citation_graph(SMALL)
    store = _small_rdf()
    co = {(a, b): int(n or 0) for a, b, n in _ask(store, "co-citation", article="10")}
    expected = {
        ("10", b if a == "10" else a): n for (a, b), n in citegraph.co_citations(g).items() if "10" in (a, b)
    }
    assert co == expected
    cp = {(a, b): int(n or 0) for a, b, n in _ask(store, "bibliographic-coupling", article="1")}
    expected = {
        ("1", b if a == "1" else a): n for (a, b), n in citegraph.couplings(g).items() if "1" in (a, b)
    }
    assert cp == expected


def test_sparql_citing_years_and_origins() -> None:
    store = _small_rdf()
    rows = _ask(store, "citing-years", cited="10")
    g = citegraph.citation_graph(SMALL, years={p: 2020 + int(p) % 3 for p in ("1", "2", "3")})
    hist = citegraph.article_stats(g)["10"].citing_years
    assert {int(y or 0): int(n or 0) for _, y, n in rows} == hist
    origins = {o: int(n or 0) for o, n, _, _ in _ask(store, "citation-origins")}
    assert origins == dict(Counter(c.origin for c in SMALL))  # RDF keeps every link read, 4 -> 4 too


# --- the seed knowledge base -----------------------------------------------------------------


def test_seed_citation_stats_in_sql(seed_build: BuildSummary) -> None:
    items = list(get_reader("pubmed-page").read(SEED_PAGE))
    seed = next(i for i in items if isinstance(i, Article) and i.status == "full")
    citing = [i for i in items if isinstance(i, Article) and i.status == "stub"]
    stats = sql.read_citation_stats(seed_build.out / "kb.sqlite")
    s = stats[seed.pmid]
    assert s.in_kb and s.cited_by == len(citing) and s.reported == seed.cited_by_count
    assert s.citing_years == {str(y): n for y, n in Counter(a.year for a in citing).items()}
    db = sqlite3.connect(seed_build.out / "kb.sqlite")
    view = {str(y): n for y, n in db.execute("SELECT year, n FROM citing_year WHERE pmid = ?", (seed.pmid,))}
    db.close()
    assert view == s.citing_years
    for a in citing:  # every citing article is coupled to the others through the seed
        assert stats[a.pmid].cites == 1 and stats[a.pmid].coupled_with == len(citing) - 1


def test_seed_citations_page_draws_the_graph(seed_build: BuildSummary) -> None:
    site = seed_build.out / "site"
    page = (site / "citations.html").read_text(encoding="utf-8")
    for name in (citeplot.GRAPH_SVG, citeplot.YEARS_SVG):
        assert re.search(rf'<img[^>]+src="{re.escape(name)}"', page), name
        svg = (site / name).read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<svg" in svg and "<dc:date>" not in svg
    assert "31002989" in (site / citeplot.GRAPH_SVG).read_text(encoding="utf-8")
    assert "Co-cited with" in page


def test_svg_is_byte_reproducible_and_bounded() -> None:
    citations = _random_citations(5, n=400, links=900)
    g = citegraph.citation_graph(citations)
    kinds = {"1": "seed"}
    first = citeplot.graph_svg(g, kinds, seeds=["1"])
    assert first == citeplot.graph_svg(g, kinds, seeds=["1"])
    g.add_node("9999")  # an article without links is never drawn
    shown = citeplot.shown_nodes(g, keep=["1"])
    assert len(shown) == citeplot.MAX_NODES < g.number_of_nodes() and "1" in shown and "9999" not in shown
    drawn = g.subgraph(shown)
    assert sum(drawn.degree(n) == 0 for n in shown) <= citeplot.HUBS  # links stay visible
    years = citeplot.years_svg({"1": {2019: 2, 2021: 1}}, {"1": "PMID 1"})
    assert years == citeplot.years_svg({"1": {2019: 2, 2021: 1}}, {"1": "PMID 1"})
    assert ">2020<" in years  # the year without citations still has its place on the axis

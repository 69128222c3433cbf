"""The citation graph: citation records as a networkx DiGraph and the counts derived from it.

Edges point from the citing to the cited article (``cito:cites``). Per article the graph gives
how many articles here cite it, how many it cites, the publication years of its citing articles,
and its co-citation and bibliographic-coupling counts: two articles are *co-cited* once for each
article citing both (Small 1973), and *coupled* once for each reference they share (Kessler 1963).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

import networkx as nx

from kb.records.models import Citation

PairKind = Literal["co-citation", "coupling"]


def cited_by_counts(citations: Iterable[Citation]) -> dict[str, int]:
    """PMID -> how many distinct articles in the knowledge base cite it."""
    counts: dict[str, int] = {}
    for _citing, cited in {(c.citing, c.cited) for c in citations}:
        counts[cited] = counts.get(cited, 0) + 1
    return counts


def _key(pmid: str) -> int:
    return int(pmid)


def citation_graph(
    citations: Iterable[Citation],
    years: Mapping[str, int | None] | None = None,
    articles: Iterable[str] = (),
) -> nx.DiGraph:
    """The graph of citing -> cited edges, one per pair (``origins``: how the link is known).

    ``articles`` adds nodes with no links, so every article of the knowledge base has counts;
    node attribute ``year`` is the publication year where ``years`` knows it. Self-links are
    dropped: an article citing itself says nothing about its reach.
    """
    g = nx.DiGraph()
    for pmid in sorted(set(articles), key=_key):
        g.add_node(pmid)
    for c in sorted(citations, key=lambda c: (_key(c.citing), _key(c.cited), c.origin)):
        if c.citing == c.cited:
            continue
        if g.has_edge(c.citing, c.cited):
            g.edges[c.citing, c.cited]["origins"].append(c.origin)
        else:
            g.add_edge(c.citing, c.cited, origins=[c.origin])
    years = years or {}
    for node in g.nodes:
        g.nodes[node]["year"] = years.get(node)
    return g


def co_citations(g: nx.DiGraph) -> Counter[tuple[str, str]]:
    """(a, b) with a < b -> how many articles cite both a and b."""
    out: Counter[tuple[str, str]] = Counter()
    for citing in g.nodes:
        refs = sorted(g.successors(citing), key=_key)
        out.update(combinations(refs, 2))
    return out


def couplings(g: nx.DiGraph) -> Counter[tuple[str, str]]:
    """(a, b) with a < b -> how many references a and b share."""
    out: Counter[tuple[str, str]] = Counter()
    for cited in g.nodes:
        citers = sorted(g.predecessors(cited), key=_key)
        out.update(combinations(citers, 2))
    return out


@dataclass
class ArticleCitations:
    """The citation counts of one article (all counted inside the knowledge base but ``reported``)."""

    pmid: str
    cited_by: int = 0
    reported: int | None = None
    cites: int = 0
    #: year -> citing articles published that year
    citing_years: dict[int, int] = field(default_factory=dict)
    #: citing articles whose year is unknown (e.g. a link to an article not ingested)
    citing_year_unknown: int = 0
    #: distinct articles co-cited with this one, and the summed co-citation counts
    co_cited_with: int = 0
    co_citations: int = 0
    #: distinct articles sharing a reference with this one, and the summed shared references
    coupled_with: int = 0
    couplings: int = 0


def _partners(g: nx.DiGraph, pmid: str, hubs: list[str], sets: dict[str, frozenset[str]]) -> tuple[int, int]:
    """(distinct partners, summed count) of ``pmid`` through ``hubs`` (its citers or its references).

    ``sets[h]`` is the neighbour set of hub ``h`` on the other side, ``pmid`` included. Computed
    per article without listing pairs: a seed cited by n articles couples all n of them, and
    n(n-1)/2 pairs would not fit in memory for a well-cited seed. The largest hub set is counted
    whole and only the others are scanned, so the seed's n citers are not copied n times.
    """
    if not hubs:
        return 0, 0
    total = sum(len(sets[h]) - 1 for h in hubs)
    largest = max(hubs, key=lambda h: len(sets[h]))
    base = sets[largest]
    extra = {x for h in hubs if h != largest for x in sets[h] if x not in base}
    return len(base) + len(extra) - 1, total  # - 1: pmid itself is in every hub's set


def _neighbour_sets(g: nx.DiGraph, via: str) -> dict[str, frozenset[str]]:
    step = g.successors if via == "citers" else g.predecessors
    return {n: frozenset(step(n)) for n in g.nodes}


def article_stats(
    g: nx.DiGraph, reported: Mapping[str, int | None] | None = None
) -> dict[str, ArticleCitations]:
    """Per-article counts for every node of the graph, in PMID order."""
    reported = reported or {}
    refs_of, citers_of = _neighbour_sets(g, "citers"), _neighbour_sets(g, "refs")
    stats: dict[str, ArticleCitations] = {}
    for pmid in sorted(g.nodes, key=_key):
        years = Counter(g.nodes[c].get("year") for c in g.predecessors(pmid))
        unknown = years.pop(None, 0)
        co_with, co_n = _partners(g, pmid, sorted(citers_of[pmid]), refs_of)
        cp_with, cp_n = _partners(g, pmid, sorted(refs_of[pmid]), citers_of)
        stats[pmid] = ArticleCitations(
            pmid=pmid,
            cited_by=g.in_degree(pmid),
            reported=reported.get(pmid),
            cites=g.out_degree(pmid),
            citing_years={y: years[y] for y in sorted(years)},
            citing_year_unknown=unknown,
            co_cited_with=co_with,
            co_citations=co_n,
            coupled_with=cp_with,
            couplings=cp_n,
        )
    return stats


def pairs(g: nx.DiGraph) -> list[tuple[PairKind, str, str, int]]:
    """Every co-cited and every coupled pair with its count, in a stable order."""
    kinds: tuple[tuple[PairKind, Counter[tuple[str, str]]], ...] = (
        ("co-citation", co_citations(g)),
        ("coupling", couplings(g)),
    )
    out: list[tuple[PairKind, str, str, int]] = []
    for kind, counter in kinds:
        for (a, b), n in sorted(counter.items(), key=lambda kv: (_key(kv[0][0]), _key(kv[0][1]))):
            out.append((kind, a, b, n))
    return out

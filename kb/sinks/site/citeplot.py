"""Static, byte-reproducible SVG drawings of the citation graph and of citing years (matplotlib, Agg)."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the site is built on servers and in tests

import networkx as nx  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from kb.pipeline import citegraph  # noqa: E402
from kb.sinks.site import reads, safe  # noqa: E402
from kb.sinks.site.evidence_html import cell  # noqa: E402
from kb.sinks.sql import writer as sql  # noqa: E402
from kb.sinks.sql.tables import CitationStatsRow  # noqa: E402

#: Fixed so that the same graph is always laid out, and serialised, the same way.
LAYOUT_SEED = 20190420
SVG_RC = {
    "svg.hashsalt": "evidence-kb",  # element ids from a fixed salt, not random
    "svg.fonttype": "none",  # text stays text: smaller, searchable, no font-dependent paths
    "font.family": "DejaVu Sans",
    "font.size": 8,
}
#: Beyond this many articles the drawing keeps the most linked ones (the caption says so).
MAX_NODES = 250
#: How many of the most linked articles the drawing is built around.
HUBS = 12
COLOURS = {"seed": "#c2410c", "full": "#3949ab", "stub": "#9e9e9e"}
#: File names of the figures in the site's docs folder (kb.sinks.site.pages.GENERATED lists them too).
GRAPH_SVG = "citation-graph.svg"
YEARS_SVG = "citation-years.svg"
#: Rows of the counts table on the citations page.
TABLE_ROWS = 25


def _rc() -> AbstractContextManager[None]:
    # matplotlib types rc keys as a Literal of every rcParam; ours are checked when applied
    return matplotlib.rc_context(SVG_RC)  # type: ignore[arg-type]


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with _rc():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "evidence-kb"})
    return buf.getvalue()


def _figure(width: float, height: float) -> Figure:
    with _rc():
        return Figure(figsize=(width, height), layout="constrained")


def shown_nodes(g: nx.DiGraph, keep: Iterable[str] = (), limit: int = MAX_NODES) -> list[str]:
    """The linked nodes drawn, at most ``limit``: hubs with their neighbours, so links stay visible.

    The hubs are ``keep`` (e.g. the seeds) and the HUBS most linked articles (ties by PMID); they
    take turns bringing their most linked neighbours while room remains. Articles without links
    are not drawn.
    """

    def rank(n: str) -> tuple[int, int]:
        return (-g.degree(n), int(n))

    linked = [n for n in g.nodes if g.degree(n) > 0]
    hubs = list(
        dict.fromkeys([n for n in keep if n in g and g.degree(n) > 0] + sorted(linked, key=rank)[:HUBS])
    )
    chosen: dict[str, None] = dict.fromkeys(hubs[:limit])
    queues = [sorted(set(g.predecessors(h)) | set(g.successors(h)), key=rank) for h in hubs]
    depth = 0
    # Round robin over the hubs, so that one article with a long reference list cannot take
    # all the room and leave the other hubs drawn without their links.
    while len(chosen) < limit and any(depth < len(q) for q in queues):
        for q in queues:
            if depth < len(q) and len(chosen) < limit:
                chosen.setdefault(q[depth])
        depth += 1
    for n in sorted(linked, key=rank):  # room left: the next most linked articles
        if len(chosen) >= limit:
            break
        chosen.setdefault(n)
    return sorted(chosen, key=int)


def graph_svg(g: nx.DiGraph, kinds: Mapping[str, str], seeds: Iterable[str] = ()) -> str:
    """The citation graph as SVG: arrows from citing to cited, size by times cited here.

    ``kinds`` maps PMID -> 'seed' | 'full' | 'stub'; PMIDs missing from it are drawn as stubs.
    """
    seeds = list(seeds)
    nodes = shown_nodes(g, seeds)
    sub = g.subgraph(nodes).copy()
    with _rc():
        fig = _figure(8, 6)
        ax = fig.add_subplot()
        ax.set_axis_off()
        if sub.number_of_nodes() == 0:
            ax.text(0.5, 0.5, "No citation links", ha="center", va="center")
            return _svg(fig)
        ordered = nx.DiGraph()
        ordered.add_nodes_from(sorted(sub.nodes, key=int))
        ordered.add_edges_from(sorted(sub.edges, key=lambda e: (int(e[0]), int(e[1]))))
        pos = nx.spring_layout(ordered.to_undirected(), seed=LAYOUT_SEED)
        xs = {n: float(pos[n][0]) for n in ordered}
        ys = {n: float(pos[n][1]) for n in ordered}
        edges = list(ordered.edges)
        if edges:
            x0 = [xs[a] for a, _ in edges]
            y0 = [ys[a] for a, _ in edges]
            # stop arrows short of the cited node so the head stays visible
            dx = [(xs[b] - xs[a]) * 0.9 for a, b in edges]
            dy = [(ys[b] - ys[a]) * 0.9 for a, b in edges]
            ax.quiver(
                x0, y0, dx, dy, angles="xy", scale_units="xy", scale=1, width=0.0015,
                headwidth=5, headlength=6, color="#607d8b", alpha=0.6, zorder=1,
            )  # fmt: skip
        for kind, label in (
            ("stub", "citing list only / not ingested"),
            ("full", "full record"),
            ("seed", "seed"),
        ):
            group = [n for n in ordered if kinds.get(n, "stub") == kind]
            if not group:
                continue
            sizes = [min(600, 24 + 16 * g.in_degree(n)) for n in group]
            ax.scatter(
                [xs[n] for n in group], [ys[n] for n in group], s=sizes, c=COLOURS[kind],
                label=label, zorder=2, edgecolors="white", linewidths=0.5,
            )  # fmt: skip
        # label the seeds and the hubs the drawing is built around (more labels would overlap)
        hubs = sorted(ordered, key=lambda n: (-g.degree(n), int(n)))[:HUBS]
        for n in sorted({*hubs, *(p for p in seeds if p in ordered)}, key=int):
            ax.annotate(n, (xs[n], ys[n]), xytext=(4, 4), textcoords="offset points", fontsize=7)
        ax.legend(loc="lower left", frameon=False, fontsize=7)
        return _svg(fig)


def years_svg(histograms: Mapping[str, Mapping[int, int]], labels: Mapping[str, str]) -> str:
    """Citing articles per publication year, one bar series per cited article (grouped bars)."""
    with _rc():
        fig = _figure(8, 3.2)
        ax = fig.add_subplot()
        years = sorted({y for h in histograms.values() for y in h})
        if not years:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "No citing article has a known year", ha="center", va="center")
            return _svg(fig)
        span = list(range(years[0], years[-1] + 1))
        width = 0.8 / max(1, len(histograms))
        for i, (pmid, hist) in enumerate(histograms.items()):
            offset = (i - (len(histograms) - 1) / 2) * width
            ax.bar(
                [y + offset for y in span], [hist.get(y, 0) for y in span], width=width, label=labels[pmid]
            )
        ax.set_xticks(span, [str(y) for y in span], rotation=90 if len(span) > 12 else 0)
        ax.set_ylabel("citing articles")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=7)
        return _svg(fig)


def section(
    docs: Path,
    g: nx.DiGraph,
    kinds: Mapping[str, str],
    titles: Mapping[str, str],
    seeds: list[str],
    stats: Mapping[str, CitationStatsRow],
) -> str:
    """Write the graph and year figures into ``docs`` and return the Markdown that shows them."""
    if g.number_of_edges() == 0:
        return ""
    (docs / GRAPH_SVG).write_text(graph_svg(g, kinds, seeds), encoding="utf-8")
    shown = len(shown_nodes(g, seeds))
    linked = sum(1 for n in g.nodes if g.degree(n) > 0)
    cited = sorted(stats.values(), key=lambda s: (-s.cited_by, int(s.pmid)))
    top = [s.pmid for s in cited if s.cited_by > 0][:3]
    focus = [p for p in seeds if p in stats and stats[p].cited_by > 0] or top
    histograms = {p: {int(y): n for y, n in stats[p].citing_years.items()} for p in focus[:3]}
    (docs / YEARS_SVG).write_text(
        years_svg(histograms, {p: f"PMID {p}" for p in histograms}), encoding="utf-8"
    )
    out = [
        "",
        "## Citation graph",
        "",
        f"![The citation graph: {g.number_of_nodes()} articles, {g.number_of_edges()} links]({GRAPH_SVG})",
        "",
        "Arrows point from the citing to the cited article; the bigger a dot, the more articles here "
        "cite it. "
        + (
            f"Drawn: {shown} of the {linked} linked articles, around the {HUBS} most linked."
            if shown < linked
            else f"All {shown} linked articles are drawn."
        ),
        "",
        "## Citing articles per year",
        "",
        f"![Citing articles per publication year]({YEARS_SVG})",
        "",
        "Years of the citing articles of "
        + ", ".join(f"PMID {p}" for p in histograms)
        + "; citing articles whose year is unknown are not drawn.",
        "",
        "## Citation counts",
        "",
        "Counted inside this knowledge base, except *reported* (what the source says). *Co-cited with*: "
        "articles cited together with it by some article here; *coupled with*: articles sharing a "
        "reference with it.",
        "",
        "| Article | Cited by here | Reported | Cites | Co-cited with | Coupled with | Citing years |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in cited[:TABLE_ROWS]:
        name = cell(titles.get(s.pmid) or f"PMID {s.pmid}")
        link = safe.link(name, safe.article_href(s.pmid, "articles/")) if s.in_kb else name
        years = ", ".join(f"{y}: {n}" for y, n in sorted(s.citing_years.items()))
        if s.citing_year_unknown:
            years += f"{', ' if years else ''}unknown: {s.citing_year_unknown}"
        out.append(
            f"| {link} | {s.cited_by} | {'' if s.reported is None else s.reported} | {s.cites} "
            f"| {s.co_cited_with} | {s.coupled_with} | {years} |"
        )
    if len(cited) > TABLE_ROWS:
        out += [
            "",
            f"The {TABLE_ROWS} most cited of {len(cited)} articles; the SQL table `citation_stats` "
            "has them all.",
        ]
    return "\n".join(out) + "\n"


def page_section(db: Path, docs: Path, con: sqlite3.Connection) -> str:
    """The citations page's graph part, from the built SQLite store (figures written into ``docs``).

    The graph needs every link; of the articles it keeps only status, year and title.
    """
    seeds = sql.read_build(db).seed_pmids
    stats = sql.read_citation_stats(db)
    kinds: dict[str, str] = {}
    years: dict[str, int | None] = {}
    titles: dict[str, str] = {}
    for pmid, status, year, title in reads.kinds_years_titles(con):
        kinds[pmid] = "seed" if pmid in seeds else status
        years[pmid] = year
        titles[pmid] = title
    g = citegraph.citation_graph(sql.read_citations(db), years, kinds)
    return section(docs, g, kinds, titles, seeds, stats)

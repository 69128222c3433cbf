"""The generated index pages (home, articles index, citations), paginated and read from SQLite.

Each page reads only its own rows (``kb.sinks.site.reads``), so the pages stay the same size and
the memory bounded however many articles the knowledge base holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from kb.sinks.site import reads, safe
from kb.sinks.site.article import WIDE, article_row, coverage_text, title_link, titled
from kb.sinks.site.evidence_html import cell, plural
from kb.sinks.sql.tables import BuildRow

#: Rows per page of the articles index and of the citations pages.
PAGE_SIZE = 250
#: Citing articles listed under one cited article on the citations pages; its own page lists all.
CITING_SHOWN = 20
#: Front matter of the list pages: wide, and out of the search index. They only repeat titles
#: that the search finds through each article's own entry; indexed, they made up most of the
#: index at 10k articles (site/decisions/site-at-scale.md).
LISTING = WIDE.replace("hide:", "search:\n  exclude: true\nhide:", 1)


def page_name(n: int, first: str, stem: str) -> str:
    """Page ``n`` (1-based) of a paginated list: ``first`` for page 1, else ``stem-n.md``."""
    return first if n == 1 else f"{stem}-{n}.md"


def pager(n: int, pages: int, first: str, stem: str) -> list[str]:
    """'Pages: 1 2 [3] 4 …' as Markdown links, the current page in bold; nothing for one page."""
    if pages <= 1:
        return []
    shown = sorted({1, pages, *range(max(1, n - 3), min(pages, n + 3) + 1)})
    items: list[str] = []
    for i, p in enumerate(shown):
        if i and p - shown[i - 1] > 1:
            items.append("…")
        items.append(f"**{p}**" if p == n else f"[{p}]({page_name(p, first, stem)})")
    return [
        '<nav class="kb-pager" markdown="1">',
        "",
        f"Page {n} of {pages}: " + " ".join(items),
        "",
        "</nav>",
        "",
    ]


def home_page(con: sqlite3.Connection, build: BuildRow) -> str:
    t = reads.totals(con)
    out = [
        titled(build.title) + f"# {cell(build.title)}",
        "",
        "Every number on these pages is shown next to the words of the abstract it was read from, "
        "with arithmetic self-checks. Built by `kb build` "
        f"(evidence-kb {cell(build.kb_version)}) at {cell(build.run_at)}.",
        "",
        "## Seed articles",
        "",
    ]
    seeds = reads.listed(con, build.seed_pmids)
    for pmid in build.seed_pmids:
        a = seeds.get(pmid)
        if a is None:
            out += [f"- PMID {cell(pmid)}: not in the knowledge base", ""]
            continue
        citing, _ = reads.links(con, pmid)
        out += [
            f"- <strong>{title_link(a, 'articles/')}</strong> ({a.year or 'n.d.'}): "
            f"{plural(a.measurements, 'number')} extracted.  ",
            f"  {coverage_text(a.cited_by_count, len(citing))}.",
        ]
    out += [
        "",
        "## What the knowledge base holds",
        "",
        '<div class="kb-facts" markdown="1">',
        "",
        "| | |",
        "|---|---|",
        f"| [Articles](articles/index.md) | {t.articles}: {t.full} with a full record and abstract, "
        f"{t.articles - t.full} known only from citing lists |",
        f"| Measurements | {t.measurements}: {t.outcomes} outcome, {t.measurements - t.outcomes} safety; "
        f"{t.derived} with a derived number; {t.failed} failing a self-check |",
        f"| [Citation links](citations.md) | {t.links} between articles in the knowledge base |",
        "",
        "</div>",
        "",
        "## Start here",
        "",
        "- [Articles](articles/index.md): every article by publication year.",
        "- [Citations](citations.md): who cites whom, and how many citing articles are missing.",
        "- [Queries](queries.md): ready-made SPARQL questions, each with its answer on this build.",
        "- [About](about.md): how to read an article page, and where the data come from.",
        "- [Tutorial](tutorial.md): build this knowledge base yourself and ask it a SPARQL question.",
        "",
    ]
    return "\n".join(out)


def _year_key(y: int | None) -> str:
    return str(y) if y else "unknown"


def articles_index(con: sqlite3.Connection, size: int | None = None) -> Iterator[tuple[str, str]]:
    """(file name in articles/, Markdown) of each page of the articles index, newest year first.

    A year that runs over a page break gets its heading again on the next page; the year links
    at the top of every page jump to the page and heading where each year starts.
    """
    size = size or PAGE_SIZE
    total = reads.count_articles(con)
    pages = max(1, -(-total // size))
    starts: dict[int | None, int] = {}
    at = 0
    for y, n in reads.years(con):
        starts[y] = at // size + 1
        at += n
    jump = " · ".join(
        f"[{y or 'Year unknown'}]({page_name(p, 'index.md', 'page')}#{_year_key(y)})"
        for y, p in starts.items()
    )
    for n in range(1, pages + 1):
        rows = reads.index_page(con, (n - 1) * size, size)
        head = [
            LISTING + "# Articles" + (f" (page {n} of {pages})" if pages > 1 else ""),
            "",
            f"{plural(total, 'article')} in the knowledge base, newest first. "
            "*Numbers* counts the outcome and safety numbers extracted from the abstract; "
            "articles known only from a citing list have no abstract here.",
            "",
        ]
        if len(starts) > 1:
            head += [jump, ""]
        yield (
            page_name(n, "index.md", "page"),
            "\n".join(
                head
                + pager(n, pages, "index.md", "page")
                + _year_tables(rows, starts, n)
                + pager(n, pages, "index.md", "page")
            ),
        )


def _year_tables(rows: list[reads.Listed], starts: dict[int | None, int], page: int) -> list[str]:
    out: list[str] = []
    year: object = object()
    for a in rows:
        if a.year != year:
            if out:
                out += ["", "</div>", ""]
            year = a.year
            # The anchor goes on the page where the year starts; a continuation has none.
            anchor = f" {{#{_year_key(a.year)}}}" if starts.get(a.year) == page else ""
            cont = "" if anchor else " (continued)"
            out += [
                f"## {a.year or 'Year unknown'}{cont}{anchor}",
                "",
                '<div class="kb-list" markdown="1">',
                "",
                "| Title | Journal | Numbers | PMID |",
                "|---|---|---|---|",
            ]
        n = str(a.measurements) if a.status == "full" else "<small>citing list only</small>"
        out.append(f"| {title_link(a)} | {cell(a.journal)} | {n} | {cell(a.pmid)} |")
    return out + (["", "</div>", ""] if out else [])


CITATIONS_INTRO = (
    "Who cites whom inside this knowledge base. *Reported* is the number of citing articles "
    "the source (e.g. the PubMed page) reports; *coverage* says how many of them were ingested, "
    "so that missing articles are visible rather than silently absent."
)


def citations_pages(con: sqlite3.Connection, size: int | None = None) -> Iterator[tuple[str, str]]:
    """(file name, Markdown) of each citations page: coverage rows and citing lists.

    ``size`` cited articles a page; page 1 is ``citations.md``, the rest ``citations-N.md`` beside it.
    """
    size = size or PAGE_SIZE
    cited = reads.cited_articles(con)
    links_out, arts_out = reads.outside(con)
    pages = max(1, -(-len(cited) // size))
    for n in range(1, pages + 1):
        out = [
            LISTING + "# Citations" + (f" (page {n} of {pages})" if pages > 1 else ""),
            "",
            CITATIONS_INTRO,
            "",
        ]
        if not cited and not links_out:
            yield "citations.md", "\n".join([*out, "No citation links are in the knowledge base.", ""])
            return
        chunk = cited[(n - 1) * size : n * size]
        out += pager(n, pages, "citations.md", "citations") + _coverage(con, chunk)
        if n == pages and links_out:
            out += [
                "## Articles outside the knowledge base",
                "",
                f"{plural(links_out, 'citation link')} point to {plural(arts_out, 'article')} that are "
                "not in the knowledge base (mostly the reference lists of ingested articles). "
                "They are kept in `kb.sqlite` and `kb.ttl`; each citing article's page lists them "
                "with links to PubMed.",
                "",
            ]
        yield (
            page_name(n, "citations.md", "citations"),
            "\n".join(out + pager(n, pages, "citations.md", "citations")),
        )


def _coverage(con: sqlite3.Connection, chunk: list[tuple[str, int]]) -> list[str]:
    listed = reads.listed(con, [p for p, _ in chunk])
    out = [
        "## Coverage",
        "",
        "| Cited article | Year | Citing articles here | Reported | Coverage |",
        "|---|---|---|---|---|",
    ]
    for pmid, n in chunk:
        a = listed[pmid]
        reported = a.cited_by_count
        cov = f"{n} of {reported} ({100 * n / reported:.0f}%)" if reported else "total not reported"
        out.append(
            f"| {title_link(a, 'articles/')} | {a.year or ''} | {n} "
            f"| {reported if reported is not None else '–'} | {cov} |"
        )
    out += ["", "## Citing articles, by cited article", ""]
    for pmid, n in chunk:
        citing_pmids, _ = reads.links(con, pmid)
        shown = reads.listed(con, citing_pmids[:CITING_SHOWN])
        citing = [shown[p] for p in citing_pmids[:CITING_SHOWN] if p in shown]
        if not citing:
            continue
        a = listed[pmid]
        out += [f"<strong>{title_link(a, 'articles/')}</strong> ({a.year or 'n.d.'}) is cited by:", ""]
        out += ["| Citing article | Journal | Year | PMID |", "|---|---|---|---|"]
        out += [article_row(c, "articles/") for c in citing] + [""]
        if len(citing_pmids) > CITING_SHOWN:
            more = safe.link("its page", safe.article_href(pmid, "articles/"))
            out += [f"The first {CITING_SHOWN} of {n}; {more} lists them all.", ""]
    return out

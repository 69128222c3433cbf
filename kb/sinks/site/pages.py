"""Evidence pages rendered from the built SQLite store, then ``mkdocs build --strict``."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from kb.sinks.sql import writer as sql
from kb.sinks.site.evidence_html import (
    abstract_html,
    evidence_marks,
    measurement_table,
)

# Re-exported: page hooks in other modules (kb.sinks.site.citeplot, kb.sinks.site.queries) format cells with these.
from kb.sinks.site.evidence_html import cell as cell
from kb.sinks.site.evidence_html import esc as esc
from kb.sinks.site.evidence_html import fmt_num as fmt_num
from kb.sinks.site.evidence_html import plural as plural
from kb.records.models import Article, EvidenceRecord
from kb.sinks.sql.tables import BuildRow

#: The project root holds mkdocs.yml; its docs_dir (site/) has the hand-written pages.
ROOT = Path(__file__).resolve().parents[3]
#: Generated pages land in these names inside the docs copy; hand-written pages may not use them.
GENERATED = (
    "index.md",
    "articles",
    "citations.md",
    "reference/cli.md",
    "queries.md",
    "citation-graph.svg",
    "citation-years.svg",
)

Progress = Callable[[str, int, int], None]

#: Front matter of generated pages that carry wide tables: drop the left navigation, keep the TOC.
WIDE = "---\nhide:\n  - navigation\n---\n\n"


def titled(title: str, fallback: str = "Untitled") -> str:
    """WIDE front matter with an explicit ``title:`` for a page whose H1 holds untrusted text.

    Without it MkDocs takes page.title from the H1 with entities un-escaped, and the theme prints
    it unescaped (``<title>`` via ``striptags``, which un-escapes once more): an article title
    ``</title><script>`` would run. So angle brackets go, ``&`` is escaped (no entity can turn
    back into a bracket), and json.dumps makes the value a valid YAML double-quoted scalar.
    """
    plain = " ".join(re.sub(r"[<>]", "", title).split()).replace("&", "&amp;") or fallback
    return WIDE.replace("hide:", f"title: {json.dumps(plain)}\nhide:", 1)


def coverage_text(reported: int | None, ingested: int) -> str:
    if reported is None:
        held = plural(ingested, "citing article") if ingested else "No citing articles"
        return f"{held} in the knowledge base (the source reports no total)"
    return f"{ingested} of {reported} citing articles are in the knowledge base"


def article_row(a: Article, prefix: str = "") -> str:
    """A table row naming an article: linked title, journal, year, record kind."""
    journal = cell(a.journal) if a.journal else ""
    return (
        f"| [{cell(a.title) or 'PMID ' + a.pmid}]({prefix}{a.pmid}.md) | {journal} "
        f"| {a.year or ''} | [{a.pmid}]({prefix}{a.pmid}.md) |"
    )


def _cite_line(a: Article) -> str:
    """'Biol Blood Marrow Transplant. 2019;25(8):1498-1504.' from whatever parts are known."""
    where = a.pub_date or (str(a.year) if a.year else "")
    vol = f"{a.volume or ''}{f'({a.issue})' if a.issue else ''}{f':{a.pages}' if a.pages else ''}"
    parts = [f"*{cell(a.journal)}*." if a.journal else "", f"{where};{cell(vol)}." if vol else f"{where}."]
    return " ".join(p for p in parts if p and p != ".")


# --- pages --------------------------------------------------------------------------------------


def article_page(
    rec: EvidenceRecord,
    citing: list[EvidenceRecord],
    cites: list[EvidenceRecord],
    outside: Sequence[str] = (),
) -> str:
    """One article: facts, highlighted abstract, evidence tables, citations, provenance.

    ``outside`` are the PMIDs it cites that are not in the knowledge base.
    """
    a, x, p = rec.article, rec.extraction, rec.provenance
    out = [titled(a.title, "PMID " + a.pmid) + f"# {cell(a.title) or 'PMID ' + a.pmid}", ""]
    if a.authors:
        out += [f'<p class="kb-byline">{esc(", ".join(au.name for au in a.authors))}</p>', ""]
    ids = [f"PMID [{a.pmid}](https://pubmed.ncbi.nlm.nih.gov/{a.pmid}/)"]
    if a.doi:
        ids.append(f"doi: [{cell(a.doi)}](https://doi.org/{a.doi})")
    if a.pmcid:
        ids.append(f"[{cell(a.pmcid)}](https://www.ncbi.nlm.nih.gov/pmc/articles/{a.pmcid}/)")
    out += [" ".join(x for x in (_cite_line(a), " · ".join(ids)) if x), ""]
    if a.retracted:
        out += ['!!! danger "Retracted"', "    PubMed links a retraction notice to this article.", ""]
    if a.status == "stub":
        out += [
            '!!! info "Known only from a citing list"',
            "    This article is in the knowledge base because it cites, or is cited by, an ingested",
            "    article. Its abstract has not been ingested, so no numbers were extracted from it.",
            "",
        ]
    outcomes = [m for m in x.measurements if m.kind == "outcome"]
    safety = [m for m in x.measurements if m.kind == "safety"]
    failed = sum(not m.checks_ok for m in x.measurements)
    facts = [
        ("Publication types", cell(", ".join(a.publication_types))),
        ("Design", cell(", ".join(x.study.design))),
        ("Participants", fmt_num(x.population.n if x.population.n is not None else x.study.n)),
        ("Condition", cell(x.population.condition)),
        ("Characteristics", cell("; ".join(x.population.characteristics))),
        (
            "Interventions",
            "<br>".join(
                f"**{cell(iv.name)}**"
                + (f" <small>{cell(iv.drug_class)}</small>" if iv.drug_class else "")
                + (f" — {cell(iv.regimen)}" if iv.regimen else "")
                for iv in x.interventions
            ),
        ),
        (
            "Numbers extracted",
            f"{plural(len(outcomes), 'outcome')}, {plural(len(safety), 'safety number')}"
            + (f"; <span class='kb-fail'>{failed} with a failed check</span>" if failed else "")
            if a.status == "full"
            else "",
        ),
        # On a stub the Cited by section right below says the same; a lone row is noise.
        ("Cited by", coverage_text(a.cited_by_count, len(citing)) if a.status == "full" else ""),
    ]
    if any(v for _, v in facts):
        out += ['<div class="kb-facts" markdown="1">', "", "| | |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in facts if v] + ["", "</div>", ""]
    # Number the measurements as the tables show them: outcomes, then safety, each in reading order.
    shown = sorted(x.measurements, key=lambda m: (m.kind != "outcome", m.evidence.start, m.evidence.end))
    marks_of = [(m.evidence.start, m.evidence.end) for m in shown]
    _, anchors = evidence_marks(marks_of)
    if a.abstract:
        out += ["## Abstract", ""]
        if x.measurements:
            out += [
                '<p class="kb-muted">Highlighted: the words each number in the tables below was '
                "read from; the small numbers refer to rows of those tables.</p>",
                "",
            ]
        out += [abstract_html(a.abstract, a.sections, marks_of), ""]
    numbered = list(enumerate(shown, start=1))
    if a.status == "full" and a.abstract:
        for kind, heading in (("outcome", "Outcomes"), ("safety", "Safety")):
            rows = [(n, m) for n, m in numbered if m.kind == kind]
            out += [f"## {heading}", ""]
            if rows:
                out += ['<div class="kb-evidence" markdown="1">', ""]
                out += measurement_table(rows, anchors, kind == "safety", a.abstract) + ["", "</div>"]
            else:
                out += [f"No {kind} numbers were extracted from this abstract."]
            out += [""]
    out += ["## Cited by", "", coverage_text(a.cited_by_count, len(citing)) + ".", ""]
    if citing:
        out += ["| Citing article | Journal | Year | PMID |", "|---|---|---|---|"]
        out += [article_row(c.article) for c in citing] + [""]
    if cites or outside:
        out += ["## Cites", ""]
    if cites:
        out += ["| Cited article (in this knowledge base) | Journal | Year | PMID |", "|---|---|---|---|"]
        out += [article_row(c.article) for c in cites] + [""]
    if outside:
        more = "further " if cites else ""
        out += [
            f'<details class="kb-outside"><summary>{plural(len(outside), more + "cited article")} '
            "not in the knowledge base</summary>",
            "<p>"
            + ", ".join(f'<a href="https://pubmed.ncbi.nlm.nih.gov/{p}/">PMID {p}</a>' for p in outside)
            + "</p></details>",
            "",
        ]
    out += [
        "## Provenance",
        "",
        '<div class="kb-facts" markdown="1">',
        "",
        "| | |",
        "|---|---|",
        f"| Snapshot | <code>{cell(p.snapshot.path)}</code> |",
        f"| SHA-256 | <code>{cell(p.snapshot.sha256)}</code> |",
        f"| Reader | {cell(p.reader)} {cell(p.reader_version)} |",
        f"| Extractor | {cell(p.extractor)} {cell(p.extractor_version)} |",
        f"| Built at | {cell(p.run_at)} |",
    ]
    if p.note:
        out.append(f"| Note | {cell(p.note)} |")
    if a.revised or a.version > 1:
        out.append(
            f"| PubMed version | {a.version}" + (f", revised {cell(a.revised)}" if a.revised else "") + " |"
        )
    out += ["", "</div>", ""]
    return "\n".join(out)


def home_page(build: BuildRow, records: dict[str, EvidenceRecord], cited_by: dict[str, list[str]]) -> str:
    ms = [m for r in records.values() for m in r.extraction.measurements]
    full = sum(r.article.status == "full" for r in records.values())
    outcomes = sum(m.kind == "outcome" for m in ms)
    failed = sum(not m.checks_ok for m in ms)
    derived = sum(bool(m.derived) for m in ms)
    links = sum(len(v) for v in cited_by.values())
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
    for pmid in build.seed_pmids:
        rec = records.get(pmid)
        if rec is None:
            out += [f"- PMID {pmid}: not in the knowledge base", ""]
            continue
        a = rec.article
        numbers = plural(len(rec.extraction.measurements), "number")
        out += [
            f"- **[{cell(a.title)}](articles/{pmid}.md)** ({a.year or 'n.d.'}): {numbers} extracted.  ",
            f"  {coverage_text(a.cited_by_count, len(cited_by.get(pmid, [])))}.",
        ]
    out += [
        "",
        "## What the knowledge base holds",
        "",
        '<div class="kb-facts" markdown="1">',
        "",
        "| | |",
        "|---|---|",
        f"| [Articles](articles/index.md) | {len(records)}: {full} with a full record and abstract, "
        f"{len(records) - full} known only from citing lists |",
        f"| Measurements | {len(ms)}: {outcomes} outcome, {len(ms) - outcomes} safety; "
        f"{derived} with a derived number; {failed} failing a self-check |",
        f"| [Citation links](citations.md) | {links} between articles in the knowledge base |",
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


def articles_index(records: dict[str, EvidenceRecord]) -> str:
    """Every article, newest year first; one table per year keeps thousands of articles browsable."""
    by_year: dict[int | None, list[EvidenceRecord]] = {}
    for rec in records.values():
        by_year.setdefault(rec.article.year, []).append(rec)
    years = sorted((y for y in by_year if y is not None), reverse=True)
    order: list[int | None] = [*years, *([None] if None in by_year else [])]
    out = [
        WIDE + "# Articles",
        "",
        f"{plural(len(records), 'article')} in the knowledge base, newest first. "
        "*Numbers* counts the outcome and safety numbers extracted from the abstract; "
        "articles known only from a citing list have no abstract here.",
        "",
    ]
    if len(order) > 1:
        out += [" · ".join(f"[{y or 'Year unknown'}](#{y or 'unknown'})" for y in order), ""]
    for y in order:
        recs = sorted(by_year[y], key=lambda r: (r.article.title.lower(), r.article.pmid))
        out += [
            f"## {y or 'Year unknown'} {{#{y or 'unknown'}}}",
            "",
            '<div class="kb-list" markdown="1">',
            "",
            "| Title | Journal | Numbers | PMID |",
            "|---|---|---|---|",
        ]
        for r in recs:
            a = r.article
            n = (
                str(len(r.extraction.measurements))
                if a.status == "full"
                else "<small>citing list only</small>"
            )
            out.append(
                f"| [{cell(a.title) or 'PMID ' + a.pmid}]({a.pmid}.md) | {cell(a.journal)} | {n} | {a.pmid} |"
            )
        out += ["", "</div>", ""]
    return "\n".join(out)


def citations_page(records: dict[str, EvidenceRecord], cited_by: dict[str, list[str]]) -> str:
    out = [
        WIDE + "# Citations",
        "",
        "Who cites whom inside this knowledge base. *Reported* is the number of citing articles "
        "the source (e.g. the PubMed page) reports; *coverage* says how many of them were ingested, "
        "so that missing articles are visible rather than silently absent.",
        "",
    ]
    # Only articles in the knowledge base have a coverage to report; links to articles outside it
    # (reference lists of ingested articles) are summarised below, not listed one row each.
    cited = sorted(
        {p for p in cited_by if p in records} | {p for p, r in records.items() if r.article.cited_by_count},
        key=lambda p: (-len(cited_by.get(p, [])), -(records[p].article.cited_by_count or 0), p),
    )
    outside = {p: c for p, c in cited_by.items() if p not in records}
    if not cited and not outside:
        return "\n".join([*out, "No citation links are in the knowledge base.", ""])
    out += [
        "## Coverage",
        "",
        "| Cited article | Year | Citing articles here | Reported | Coverage |",
        "|---|---|---|---|---|",
    ]
    for pmid in cited:
        a, n = records[pmid].article, len(cited_by.get(pmid, []))
        reported = a.cited_by_count
        cov = f"{n} of {reported} ({100 * n / reported:.0f}%)" if reported else "total not reported"
        out.append(
            f"| [{cell(a.title) or 'PMID ' + pmid}](articles/{pmid}.md) | {a.year or ''} | {n} "
            f"| {reported if reported is not None else '–'} | {cov} |"
        )
    out += ["", "## Citing articles, by cited article", ""]
    for pmid in cited:
        citing = [records[c] for c in cited_by.get(pmid, []) if c in records]
        if citing:
            a = records[pmid].article
            name = cell(a.title) or "PMID " + pmid
            out += [f"**[{name}](articles/{pmid}.md)** ({a.year or 'n.d.'}) is cited by:", ""]
            out += ["| Citing article | Journal | Year | PMID |", "|---|---|---|---|"]
            out += [article_row(c.article, "articles/") for c in citing] + [""]
    if outside:
        links = sum(len(c) for c in outside.values())
        out += [
            "## Articles outside the knowledge base",
            "",
            f"{plural(links, 'citation link')} point to {plural(len(outside), 'article')} that are not in "
            "the knowledge base (mostly the reference lists of ingested articles). They are kept in "
            "`kb.sqlite` and `kb.ttl`; each citing article's page lists them with links to PubMed.",
            "",
        ]
    return "\n".join(out)


def _links(citations: Iterable[tuple[str, str]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Links both ways: cited -> citing PMIDs and citing -> cited PMIDs, each link once."""
    cited_by: dict[str, list[str]] = {}
    cites: dict[str, list[str]] = {}
    for citing, cited in sorted(set(citations)):
        cited_by.setdefault(cited, []).append(citing)
        cites.setdefault(citing, []).append(cited)
    return cited_by, cites


def render(db: Path, docs: Path) -> int:
    """Write the generated pages for the knowledge base in ``db`` into ``docs``; returns the count."""
    from kb.sinks.site.clidoc import cli_reference  # the CLI imports this module; import it only when rendering

    records = {r.article.pmid: r for r in sql.read_records(db)}
    cited_by, cites = _links((c.citing, c.cited) for c in sql.read_citations(db))
    (docs / "articles").mkdir(parents=True, exist_ok=True)
    for pmid, rec in records.items():
        citing = [records[p] for p in cited_by.get(pmid, []) if p in records]
        cited = [records[p] for p in cites.get(pmid, []) if p in records]
        outside = [p for p in cites.get(pmid, []) if p not in records]
        page = article_page(rec, citing, cited, outside)
        (docs / "articles" / f"{pmid}.md").write_text(page, encoding="utf-8")
    (docs / "articles" / "index.md").write_text(articles_index(records), encoding="utf-8")
    (docs / "index.md").write_text(home_page(sql.read_build(db), records, cited_by), encoding="utf-8")
    from kb.sinks.site.citeplot import page_section  # imports matplotlib: only when rendering

    graph = page_section(db, docs, records)  # also writes the figures named in GENERATED
    (docs / "citations.md").write_text(citations_page(records, cited_by) + graph, encoding="utf-8")
    (docs / "reference").mkdir(exist_ok=True)
    (docs / "reference" / "cli.md").write_text(cli_reference(), encoding="utf-8")
    from kb.sinks.site.queries import queries_page  # runs queries/*.rq on the store built next to db

    (docs / "queries.md").write_text(queries_page(db.parent), encoding="utf-8")
    return len(records) + 5


class SiteError(Exception):
    """The site could not be built; carries mkdocs' own warnings."""


class _Collect(logging.Handler):
    """Keeps mkdocs' warnings so a strict-mode failure can say what went wrong."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render_and_build(out: Path, config_file: Path | None = None, progress: Progress | None = None) -> int:
    """Copy the hand-written pages, add the generated ones, and run ``mkdocs build --strict``."""
    config_file = config_file or ROOT / "mkdocs.yml"
    hand = config_file.parent / "site"
    if not config_file.is_file() or not hand.is_dir():
        # mkdocs.yml and site/ live in the source checkout, not in an installed wheel
        raise SiteError(
            f"{config_file}: the site's sources (mkdocs.yml, site/) are not here; build the site "
            "from a source checkout installed with `pip install -e .`, or pass --no-site"
        )
    docs = out / "docs"
    clash = [g for g in GENERATED if (hand / g).exists()]
    if clash:
        raise SiteError(f"{hand}: hand-written pages use generated names: {', '.join(clash)}")
    shutil.copytree(hand, docs)
    pages = render(out / "kb.sqlite", docs)
    cfg = load_config(str(config_file), docs_dir=str(docs), site_dir=str(out / "site"), strict=True)
    warnings = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(warnings)
    try:
        mkdocs_build(cfg)
    except Abort as exc:
        raise SiteError(f"mkdocs build --strict failed: {exc}\n" + "\n".join(warnings.messages)) from None
    finally:
        logger.removeHandler(warnings)
    shutil.rmtree(docs)
    if progress:
        progress("site", 1, 1)
    return pages

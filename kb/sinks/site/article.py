"""One article's page as HTML: facts, highlighted abstract, evidence tables, citations, provenance.

Article pages are written outside MkDocs' page loop (``kb.sinks.site.shell``), so this module
writes the HTML that Python-Markdown would have made, directly: converting Markdown cost most
of the time of a page. Every field from the source passes through ``kb.sinks.site.safe``
(``cell`` escapes it), and links are built only from validated identifiers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kb.records.models import Article, EvidenceRecord
from kb.sinks.site import safe
from kb.sinks.site.evidence_html import (
    abstract_html,
    cell,
    esc,
    evidence_marks,
    fmt_num,
    html_table,
    measurement_table,
    plural,
)

#: Citing articles listed on an article's page; the page says how many more there are.
LIST_SHOWN = 500
#: Front matter of generated pages that carry wide tables: drop the left navigation, keep the TOC.
WIDE = "---\nhide:\n  - navigation\n---\n\n"


class ListedArticle(Protocol):
    """What a row naming an article shows (``Article`` and ``kb.sinks.site.reads.Listed`` have it)."""

    @property
    def pmid(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def journal(self) -> str | None: ...
    @property
    def year(self) -> int | None: ...


@dataclass(frozen=True)
class Page:
    """An article page's parts for the shell: plain-text title, TOC entries (id, label), HTML body."""

    title: str
    toc: list[tuple[str, str]]
    body: str


def titled(title: str, fallback: str = "Untitled") -> str:
    """WIDE front matter with an explicit ``title:`` for a page whose H1 holds untrusted text.

    Without it MkDocs takes page.title from the H1 with entities un-escaped, and the theme prints
    it unescaped (``<title>`` via ``striptags``, which un-escapes once more): an article title
    ``</title><script>`` would run. ``safe.title_meta`` drops the brackets and escapes ``&``;
    json.dumps makes the value a valid YAML double-quoted scalar.
    """
    plain = safe.title_meta(title, fallback)
    return WIDE.replace("hide:", f"title: {json.dumps(plain)}\nhide:", 1)


def coverage_text(reported: int | None, ingested: int) -> str:
    if reported is None:
        held = plural(ingested, "citing article") if ingested else "No citing articles"
        return f"{held} in the knowledge base (the source reports no total)"
    return f"{ingested} of {reported} citing articles are in the knowledge base"


def title_link(a: ListedArticle, prefix: str = "") -> str:
    """The article's title (or 'PMID n') linking to its page; plain text for an invalid PMID."""
    return safe.link(cell(a.title) or "PMID " + cell(a.pmid), safe.article_href(a.pmid, prefix))


def article_row(a: ListedArticle, prefix: str = "") -> str:
    """A Markdown table row naming an article (index pages): linked title, journal, year, PMID."""
    return "| " + " | ".join(listed_cells(a, prefix)) + " |"


def listed_cells(a: ListedArticle, prefix: str = "") -> list[str]:
    journal = cell(a.journal) if a.journal else ""
    pmid = safe.link(cell(a.pmid), safe.article_href(a.pmid, prefix))
    return [title_link(a, prefix), journal, str(a.year or ""), pmid]


def _heading(anchor: str, label: str, toc: list[tuple[str, str]]) -> str:
    """An H2 with its permalink, as the toc extension writes it, noted for the page's TOC."""
    toc.append((anchor, label))
    link = f'<a class="headerlink" href="#{anchor}" title="Permanent link">&para;</a>'
    return f'<h2 id="{anchor}">{label}{link}</h2>'


def _admonition(kind: str, title: str, text: str) -> str:
    return f'<div class="admonition {kind}">\n<p class="admonition-title">{title}</p>\n<p>{text}</p>\n</div>'


def _cite_line(a: Article) -> str:
    """'Biol Blood Marrow Transplant. 2019;25(8):1498-1504.' from whatever parts are known."""
    where = cell(a.pub_date) or (str(a.year) if a.year else "")
    vol = f"{a.volume or ''}{f'({a.issue})' if a.issue else ''}{f':{a.pages}' if a.pages else ''}"
    journal = f"<em>{cell(a.journal)}</em>." if a.journal else ""
    parts = [journal, f"{where};{cell(vol)}." if vol else f"{where}."]
    return " ".join(p for p in parts if p and p != ".")


def identifiers(a: Article) -> str:
    """PMID, DOI and PMCID: links where the identifier is valid, escaped text where it is not."""
    ids = ["PMID " + safe.link(cell(a.pmid), safe.pmid_url(a.pmid))]
    if a.doi:
        ids.append("doi: " + safe.link(cell(a.doi), safe.doi_url(a.doi)))
    if a.pmcid:
        ids.append(safe.link(cell(a.pmcid), safe.pmcid_url(a.pmcid)))
    return " · ".join(ids)


def _facts(rec: EvidenceRecord, citing: int) -> list[tuple[str, str]]:
    a, x = rec.article, rec.extraction
    outcomes = sum(m.kind == "outcome" for m in x.measurements)
    failed = sum(not m.checks_ok for m in x.measurements)
    numbers = f"{plural(outcomes, 'outcome')}, {plural(len(x.measurements) - outcomes, 'safety number')}"
    if failed:
        numbers += f"; <span class='kb-fail'>{failed} with a failed check</span>"
    interventions = "<br>".join(
        f"<strong>{cell(iv.name)}</strong>"
        + (f" <small>{cell(iv.drug_class)}</small>" if iv.drug_class else "")
        + (f" — {cell(iv.regimen)}" if iv.regimen else "")
        for iv in x.interventions
    )
    return [
        ("Publication types", cell(", ".join(a.publication_types))),
        ("Design", cell(", ".join(x.study.design))),
        ("Participants", fmt_num(x.population.n if x.population.n is not None else x.study.n)),
        ("Condition", cell(x.population.condition)),
        ("Characteristics", cell("; ".join(x.population.characteristics))),
        ("Interventions", interventions),
        ("Numbers extracted", numbers if a.status == "full" else ""),
        # On a stub the Cited by section right below says the same; a lone row is noise.
        ("Cited by", coverage_text(a.cited_by_count, citing) if a.status == "full" else ""),
        ("MeSH headings", cell("; ".join(a.mesh_headings))),
        ("Keywords", cell("; ".join(a.keywords))),
    ]


def _facts_table(rows: list[tuple[str, str]]) -> str:
    return f'<div class="kb-facts">\n{html_table(["", ""], [[k, v] for k, v in rows if v])}\n</div>'


def _evidence(rec: EvidenceRecord, toc: list[tuple[str, str]]) -> list[str]:
    """The highlighted abstract and the Outcomes and Safety tables."""
    a, x = rec.article, rec.extraction
    out: list[str] = []
    # Number the measurements as the tables show them: outcomes, then safety, each in reading order.
    shown = sorted(x.measurements, key=lambda m: (m.kind != "outcome", m.evidence.start, m.evidence.end))
    marks_of = [(m.evidence.start, m.evidence.end) for m in shown]
    _, anchors = evidence_marks(marks_of)
    if a.abstract:
        out.append(_heading("abstract", "Abstract", toc))
        if x.measurements:
            out.append(
                '<p class="kb-muted">Highlighted: the words each number in the tables below was '
                "read from; the small numbers refer to rows of those tables.</p>"
            )
        out.append(abstract_html(a.abstract, a.sections, marks_of))
    numbered = list(enumerate(shown, start=1))
    if a.status == "full" and a.abstract:
        for kind, heading in (("outcome", "Outcomes"), ("safety", "Safety")):
            rows = [(n, m) for n, m in numbered if m.kind == kind]
            out.append(_heading(kind + ("s" if kind == "outcome" else ""), heading, toc))
            if rows:
                table = measurement_table(rows, anchors, kind == "safety", a.abstract)
                out.append(f'<div class="kb-evidence">\n{table}\n</div>')
            else:
                out.append(f"<p>No {kind} numbers were extracted from this abstract.</p>")
    return out


def _citations(
    a: Article,
    citing: Sequence[ListedArticle],
    cites: Sequence[ListedArticle],
    outside: Sequence[str],
    toc: list[tuple[str, str]],
    n_citing: int,
) -> list[str]:
    out = [_heading("cited-by", "Cited by", toc), f"<p>{coverage_text(a.cited_by_count, n_citing)}.</p>"]
    if n_citing > len(citing):
        command = f"kb sparql citing-articles --param cited={esc(a.pmid)}"
        out.append(f"<p>The first {len(citing)} of them; <code>{command}</code> lists them all.</p>")
    if citing:
        out.append(
            html_table(["Citing article", "Journal", "Year", "PMID"], [listed_cells(c) for c in citing])
        )
    if cites or outside:
        out.append(_heading("cites", "Cites", toc))
    if cites:
        head = ["Cited article (in this knowledge base)", "Journal", "Year", "PMID"]
        out.append(html_table(head, [listed_cells(c) for c in cites]))
    if outside:
        more = "further " if cites else ""
        links = ", ".join(safe.link(f"PMID {esc(p)}", safe.pmid_url(p)) for p in outside)
        out.append(
            f'<details class="kb-outside"><summary>{plural(len(outside), more + "cited article")} '
            f"not in the knowledge base</summary>\n<p>{links}</p></details>"
        )
    return out


def _provenance(rec: EvidenceRecord, toc: list[tuple[str, str]]) -> list[str]:
    a, p = rec.article, rec.provenance
    rows = [
        ("Snapshot", f"<code>{cell(p.snapshot.path)}</code>"),
        ("SHA-256", f"<code>{cell(p.snapshot.sha256)}</code>"),
        ("Reader", f"{cell(p.reader)} {cell(p.reader_version)}"),
        ("Extractor", f"{cell(p.extractor)} {cell(p.extractor_version)}"),
        ("Built at", cell(p.run_at)),
        ("Note", cell(p.note)),
    ]
    if a.revised or a.version > 1:
        rows.append(
            ("PubMed version", f"{a.version}" + (f", revised {cell(a.revised)}" if a.revised else ""))
        )
    return [_heading("provenance", "Provenance", toc), _facts_table(rows)]


def article_parts(
    rec: EvidenceRecord,
    citing: Sequence[ListedArticle],
    cites: Sequence[ListedArticle],
    outside: Sequence[str] = (),
    citing_total: int | None = None,
) -> Page:
    """One article's page.

    ``citing`` and ``cites`` are the linked articles in the knowledge base, ``outside`` the PMIDs
    it cites that are not in it; ``citing_total`` is how many cite it when ``citing`` holds only
    the first of them.
    """
    a = rec.article
    n_citing = len(citing) if citing_total is None else citing_total
    toc: list[tuple[str, str]] = []
    out = [f"<h1>{cell(a.title) or 'PMID ' + cell(a.pmid)}</h1>"]
    if a.authors:
        out.append(f'<p class="kb-byline">{esc(", ".join(au.name for au in a.authors))}</p>')
    out.append("<p>" + " ".join(x for x in (_cite_line(a), identifiers(a)) if x) + "</p>")
    if a.retracted:
        out.append(_admonition("danger", "Retracted", "PubMed links a retraction notice to this article."))
    if a.status == "stub":
        out.append(
            _admonition(
                "info",
                "Known only from a citing list",
                "This article is in the knowledge base because it cites, or is cited by, an ingested "
                "article. Its abstract has not been ingested, so no numbers were extracted from it.",
            )
        )
    facts = _facts(rec, n_citing)
    if any(v for _, v in facts):
        out.append(_facts_table(facts))
    out += _evidence(rec, toc)
    out += _citations(a, citing, cites, outside, toc, n_citing)
    out += _provenance(rec, toc)
    return Page(title=a.title or f"PMID {a.pmid}", toc=toc, body="\n".join(out) + "\n")


def article_page(
    rec: EvidenceRecord,
    citing: Sequence[ListedArticle],
    cites: Sequence[ListedArticle],
    outside: Sequence[str] = (),
) -> str:
    """The HTML body of one article's page (``article_parts`` without the title and TOC)."""
    return article_parts(rec, citing, cites, outside).body

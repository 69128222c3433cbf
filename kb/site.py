"""Evidence pages rendered from the built SQLite store, then ``mkdocs build --strict``."""

from __future__ import annotations

import html
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from kb import sql
from kb.records import EvidenceRecord, Measurement
from kb.tables import BuildRow

#: The project root holds mkdocs.yml; its docs_dir (site/) has the hand-written pages.
ROOT = Path(__file__).resolve().parent.parent
#: Generated pages land in these names inside the docs copy; hand-written pages may not use them.
GENERATED = ("index.md", "articles", "citations.md")

Progress = Callable[[str, int, int], None]


def cell(text: object) -> str:
    """A Markdown table cell: no pipes or newlines leak into the table structure."""
    s = "" if text is None else str(text)
    return html.escape(s, quote=False).replace("|", "&#124;").replace("\n", " ")


def fmt_num(x: float | int | None) -> str:
    if x is None:
        return ""
    return f"{x:g}" if isinstance(x, float) else str(x)


def result_text(m: Measurement) -> str:
    """The number as a reader wants it: '29/64 (45%)', '8.5 months (95% CI 6.1-10.2)'."""
    parts: list[str] = []
    if m.numerator is not None:
        parts.append(f"{m.numerator}/{m.denominator}" if m.denominator is not None else str(m.numerator))
    if m.percent is not None:
        pct = f"{fmt_num(m.percent)}%" + (" (derived)" if "percent" in m.derived else "")
        parts.append(f"({pct})" if parts else pct)
    if m.value is not None:
        parts.append(f"{fmt_num(m.value)} {m.unit or ''}".strip())
    if m.ci is not None:
        level = fmt_num(m.ci_level) + "% " if m.ci_level else ""
        parts.append(f"({level}CI {fmt_num(m.ci[0])} to {fmt_num(m.ci[1])})")
    if m.p_value:
        parts.append(f"P {m.p_value}" if m.p_value[0] in "<>=" else f"P = {m.p_value}")
    return " ".join(parts)


def checks_text(m: Measurement) -> str:
    if not m.checks:
        return "–"
    bad = [c for c in m.checks if not c.ok]
    if not bad:
        return "✓ " + ", ".join(c.name for c in m.checks)
    return "✗ " + "; ".join(f"{c.name}: {c.detail}" for c in bad)


def measurement_table(ms: list[Measurement]) -> list[str]:
    lines = [
        "| Endpoint | Statistic | Result | Time point | Grade | Subgroup / arm "
        "| Evidence (quoted) | Checks |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in ms:
        who = " / ".join(x for x in (m.subgroup, m.arm) if x)
        quote = f"“{cell(m.evidence.text)}” <small>[{m.evidence.start}:{m.evidence.end}]</small>"
        lines.append(
            f"| {cell(m.endpoint)} | {cell(m.statistic)} | {cell(result_text(m))} | {cell(m.timepoint)} "
            f"| {cell(m.grade)} | {cell(who)} | {quote} | {cell(checks_text(m))} |"
        )
    return lines


def coverage_text(reported: int | None, ingested: int) -> str:
    if reported is None:
        return f"{ingested} citing articles in the knowledge base (the source reports no total)"
    return f"{ingested} of {reported} citing articles are in the knowledge base"


def article_page(rec: EvidenceRecord, citing: list[EvidenceRecord], cites: list[EvidenceRecord]) -> str:
    a, x, p = rec.article, rec.extraction, rec.provenance
    out = [f"# {cell(a.title) or 'PMID ' + a.pmid}", ""]
    if a.retracted:
        out += [
            '!!! danger "Retracted"',
            "    PubMed links a retraction notice to this article.",
            "",
        ]
    biblio = [
        ("PMID", f"[{a.pmid}](https://pubmed.ncbi.nlm.nih.gov/{a.pmid}/)"),
        ("Journal", cell(a.journal)),
        ("Published", cell(a.pub_date)),
        (
            "Volume (issue): pages",
            cell(
                " ".join(
                    x
                    for x in (
                        a.volume,
                        f"({a.issue})" if a.issue else None,
                        f": {a.pages}" if a.pages else None,
                    )
                    if x
                )
            ),
        ),
        ("DOI", f"[{a.doi}](https://doi.org/{a.doi})" if a.doi else ""),
        ("PMC", cell(a.pmcid)),
        ("Authors", cell(", ".join(au.name for au in a.authors))),
        ("Publication types", cell(", ".join(a.publication_types))),
        (
            "Record",
            "full PubMed record" if a.status == "full" else "known only from a citing list (no abstract)",
        ),
        ("Citing articles", coverage_text(a.cited_by_count, len(citing))),
    ]
    out += ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in biblio if v] + [""]
    if a.abstract:
        out += ["## Abstract", "", cell(a.abstract), ""]
    if a.status == "full" and a.abstract:
        out += ["## Study and population", ""]
        out += [f"- **Design:** {cell(', '.join(x.study.design) or 'not stated')}"]
        out += [f"- **Participants (n):** {fmt_num(x.population.n) or 'not stated'}"]
        out += [f"- **Condition:** {cell(x.population.condition or 'not stated')}"]
        if x.population.characteristics:
            out += [f"- **Characteristics:** {cell('; '.join(x.population.characteristics))}"]
        out += ["", "## Interventions", ""]
        out += [
            f"- **{cell(iv.name)}**"
            + (f" — {cell(iv.drug_class)}" if iv.drug_class else "")
            + (f"; {cell(iv.regimen)}" if iv.regimen else "")
            for iv in x.interventions
        ] or ["None found."]
        for kind, heading in (("outcome", "Outcomes"), ("safety", "Safety")):
            ms = [m for m in x.measurements if m.kind == kind]
            out += ["", f"## {heading}", ""]
            out += measurement_table(ms) if ms else [f"No {kind} numbers were extracted."]
    out += ["", "## Cited by (in this knowledge base)", ""]
    out += [
        f"- [{cell(c.article.title)}]({c.article.pmid}.md) ({c.article.year or 'n.d.'})" for c in citing
    ] or ["None."]
    if cites:
        out += ["", "## Cites (in this knowledge base)", ""]
        out += [
            f"- [{cell(c.article.title)}]({c.article.pmid}.md) ({c.article.year or 'n.d.'})" for c in cites
        ]
    out += [
        "",
        "## Provenance",
        "",
        f"Read from `{p.snapshot.path}` (sha256 `{p.snapshot.sha256[:12]}…`) "
        f"by {p.reader} {p.reader_version}; "
        f"extracted by {p.extractor} {p.extractor_version} at {p.run_at}."
        + (f" {p.note}." if p.note else ""),
        "",
    ]
    return "\n".join(out)


def home_page(build: BuildRow, records: dict[str, EvidenceRecord], cited_by: dict[str, list[str]]) -> str:
    n_meas = sum(len(r.extraction.measurements) for r in records.values())
    full = sum(r.article.status == "full" for r in records.values())
    out = [
        f"# {cell(build.title)}",
        "",
        "This evidence knowledge base was built from declared snapshots by "
        f"`kb build` (evidence-kb {build.kb_version}) at {build.run_at}.",
        "",
        "| | |",
        "|---|---|",
        f"| Articles | {len(records)} ({full} with a full record and abstract) |",
        f"| Measurements | {n_meas} |",
        f"| Citation links | {sum(len(v) for v in cited_by.values())} |",
        "",
        "## Seed articles",
        "",
    ]
    for pmid in build.seed_pmids:
        rec = records.get(pmid)
        if rec is None:
            out.append(f"- PMID {pmid}: not in the knowledge base")
            continue
        out.append(
            f"- [{cell(rec.article.title)}](articles/{pmid}.md): "
            f"{coverage_text(rec.article.cited_by_count, len(cited_by.get(pmid, [])))}."
        )
    out += [
        "",
        "## All articles",
        "",
        "| PMID | Title | Year | Measurements | Record |",
        "|---|---|---|---|---|",
    ]
    for pmid, rec in records.items():
        out.append(
            f"| [{pmid}](articles/{pmid}.md) | {cell(rec.article.title)} | {rec.article.year or ''} "
            f"| {len(rec.extraction.measurements)} | {rec.article.status} |"
        )
    return "\n".join(out) + "\n"


def citations_page(records: dict[str, EvidenceRecord], cited_by: dict[str, list[str]]) -> str:
    out = [
        "# Citations",
        "",
        "Who cites whom inside this knowledge base, with the coverage the source reports.",
        "",
        "| Cited article | Citing articles in the KB | Reported by the source | Coverage |",
        "|---|---|---|---|",
    ]
    for pmid, citing in sorted(cited_by.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rec = records.get(pmid)
        title = cell(rec.article.title) if rec else f"PMID {pmid}"
        reported = rec.article.cited_by_count if rec else None
        cov = f"{len(citing)}/{reported}" if reported else "unknown total"
        link = f"[{title}](articles/{pmid}.md)" if rec else title
        out.append(f"| {link} | {len(citing)} | {reported if reported is not None else '–'} | {cov} |")
    return "\n".join(out) + "\n"


def render(db: Path, docs: Path) -> int:
    """Write the generated pages for the knowledge base in ``db`` into ``docs``; returns the count."""
    records = {r.article.pmid: r for r in sql.read_records(db)}
    citations = sql.read_citations(db)
    cited_by: dict[str, list[str]] = {}
    cites: dict[str, list[str]] = {}
    for c in citations:
        if c.citing not in cited_by.get(c.cited, []):
            cited_by.setdefault(c.cited, []).append(c.citing)
            cites.setdefault(c.citing, []).append(c.cited)
    (docs / "articles").mkdir(parents=True, exist_ok=True)
    for pmid, rec in records.items():
        citing = [records[p] for p in sorted(cited_by.get(pmid, [])) if p in records]
        cited = [records[p] for p in sorted(cites.get(pmid, [])) if p in records]
        (docs / "articles" / f"{pmid}.md").write_text(article_page(rec, citing, cited), encoding="utf-8")
    (docs / "index.md").write_text(home_page(sql.read_build(db), records, cited_by), encoding="utf-8")
    (docs / "citations.md").write_text(citations_page(records, cited_by), encoding="utf-8")
    return len(records) + 2


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
    docs = out / "docs"
    shutil.copytree(hand, docs)
    clash = [g for g in GENERATED if (hand / g).exists()]
    if clash:
        raise RuntimeError(f"{hand}: hand-written pages use generated names: {', '.join(clash)}")
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

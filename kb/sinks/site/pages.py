"""The evidence site: index pages through ``mkdocs build --strict``, then article pages one by one."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort

from kb.sinks.site import indexes, reads, shell

# Re-exported: page hooks in other modules (kb.sinks.site.citeplot, kb.sinks.site.queries) and
# tests use these names from here.
from kb.sinks.site.article import WIDE as WIDE
from kb.sinks.site.article import article_page as article_page
from kb.sinks.site.article import article_row as article_row
from kb.sinks.site.article import coverage_text as coverage_text
from kb.sinks.site.article import titled as titled
from kb.sinks.site.evidence_html import cell as cell
from kb.sinks.site.evidence_html import esc as esc
from kb.sinks.site.evidence_html import fmt_num as fmt_num
from kb.sinks.site.evidence_html import plural as plural
from kb.sinks.sql import writer as sql

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


class SiteError(Exception):
    """The site could not be built; carries mkdocs' own warnings."""


def render(db: Path, docs: Path) -> int:
    """Write the generated pages MkDocs renders (all but the articles) into ``docs``; returns the count."""
    from kb.sinks.site.citeplot import page_section  # imports matplotlib: only when rendering
    from kb.sinks.site.clidoc import (
        cli_reference,
    )  # the CLI imports this module; import it only when rendering
    from kb.sinks.site.queries import queries_page  # runs queries/*.rq on the store built next to db

    count = 0
    (docs / "articles").mkdir(parents=True, exist_ok=True)
    (docs / "articles" / f"{shell.SHELL}.md").write_text(shell.SHELL_PAGE, encoding="utf-8")
    with reads.with_closing(db) as con:
        for name, page in indexes.articles_index(con):
            (docs / "articles" / name).write_text(page, encoding="utf-8")
            count += 1
        (docs / "index.md").write_text(indexes.home_page(con, sql.read_build(db)), encoding="utf-8")
        graph = page_section(db, docs, con)  # also writes the figures named in GENERATED
        for n, (name, page) in enumerate(indexes.citations_pages(con)):
            (docs / name).write_text(page + (graph if n == 0 else ""), encoding="utf-8")
            count += 1
    (docs / "reference").mkdir(exist_ok=True)
    (docs / "reference" / "cli.md").write_text(cli_reference(), encoding="utf-8")
    (docs / "queries.md").write_text(queries_page(db.parent), encoding="utf-8")
    return count + 3


class _Collect(logging.Handler):
    """Keeps mkdocs' warnings so a strict-mode failure can say what went wrong."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _mkdocs(cfg: MkDocsConfig) -> None:
    warnings = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(warnings)
    try:
        mkdocs_build(cfg)
    except Abort as exc:
        raise SiteError(f"mkdocs build --strict failed: {exc}\n" + "\n".join(warnings.messages)) from None
    finally:
        logger.removeHandler(warnings)


def render_and_build(out: Path, config_file: Path | None = None, progress: Progress | None = None) -> int:
    """Build the site into ``out/site``; returns the number of generated pages.

    Copies the hand-written pages, adds the generated ones, runs ``mkdocs build --strict``, then
    writes the article pages into the built site (``kb.sinks.site.publish``).
    """
    from kb.sinks.site import publish  # imports the store readers: only when building

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
    db = out / "kb.sqlite"
    pages = render(db, docs)
    cfg = load_config(str(config_file), docs_dir=str(docs), site_dir=str(out / "site"), strict=True)
    _mkdocs(cfg)
    shutil.rmtree(docs)
    total = reads.count_articles_at(db)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress and done % 500 == 0:
            progress("site", done, total)

    try:
        pages += publish.write_articles(db, out / "site", tick)
    except (shell.ShellError, publish.PageError) as exc:
        raise SiteError(str(exc)) from None
    if progress:
        progress("site", total, total)
    return pages

"""Write every article page into the built site, one record at a time, and index them for search.

Records stream from SQLite (``kb.sinks.sql.writer.read_records``); the lists on each page are
read for that page only (``kb.sinks.site.reads``). The search index gets one entry per article
holding its title and metadata (authors, journal, year, identifiers, MeSH, keywords), not its
abstract or tables, so that it stays small enough for the browser at 10k articles.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from kb.records.models import EvidenceRecord
from kb.sinks.site import reads, safe, shell
from kb.sinks.site.article import LIST_SHOWN, Page, article_parts
from kb.sinks.sql import writer as sql

#: The search index files the theme's search (and the offline plugin) read.
INDEX_JSON = Path("search") / "search_index.json"
INDEX_JS = Path("search") / "search_index.js"
JS_PREFIX = "var __index = "


class PageError(Exception):
    """A record that cannot have a page (its PMID would not make a safe file name)."""


def search_entry(rec: EvidenceRecord) -> dict[str, str]:
    """The search entry of an article page: title and metadata, HTML-escaped (the theme shows it as HTML)."""
    a = rec.article
    meta = [
        ", ".join(au.name for au in a.authors),
        " ".join(str(x) for x in (a.journal, a.year) if x),
        f"PMID {a.pmid}",
        f"doi {a.doi}" if a.doi else "",
        a.pmcid or "",
        "; ".join(a.mesh_headings),
        "; ".join(a.keywords),
    ]
    return {
        "location": f"articles/{a.pmid}.html",
        "title": safe.text(a.title or f"PMID {a.pmid}"),
        "text": safe.text(" · ".join(m for m in meta if m)),
    }


def write_one(con: sqlite3.Connection, rec: EvidenceRecord) -> Page:
    """One article's page, with the linked articles read for it alone.

    A much-cited article lists its first ``LIST_SHOWN`` citing articles (and says how many there
    are), so that no page grows with the corpus.
    """
    pmid = rec.article.pmid
    citing, cited = reads.links(con, pmid)
    here = reads.in_kb(con, citing)
    shown = [p for p in citing if p in here][:LIST_SHOWN]
    listed = reads.listed(con, [*shown, *cited])
    return article_parts(
        rec,
        [listed[p] for p in shown],
        [listed[p] for p in cited if p in listed],
        [p for p in cited if p not in listed],
        citing_total=len(here),
    )


def write_articles(db: Path, site: Path, tick: Callable[[], None] | None = None) -> int:
    """Write ``site/articles/<pmid>.html`` for every article in ``db`` and add them to the search index."""
    page = shell.load_shell(site / "articles" / f"{shell.SHELL}.html")
    count = 0
    with reads.with_closing(db) as con, tempfile.TemporaryFile("w+", encoding="utf-8") as entries:
        for rec in sql.read_records(db):
            if not safe.valid_pmid(rec.article.pmid):  # a file name only from ASCII digits
                raise PageError(f"{db}: article {rec.article.pmid!r}: the PMID is not ASCII digits")
            html = shell.page_html(page, write_one(con, rec))
            (site / "articles" / f"{rec.article.pmid}.html").write_text(html, encoding="utf-8")
            entries.write(json.dumps(search_entry(rec), ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
            if tick:
                tick()
        entries.seek(0)
        add_to_search(site, entries)
    (site / "articles" / f"{shell.SHELL}.html").unlink()
    return count


def add_to_search(site: Path, entries: IO[str]) -> None:
    """Append the article entries (JSON Lines) to the theme's search index, dropping the shell page."""
    path = site / INDEX_JSON
    if not path.is_file():
        return  # the search plugin is off: nothing to index
    index = json.loads(path.read_text(encoding="utf-8"))
    shell_page = f"articles/{shell.SHELL}.html"
    index["docs"] = [d for d in index["docs"] if not str(d.get("location", "")).startswith(shell_page)]
    head = json.dumps(index, separators=(",", ":"))
    cut = head.rindex("]")  # the end of the docs list, the last key json.dumps wrote
    if not head.endswith("]}") or list(index)[-1] != "docs":
        raise shell.ShellError(f"{path}: the search index does not end with its list of pages")
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(head[:cut])
        first = not index["docs"]
        for line in entries:
            out.write(("" if first else ",") + line.rstrip("\n"))
            first = False
        out.write(head[cut:])
    tmp.replace(path)
    js = site / INDEX_JS
    if js.is_file():
        tmp_js = js.with_suffix(".tmp")
        with tmp_js.open("w", encoding="utf-8") as out, path.open(encoding="utf-8") as src:
            out.write(JS_PREFIX)
            while chunk := src.read(1 << 20):
                out.write(chunk)
        tmp_js.replace(js)

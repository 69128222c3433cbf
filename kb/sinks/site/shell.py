"""Article pages written outside MkDocs' page loop, inside the theme's own page shell.

MkDocs renders each page through Python-Markdown and the theme's full template (navigation,
search, header), tens of milliseconds a page; at 10k articles that dominates the build. So MkDocs
renders one placeholder page, ``articles/kb-shell.md``, and its HTML becomes the shell: each
article's title, table of contents and HTML body (``kb.sinks.site.article``) are put into the
shell's slots (site/decisions/site-at-scale.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kb.sinks.site import safe
from kb.sinks.site.article import Page

SHELL = "kb-shell"
_TITLE, _CONTENT, _TOC = "KBSHELLTITLE", "KBSHELLCONTENT", "KBSHELLTOC"

#: The placeholder page MkDocs renders; its slots are replaced for every article.
SHELL_PAGE = f'---\ntitle: "{_TITLE}"\nhide:\n  - navigation\n---\n\n# {_TITLE}\n\n{_CONTENT}\n\n## {_TOC}\n'


class ShellError(Exception):
    """The theme's page did not have the slots the shell needs (a theme change)."""


@dataclass(frozen=True)
class Shell:
    """The theme page around an article: the HTML before the TOC items, between, and after."""

    head: str
    middle: str
    tail: str

    def render(self, title: str, toc: str, content: str) -> str:
        """A page: ``title`` is plain text (escaped here), ``toc`` and ``content`` are HTML."""
        t = safe.title_meta(title, "Untitled")
        return (
            self.head.replace(_TITLE, t)
            + toc
            + self.middle.replace(_TITLE, t)
            + content
            + self.tail.replace(_TITLE, t)
        )


def load_shell(path: Path) -> Shell:
    """Split the placeholder page MkDocs built into the shell's parts."""
    page = path.read_text(encoding="utf-8")
    toc = re.search(r'<li class="md-nav__item">\s*<a href="#kbshelltoc".*?</li>', page, re.DOTALL)
    content = re.search(rf"<h1[^>]*>{_TITLE}.*?<h2[^>]*>{_TOC}.*?</h2>", page, re.DOTALL)
    if toc is None or content is None or toc.end() > content.start():
        raise ShellError(f"{path}: the theme's page has no table of contents or content where expected")
    return Shell(page[: toc.start()], page[toc.end() : content.start()], page[content.end() :])


def _toc_items(toc: list[tuple[str, str]]) -> str:
    """Material's TOC list items for the page's H2 headings (ids and labels are the page's own)."""
    return "".join(
        f'<li class="md-nav__item">\n<a href="#{safe.text(anchor)}" class="md-nav__link">\n'
        f'<span class="md-ellipsis">\n{safe.text(label)}\n</span>\n</a>\n</li>\n'
        for anchor, label in toc
    )


def page_html(shell: Shell, page: Page) -> str:
    """One article page: its parts put into the shell."""
    return shell.render(page.title, _toc_items(page.toc), page.body)

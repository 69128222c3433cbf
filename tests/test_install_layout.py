"""Without the source checkout (an installed wheel), site and query library fail with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.query import sparql as query
from kb.sinks.site.pages import SiteError, render_and_build


def test_site_sources_missing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match="not here; build the site from a source checkout"):
        render_and_build(tmp_path, config_file=tmp_path / "mkdocs.yml")


def test_query_library_missing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(query.QueryError, match="no query library at"):
        query.resolve("seed-outcomes", queries_dir=tmp_path / "queries")
    inline = query.resolve("SELECT * WHERE { ?s ?p ?o }", queries_dir=tmp_path / "queries")
    assert inline.name == "inline"

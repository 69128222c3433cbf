"""Shared fixtures: paths to the real test data and a seed knowledge base built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.pipeline.build import BuildSummary, build
from tests.pg import pg_server, pg_url  # noqa: F401  (PostgreSQL fixtures, tests/pg.py)

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = DATA / "seed" / "pubmed-31002989.txt"
MANIFEST = ROOT / "ingest" / "manifest.toml"


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> BuildSummary:
    """The knowledge base of ingest/manifest.toml (the seed), with its site, built once."""
    out = tmp_path_factory.mktemp("seed") / "build"
    return build(MANIFEST, out)


@pytest.fixture
def manifest_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed manifest and its snapshots, for tests that break things."""
    ingest = tmp_path / "ingest"
    shutil.copytree(ROOT / "ingest", ingest)
    return ingest / "manifest.toml"


@pytest.fixture(scope="session")
def seed_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed knowledge base without its site (kb.ttl, kb.sqlite, oxigraph/), built once."""
    out = tmp_path_factory.mktemp("seed-kb") / "build"
    build(MANIFEST, out, with_site=False)
    return out


@pytest.fixture(scope="session")
def synthetic_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic knowledge base made in code (tests/synthetic.py): kb.ttl, kb.nq, oxigraph/."""
    from tests import synthetic

    records, citations = synthetic.small()
    return synthetic.write_kb(records, citations, tmp_path_factory.mktemp("synthetic-kb") / "build")

"""Shared fixtures: paths to the real test data and a seed knowledge base built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.build import BuildSummary, build

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

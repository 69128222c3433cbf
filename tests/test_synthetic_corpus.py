"""The synthetic PubMed corpus of the build benchmark: real records under new PMIDs, links inside it."""

from __future__ import annotations

from pathlib import Path

from benchmarks.synthetic_corpus import FIRST_PMID, Layout, generate, revise, sha256
from kb.pipeline.manifest import load_manifest
from kb.records.models import Article, Citation
from kb.sources.registry import get_reader

LAYOUT = Layout(n=250, per_file=100, seed=7)


def _items(manifest: Path) -> list[object]:
    m = load_manifest(manifest)
    reader = get_reader("pubmed-xml")
    return [item for entry in m.snapshot for item in reader.read(m.resolve(entry))]


def test_corpus_reads_back_as_new_pmids_citing_each_other(tmp_path: Path) -> None:
    manifest = generate(LAYOUT, tmp_path)
    m = load_manifest(manifest)
    assert [e.path for e in m.snapshot] == [f"synthetic-pubmed000{i}.xml.gz" for i in (1, 2, 3)]
    assert "synthetic" in m.kb.description
    for entry in m.snapshot:
        assert entry.sha256 == sha256(m.resolve(entry))
    items = _items(manifest)
    articles = [i for i in items if isinstance(i, Article)]
    links = [i for i in items if isinstance(i, Citation)]
    assert len(items) == len(articles) + len(links)  # nothing skipped, no deletions
    assert [a.pmid for a in articles] == [str(FIRST_PMID + k) for k in range(LAYOUT.n)]
    assert all(a.doi == f"10.5555/synthetic.{a.pmid}" and a.pmcid is None for a in articles)
    assert sum(bool(a.abstract) for a in articles) > LAYOUT.n // 2
    # every link points back to an earlier article of the corpus, from the reference list only
    assert links and all(FIRST_PMID <= int(c.cited) < int(c.citing) for c in links)
    assert {c.origin for c in links} == {"pubmed-xml:ReferenceList"}


def test_same_seed_same_bytes_and_revise_changes_one_file(tmp_path: Path) -> None:
    first = load_manifest(generate(LAYOUT, tmp_path / "a"))
    again = load_manifest(generate(LAYOUT, tmp_path / "b"))
    assert [e.sha256 for e in first.snapshot] == [e.sha256 for e in again.snapshot]
    revised = load_manifest(revise(LAYOUT, tmp_path / "b", file=1))
    changed = [a.sha256 != b.sha256 for a, b in zip(first.snapshot, revised.snapshot, strict=True)]
    assert changed == [False, True, False]
    pmids = [i.pmid for i in _items(revised.source) if isinstance(i, Article)]
    assert pmids == [str(FIRST_PMID + k) for k in range(LAYOUT.n)]

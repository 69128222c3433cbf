"""`kb build` reuses earlier work (cache), extracts in worker processes, and reports bad input clearly."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli.app import app
from kb.pipeline import stream, workers
from kb.pipeline.build import build
from kb.pipeline.cache import cache_dir
from kb.pipeline.lock import FAULT_ENV
from kb.pipeline.workers import WorkerError
from kb.records.models import Article, Extraction
from kb.sources.base import SourceError, SourceItem

DATA = Path(__file__).parent / "data"
#: a real PubMed XML file (PMID 27797938, full abstract), added to the seed manifest as a second snapshot
EXTRA = DATA / "pubmed" / "biopython" / "pubmed4.xml"


@pytest.fixture
def two_snapshots(manifest_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed manifest plus a real PubMed XML snapshot, with a pinned build time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    shutil.copyfile(EXTRA, manifest_copy.parent / "snapshots" / "pubmed4.xml")
    with manifest_copy.open("a", encoding="utf-8") as fh:
        fh.write('\n[[snapshot]]\npath = "snapshots/pubmed4.xml"\nreader = "pubmed-xml"\n')
    return manifest_copy


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The snapshot files the build parses (not those it takes from the cache)."""
    seen: list[str] = []
    original = stream.read_snapshot

    def counting(path: Path, reader_name: str) -> Iterator[SourceItem]:
        seen.append(path.name)
        return original(path, reader_name)

    monkeypatch.setattr(stream, "read_snapshot", counting)
    return seen


def test_unchanged_snapshots_and_articles_are_reused(
    two_snapshots: Path, tmp_path: Path, reads: list[str]
) -> None:
    out = tmp_path / "out"
    first = build(two_snapshots, out, with_site=False)
    assert sorted(reads) == ["pubmed-31002989.txt", "pubmed4.xml"] and first.extracted == 2
    reads.clear()
    second = build(two_snapshots, out, with_site=False)
    assert reads == [] and (second.extracted, second.reused) == (0, 2)
    # change one snapshot (synthetic edit of the real record's title): only it is read again,
    # only its article extracted again
    changed = two_snapshots.parent / "snapshots" / "pubmed4.xml"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("<ArticleTitle>", "<ArticleTitle>Edited: ")
    )
    third = build(two_snapshots, out, with_site=False)
    assert reads == ["pubmed4.xml"] and (third.extracted, third.reused) == (1, 1)
    # what the cache gave is what a build without it gives
    fresh = build(two_snapshots, tmp_path / "fresh", with_site=False, cache=False)
    assert (out / "kb.nq").read_bytes() == (fresh.out / "kb.nq").read_bytes()
    assert not cache_dir(fresh.out).exists()


def test_a_torn_cache_file_is_read_again(two_snapshots: Path, tmp_path: Path, reads: list[str]) -> None:
    out = tmp_path / "out"
    build(two_snapshots, out, with_site=False)
    items = sorted((cache_dir(out) / "items").iterdir())
    assert len(items) == 2
    items[0].write_text(items[0].read_text(encoding="utf-8")[:-20], encoding="utf-8")  # as if cut off
    reads.clear()
    build(two_snapshots, out, with_site=False)
    assert len(reads) == 1


def test_deleting_the_cache_is_safe(two_snapshots: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(two_snapshots, out, with_site=False)
    before = (out / "kb.nq").read_bytes()
    shutil.rmtree(cache_dir(out))
    again = build(two_snapshots, out, with_site=False)
    assert again.reused == 0 and (out / "kb.nq").read_bytes() == before


def test_worker_processes_give_the_same_build(two_snapshots: Path, tmp_path: Path) -> None:
    one = build(two_snapshots, tmp_path / "one", with_site=False, jobs=1, cache=False)
    two = build(two_snapshots, tmp_path / "two", with_site=False, jobs=2, cache=False)
    assert (one.articles, one.measurements) == (two.articles, two.measurements)
    for name in ("kb.nq", "kb.ttl"):
        assert (one.out / name).read_bytes() == (two.out / name).read_bytes()


def test_a_worker_that_dies_is_an_error_naming_the_article(
    two_snapshots: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    build(two_snapshots, out, with_site=False)
    before = (out / "kb.nq").read_bytes()
    monkeypatch.setenv(FAULT_ENV, "worker-exit:31002989")
    with pytest.raises(
        WorkerError, match=r"worker process died .*PMIDs .*31002989.*pubmed-31002989\.txt"
    ) as err:
        build(two_snapshots, out, with_site=False, jobs=2, cache=False)
    assert "27797938" in str(err.value)  # the other article in flight is named too
    assert (out / "kb.nq").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp")]


def test_an_extractor_exception_names_snapshot_and_pmid(
    two_snapshots: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = workers.extractor.extract

    def broken(article: Article) -> Extraction:
        if article.pmid == "31002989":
            raise ValueError("synthetic extractor failure")
        return real(article)

    monkeypatch.setattr(workers.extractor, "extract", broken)
    with pytest.raises(
        WorkerError, match=r"pubmed-31002989\.txt: PMID 31002989: extraction failed: ValueError"
    ):
        build(two_snapshots, tmp_path / "out", with_site=False, jobs=1, cache=False)


def test_a_directory_named_as_snapshot_is_reported_as_such(manifest_copy: Path, tmp_path: Path) -> None:
    snap = manifest_copy.parent / "snapshots" / "pubmed-31002989.txt"
    snap.unlink()
    snap.mkdir()
    text = manifest_copy.read_text(encoding="utf-8")
    manifest_copy.write_text("\n".join(x for x in text.splitlines() if not x.startswith("sha256")))
    with pytest.raises(
        SourceError, match="pubmed-31002989.txt: snapshot named in the manifest is a directory"
    ):
        build(manifest_copy, tmp_path / "out", with_site=False)


def test_conflicting_duplicate_warns_naming_both_files(two_snapshots: Path, tmp_path: Path) -> None:
    # a synthetic copy of the real record: same PMID, version and revision, another title
    text = EXTRA.read_text(encoding="utf-8").replace("<ArticleTitle>", "<ArticleTitle>Conflicting: ")
    (two_snapshots.parent / "snapshots" / "synthetic-conflict.xml").write_text(text, encoding="utf-8")
    with two_snapshots.open("a", encoding="utf-8") as fh:
        fh.write('\n[[snapshot]]\npath = "snapshots/synthetic-conflict.xml"\nreader = "pubmed-xml"\n')
    summary = build(two_snapshots, tmp_path / "out", with_site=False)
    [warning] = summary.warnings
    assert "PMID 27797938" in warning and "title" in warning
    assert (
        "snapshots/pubmed4.xml (record 1)" in warning
        and "snapshots/synthetic-conflict.xml (record 1)" in warning
    )
    result = CliRunner().invoke(
        app,
        [
            "build",
            "--manifest",
            str(two_snapshots),
            "--out",
            str(tmp_path / "cli"),
            "--no-site",
            "--jobs",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "27797938" in result.output

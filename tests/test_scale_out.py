"""Scale-out: the N-Quads export bulk-loads into a standalone `oxigraph` server with the same answers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.query import serve
from kb.query import sparql as q
from kb.sinks.rdf import store

pytestmark = pytest.mark.slow


def nquads(out: Path, tmp_path: Path) -> Path:
    """OUT/kb.nq (one named graph per source article); from the store itself if a build lacks it."""
    if (out / "kb.nq").is_file():
        return out / "kb.nq"
    path = tmp_path / "kb.nq"
    store.open_read_only(store.location(out)).dump(path=str(path), format=ox.RdfFormat.N_QUADS)
    return path


@pytest.mark.parametrize("kb", ["seed_kb", "synthetic_kb"])
def test_nquads_bulk_load_and_serve_give_the_same_answers(
    kb: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    out: Path = request.getfixturevalue(kb)
    dump = nquads(out, tmp_path)
    graphs = {line.rsplit(" ", 2)[-2] for line in dump.read_text(encoding="utf-8").splitlines() if line}
    assert len(graphs) > 1, "the export should keep one named graph per source article"
    location = tmp_path / "standalone"
    binary = str(serve.oxigraph_binary())
    subprocess.run([binary, "load", "--location", str(location), "--file", str(dump)], check=True)
    port = serve.free_port()
    # The queries read the default graph; the union of the named graphs is the merged KB.
    argv = [
        binary,
        "serve",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    with serve.running(argv, "127.0.0.1", port) as endpoint:
        remote = q.HttpEngine(endpoint.url)
        local = q.engine_for(out, "oxigraph")
        for question in q.library():
            params = {k: v for k, v in question.parameters.items() if v is not None}
            assert q.ask(remote, question, params) == q.ask(local, question, params), question.name

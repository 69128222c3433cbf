"""`kb serve`: a SPARQL 1.1 Protocol endpoint over the built store, queried over HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import ipaddress
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from kb.query import serve
from kb.query import sparql as q
from kb.records.vocab import CITO

pytestmark = pytest.mark.slow

KB = Path(sys.executable).parent / "kb"
SEED = "31002989"
CITING = {"40075627", "39258182", "38977689", "38916714", "38003295"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CITES = "PREFIX cito: <http://purl.org/spar/cito/> CONSTRUCT { ?a cito:cites ?b } WHERE { ?a cito:cites ?b }"


def kb_serve(out: Path, port: int, *extra: str) -> list[str]:
    return [str(KB), "serve", "--out", str(out), "--port", str(port), *extra]


@pytest.fixture(scope="module")
def seed_endpoint(seed_kb: Path) -> Iterator[str]:
    port = serve.free_port()
    with serve.running(kb_serve(seed_kb, port), "127.0.0.1", port) as endpoint:
        yield endpoint.url


@pytest.fixture(scope="module")
def synthetic_endpoint(synthetic_kb: Path) -> Iterator[str]:
    port = serve.free_port()
    with serve.running(kb_serve(synthetic_kb, port), "127.0.0.1", port) as endpoint:
        yield endpoint.url


def test_select_json(seed_endpoint: str) -> None:
    query = (
        "PREFIX cito: <http://purl.org/spar/cito/> "
        f"SELECT ?a WHERE {{ ?a cito:cites <https://identifiers.org/pubmed:{SEED}> }}"
    )
    reply = httpx.get(
        seed_endpoint, params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/sparql-results+json")
    bindings = reply.json()["results"]["bindings"]
    assert {b["a"]["value"].rsplit(":", 1)[1] for b in bindings} == CITING


def test_select_csv(seed_endpoint: str, seed_kb: Path) -> None:
    reply = httpx.post(seed_endpoint, data={"query": COUNT}, headers={"Accept": "text/csv"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.text)))
    in_process = q.ask(q.engine_for(seed_kb, "oxigraph"), q.Question("count", COUNT))
    assert rows == [["n"], in_process.rows[0]]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples"])
def test_construct_content_negotiation(seed_endpoint: str, accept: str) -> None:
    reply = httpx.post(
        seed_endpoint, content=CITES, headers={"Content-Type": "application/sparql-query", "Accept": accept}
    )
    assert reply.status_code == 200 and reply.headers["content-type"].startswith(accept)
    g = Graph().parse(data=reply.text, format="turtle" if accept == "text/turtle" else "nt")
    assert len(g) == 5 and {str(o).rsplit(":", 1)[1] for o in g.objects(None, CITO.cites)} == {SEED}


def test_update_is_refused(seed_endpoint: str) -> None:
    before = httpx.post(seed_endpoint, data={"query": COUNT}, headers={"Accept": "text/csv"}).text
    insert = "INSERT DATA { <https://example.org/a> <https://example.org/b> <https://example.org/c> }"
    update_url = seed_endpoint.removesuffix("/query") + "/update"
    assert httpx.post(update_url, data={"update": insert}).status_code == 403
    assert httpx.post(
        update_url, content=insert, headers={"Content-Type": "application/sparql-update"}
    ).status_code in (403, 415)
    assert httpx.post(seed_endpoint, data={"query": insert}).status_code == 400  # not a query
    assert httpx.post(seed_endpoint, data={"query": COUNT}, headers={"Accept": "text/csv"}).text == before


@pytest.mark.parametrize("question", q.library(), ids=lambda x: x.name)
def test_library_same_through_the_server(
    question: q.Question, seed_endpoint: str, synthetic_endpoint: str, seed_kb: Path, synthetic_kb: Path
) -> None:
    params = {k: v for k, v in question.parameters.items() if v is not None}
    for url, out in ((seed_endpoint, seed_kb), (synthetic_endpoint, synthetic_kb)):
        for bound in ({}, params):
            over_http = q.ask(q.HttpEngine(url), question, bound)
            assert over_http == q.ask(q.engine_for(out, "oxigraph"), question, bound)
            assert over_http == q.ask(q.engine_for(out, "rdflib"), question, bound)


def test_injection_over_http_is_a_literal(seed_endpoint: str) -> None:
    value = f'{SEED}" }} UNION {{ ?citingArticle ?p ?o'
    assert q.ask(q.HttpEngine(seed_endpoint), q.resolve("citing-articles"), {"cited": value}).rows == []


def test_server_stops_a_query_at_its_timeout(seed_kb: Path) -> None:
    port = serve.free_port()
    # ~1.8e9 joins on the seed: far beyond a second (Oxigraph checks its deadline between outer rows)
    endless = q.Question("endless", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    with serve.running(kb_serve(seed_kb, port, "--timeout-s", "1"), "127.0.0.1", port) as endpoint:
        with pytest.raises(q.QueryTimeout, match="stopped the query at its timeout"):
            q.ask(q.HttpEngine(endpoint.url, timeout_s=60), endless)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port``, read from /proc (no traffic sent)."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port and len(address) == width:
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(str(ipaddress.ip_address(words)))
    return found


def test_listens_on_loopback_only(seed_endpoint: str) -> None:
    # Checked from the kernel's socket table rather than by connecting to a non-loopback address:
    # tests send traffic to 127.0.0.1 only.
    port = int(seed_endpoint.rsplit(":", 1)[1].split("/")[0])
    addresses = _listening_addresses(port)
    if not addresses:
        pytest.skip("/proc/net/tcp is not readable here")
    assert addresses == {"127.0.0.1"}


def test_serve_without_a_store_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(serve.ServeError, match="no Oxigraph store"):
        serve.store_location(tmp_path)

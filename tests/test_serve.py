"""`kb serve`: a SPARQL 1.1 Protocol endpoint over the built store, queried over HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import ipaddress
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from kb import query as q
from kb import serve
from kb.vocab import CITO

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


def _non_loopback_address() -> str | None:
    """This host's address on its outgoing interface, or None when it has only loopback.

    connect() on a UDP socket sends no packet: it only asks the kernel which local address would
    be used to reach 192.0.2.1 (TEST-NET-1, never routed), so this stays offline.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = ipaddress.ip_address(s.getsockname()[0])
    return None if address.is_loopback or address.is_unspecified else str(address)


def test_binds_to_loopback_by_default(seed_kb: Path, seed_endpoint: str) -> None:
    argv = serve.read_only_command(seed_kb, serve.DEFAULT_HOST, 7878, serve.DEFAULT_TIMEOUT_S)
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:7878" and "serve-read-only" in argv


def test_is_not_reachable_on_a_non_loopback_address(seed_endpoint: str) -> None:
    outside = _non_loopback_address()
    if outside is None:
        pytest.skip("this host has no non-loopback IPv4 address to try the endpoint on")
    port = int(seed_endpoint.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(OSError):
        socket.create_connection((outside, port), timeout=2).close()


def test_serve_without_a_store_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(serve.ServeError, match="no Oxigraph store"):
        serve.read_only_command(tmp_path, "127.0.0.1", 7878, 30)

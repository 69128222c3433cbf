"""`kb serve` is bounded and safe (issue 13 items 3-4, issue 12 item 4): regression tests.

Each test starts `kb serve` on 127.0.0.1 over the seed store and attacks it as the issue describes:
SERVICE to a second local server, cross-origin posts, updates, a cartesian product past the
timeout, a client that leaves mid-query, a result over the cap, a port already in use.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from kb.query import serve

pytestmark = pytest.mark.slow

KB = Path(sys.executable).parent / "kb"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
#: ~1.6e9 rows on the seed (1,171 triples cubed): far beyond any test's timeout.
STREAMING = "SELECT ?a ?e ?i WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CARTESIAN = STREAMING + " ORDER BY ?c ?f ?i"
COUNTED = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
GRACE_S = 2.0


def kb_serve(out: Path, port: int, *extra: str) -> list[str]:
    return [str(KB), "serve", "--out", str(out), "--port", str(port), *extra]


@pytest.fixture(scope="module")
def endpoint(seed_kb: Path) -> Iterator[tuple[str, int]]:
    """`kb serve` with a 2 s timeout; yields its query URL and the server's process id."""
    port = serve.free_port()
    with serve.running(kb_serve(seed_kb, port, "--timeout-s", "2"), "127.0.0.1", port) as ep:
        yield ep.url, ep.process.pid


# --- processes, read from /proc ----------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # fields after the command name: state, ppid, ...


def descendants(root: int) -> set[int]:
    """Every live process below ``root`` (the server's fork server and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def cpu_s(pids: set[int]) -> float:
    """User + system CPU seconds of the processes that still exist."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields and fields[0] != "Z":
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def assert_idle_soon(server_pid: int, before: set[int], within_s: float) -> None:
    """Within ``within_s`` the server and every process below it stop computing, and a worker
    that existed before (the one that was busy) is gone."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and before <= descendants(server_pid):
        time.sleep(0.1)
    procs = {server_pid} | descendants(server_pid)
    start = cpu_s(procs)
    time.sleep(1.0)
    assert cpu_s(procs) - start < 0.3, "the server still computes"
    assert not before <= descendants(server_pid), "the busy worker is still alive"


# --- SERVICE: no outbound request ---------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    """A second local server that answers any SPARQL request with one row and records it."""

    hits: list[str] = []

    def _answer(self) -> None:
        Recorder.hits.append(f"{self.command} {self.path}")
        body = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def remote() -> Iterator[str]:
    Recorder.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/sparql"
    finally:
        httpd.shutdown()
        httpd.server_close()


def federated(url: str) -> list[str]:
    """SERVICE in the places a query can hide it."""
    return [
        f"SELECT ?x WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }}",
        f"select ?x where {{ service silent <{url}> {{ ?x ?p ?o }} }}",
        f"SELECT ?x WHERE {{ VALUES ?u {{ <{url}> }} SERVICE ?u {{ ?x ?p ?o }} }}",
        f"SELECT ?x WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?x ?q ?r }} }} }}",
        f"SELECT ?x WHERE {{ {{ SELECT ?x WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?x ?p ?o }} }} }}",
        f"CONSTRUCT {{ ?x ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }}",
        f"PREFIX r: <{url.rsplit('/', 1)[0]}/> SELECT ?x WHERE {{ SERVICE r:sparql {{ ?x ?p ?o }} }}",
        f"SELECT ?x WHERE {{ # comment }}\n SERVICE <{url}> {{ ?x ?p ?o }} }}",
    ]


def test_service_is_refused_and_makes_no_request(endpoint: tuple[str, int], remote: str) -> None:
    url, _ = endpoint
    for query in federated(remote):
        reply = httpx.post(url, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert reply.status_code == 403, query
        assert "SERVICE" in reply.text and "remote" not in reply.text
        assert httpx.get(url, params={"query": query}).status_code == 403
    assert Recorder.hits == []  # the second server saw nothing


def test_service_as_text_is_not_a_service(endpoint: tuple[str, int]) -> None:
    # the word in a literal, an IRI, a comment or a variable name is data, not federation
    query = (
        'SELECT ?SERVICE WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?SERVICE) '
        "FILTER(?SERVICE != <http://e.org/SERVICE>) } # SERVICE"
    )
    reply = httpx.post(endpoint[0], data={"query": query}, headers={"Accept": "text/csv"})
    assert reply.status_code == 200 and "SERVICE <http://127.0.0.1:9/>" in reply.text


# --- who may ask --------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example:80"])
def test_cross_origin_post_is_refused(endpoint: tuple[str, int], origin: str) -> None:
    # what a browser sends for a form posted from another site's page
    reply = httpx.post(endpoint[0], data={"query": COUNT}, headers={"Origin": origin})
    assert reply.status_code == 403 and "cross-origin" in reply.text
    assert "access-control-allow-origin" not in reply.headers
    preflight = httpx.options(
        endpoint[0], headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 403


def test_own_origin_is_served(endpoint: tuple[str, int]) -> None:
    own = endpoint[0].removesuffix("/query")
    reply = httpx.post(endpoint[0], data={"query": COUNT}, headers={"Origin": own, "Accept": "text/csv"})
    assert reply.status_code == 200 and reply.text.startswith("n")


def test_rebinding_host_is_refused(endpoint: tuple[str, int]) -> None:
    port = endpoint[0].rsplit(":", 1)[1].split("/")[0]
    reply = httpx.get(endpoint[0], params={"query": COUNT}, headers={"Host": f"evil.example:{port}"})
    assert reply.status_code == 403


# --- read-only ------------------------------------------------------------------------------------


UPDATES = [
    "INSERT DATA { <https://e.org/a> <https://e.org/b> <https://e.org/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "DROP DEFAULT",
    "CREATE GRAPH <https://e.org/g>",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused(endpoint: tuple[str, int], update: str) -> None:
    url = endpoint[0]
    before = httpx.post(url, data={"query": COUNT}, headers={"Accept": "text/csv"}).text
    as_query = httpx.post(url, data={"query": update})
    assert as_query.status_code == 400 and as_query.headers["content-type"].startswith("text/plain")
    assert httpx.post(url, data={"update": update}).status_code == 403
    sparql_update = {"Content-Type": "application/sparql-update"}
    assert httpx.post(url, content=update, headers=sparql_update).status_code == 403
    update_url = url.removesuffix("/query") + "/update"
    assert httpx.post(update_url, data={"update": update}).status_code == 403
    assert httpx.put(url, content=b"<a:b> <a:b> <a:b> .").status_code == 405
    assert httpx.post(url, data={"query": COUNT}, headers={"Accept": "text/csv"}).text == before


# --- bounded work ---------------------------------------------------------------------------------


def test_timeout_is_an_error_that_sparqlwrapper_reports(endpoint: tuple[str, int]) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    url, server_pid = endpoint
    before = descendants(server_pid)
    client = SPARQLWrapper(url)
    client.setQuery(CARTESIAN)
    client.setReturnFormat(JSON)
    client.setMethod("POST")
    start = time.monotonic()
    with pytest.raises((SPARQLWrapperException, OSError)) as caught:
        client.queryAndConvert()
    took = time.monotonic() - start
    assert took < 2 + GRACE_S, f"answered after {took:.1f} s"
    assert "503" in str(caught.value)  # urllib's HTTPError: SPARQLWrapper passes a 503 on as is
    assert_idle_soon(server_pid, before, GRACE_S)


@pytest.mark.parametrize("query", [STREAMING + " LIMIT 10 OFFSET 100000000", COUNTED])
def test_timeout_is_never_a_200(endpoint: tuple[str, int], query: str) -> None:
    reply = httpx.post(endpoint[0], data={"query": query}, timeout=30)
    assert reply.status_code == 503 and "timeout" in reply.text
    assert reply.headers["content-type"].startswith("text/plain")


def test_client_that_leaves_stops_the_work(seed_kb: Path) -> None:
    port = serve.free_port()
    with serve.running(kb_serve(seed_kb, port, "--timeout-s", "120"), "127.0.0.1", port) as ep:
        assert httpx.post(ep.url, data={"query": COUNT}).status_code == 200  # workers are up
        before = descendants(ep.process.pid)
        body = urlencode({"query": CARTESIAN}).encode()
        start = cpu_s(before | {ep.process.pid})
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                b"POST /query HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
                % (port, len(body), body)
            )
            time.sleep(1.5)
            assert cpu_s(before | {ep.process.pid}) - start > 0.1, "the query is not running"
        assert_idle_soon(ep.process.pid, before, GRACE_S)
        assert httpx.post(ep.url, data={"query": COUNT}).status_code == 200  # a fresh worker answers


def test_result_over_the_cap_is_an_error(seed_kb: Path) -> None:
    port = serve.free_port()
    with serve.running(kb_serve(seed_kb, port, "--max-result-mb", "0.01"), "127.0.0.1", port) as ep:
        everything = httpx.post(ep.url, data={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert everything.status_code == 500 and "Result too large" in everything.text
        assert "--max-result-mb" in everything.text
        assert httpx.post(ep.url, data={"query": COUNT}).status_code == 200  # small results still go


# --- starting ------------------------------------------------------------------------------------


def test_port_in_use_is_a_clean_error(seed_kb: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(kb_serve(seed_kb, port), capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert f"port {port} is in use" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout and "panicked" not in run.stderr


def test_non_loopback_host_is_refused(seed_kb: Path) -> None:
    run = subprocess.run(
        [*kb_serve(seed_kb, serve.free_port()), "--host", "0.0.0.0"],  # noqa: S104 - refused, the point
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and "loopback only" in run.stderr and "Traceback" not in run.stderr

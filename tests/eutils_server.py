"""A local stand-in for NCBI E-utilities on 127.0.0.1 that serves real saved responses.

efetch: a request whose ids are exactly the PMIDs of one fixture file gets that file byte for
byte; any other id set gets a PubmedArticleSet assembled from the real PubmedArticle records of
the fixtures (ids it does not know are left out, as efetch does). elink: a request for exactly
the source PMID of an eLinkResult fixture gets that file byte for byte; otherwise one LinkSet per
id= parameter, the real one where a fixture has it, else an empty LinkSet (synthetic: what
elink returns for an article nobody cites). Scripted failures (429, 500, slow answers, answers that
echo the request) can be queued per endpoint; every request is recorded.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
_EMPTY_EFETCH_HEAD = b'<?xml version="1.0" ?>\n<PubmedArticleSet>\n'


@dataclass
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    raw: str

    def values(self, key: str) -> list[str]:
        return [v for k, v in self.form + self.query if k == key]


@dataclass
class Action:
    """A scripted answer: a status with headers and body, after an optional delay.

    With ``echo``, the body is a template whose ``{request}`` is replaced by the request as the
    server received it (path, query and form body, API key included), ``{body}`` by the form
    body alone and ``{body_xml}`` by the form body escaped for XML, as misbehaving proxies and
    error pages do; without a body the echo is the whole answer.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    delay: float = 0.0
    echo: bool = False

    def echoed(self, seen: Seen) -> Action:
        form = urlencode(seen.form).encode()
        body = (self.body or b"{request}").replace(b"{request}", seen.raw.encode())
        body = body.replace(b"{body}", form).replace(b"{body_xml}", html.escape(form.decode()).encode())
        return Action(self.status, self.headers, body, self.delay)


class FakeEutils:
    def __init__(self, pubmed_files: list[Path], elink_files: list[Path]) -> None:
        self.files: dict[frozenset[str], bytes] = {}
        self.articles: dict[str, bytes] = {}
        for f in pubmed_files:
            data = f.read_bytes()
            root = etree.fromstring(data, _PARSER)
            pmids = []
            for art in root.iterfind("PubmedArticle"):
                pmid = art.findtext("MedlineCitation/PMID") or ""
                pmids.append(pmid)
                self.articles[pmid] = etree.tostring(art, encoding="utf-8")
            self.files[frozenset(pmids)] = data
        self.link_files: dict[str, bytes] = {}
        self.link_sets: dict[str, bytes] = {}
        for f in elink_files:
            data = f.read_bytes()
            root = etree.fromstring(data, _PARSER)
            for ls in root.iterfind("LinkSet"):
                ids = [i.text or "" for i in ls.iterfind("IdList/Id")]
                if len(ids) == 1:
                    self.link_sets[ids[0]] = etree.tostring(ls, encoding="utf-8")
                    self.link_files[ids[0]] = data
        self.script: dict[str, list[Action]] = {"efetch.fcgi": [], "elink.fcgi": []}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()

    def queue(self, endpoint: str, *actions: Action) -> None:
        self.script[endpoint].extend(actions)

    def requests_to(self, endpoint: str) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith(endpoint)]

    def efetch(self, ids: list[str]) -> bytes:
        exact = self.files.get(frozenset(ids))
        if exact is not None:
            return exact
        known = [self.articles[i] for i in ids if i in self.articles]
        return _EMPTY_EFETCH_HEAD + b"\n".join(known) + b"\n</PubmedArticleSet>\n"

    def elink(self, ids: list[str]) -> bytes:
        if len(ids) == 1 and ids[0] in self.link_files:
            return self.link_files[ids[0]]
        empty = "<LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>{}</Id></IdList></LinkSet>"  # synthetic
        sets = [self.link_sets.get(i) or empty.format(i).encode() for i in ids]
        return (
            b'<?xml version="1.0" encoding="UTF-8" ?>\n<eLinkResult>\n'
            + b"\n".join(sets)
            + b"\n</eLinkResult>\n"
        )

    def answer(self, seen: Seen) -> Action:
        endpoint = seen.path.rsplit("/", 1)[-1]
        with self.lock:
            self.seen.append(seen)
            scripted = self.script.get(endpoint)
            if scripted:
                action = scripted.pop(0)
                if action.echo:
                    return action.echoed(seen)
                if action.body is not None or action.status != 200:
                    return action
                delay = action.delay
            else:
                delay = 0.0
        if endpoint == "efetch.fcgi":
            ids = [i for v in seen.values("id") for i in v.split(",") if i]
            return Action(body=self.efetch(ids), delay=delay, headers={"Content-Type": "text/xml"})
        if endpoint == "elink.fcgi":
            return Action(
                body=self.elink(seen.values("id")), delay=delay, headers={"Content-Type": "text/xml"}
            )
        return Action(status=404, body=b"not found")


def _handler(fake: FakeEutils) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            seen = Seen(method, parts.path, parse_qsl(parts.query), parse_qsl(raw), self.path + "?" + raw)
            action = fake.answer(seen)
            if action.delay:
                time.sleep(action.delay)
            body = action.body or b""
            try:
                self.send_response(action.status)
                for k, v in action.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return None

    return Handler


@contextmanager
def serve(fake: FakeEutils) -> Iterator[str]:
    """Run the fake on a free port of 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/entrez/eutils/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""SPARQL 1.1 Protocol rules of ``kb serve``: what a request asks, which format answers it, who may ask."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

#: Largest request body (a query or a form) the endpoint reads, bytes.
MAX_REQUEST_BYTES = 1_000_000
QUERY_PATHS = ("/query", "/sparql")
UPDATE_PATHS = ("/update",)

#: Result formats offered for SELECT and ASK, in the order preferred when the client has no preference:
#: (media type asked for, media type answered, pyoxigraph QueryResultsFormat name).
RESULT_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("application/sparql-results+json", "application/sparql-results+json", "JSON"),
    ("application/json", "application/sparql-results+json", "JSON"),
    ("application/sparql-results+xml", "application/sparql-results+xml", "XML"),
    ("application/xml", "application/sparql-results+xml", "XML"),
    ("text/xml", "application/sparql-results+xml", "XML"),
    ("text/csv", "text/csv", "CSV"),
    ("text/tab-separated-values", "text/tab-separated-values", "TSV"),
)
#: The same for CONSTRUCT and DESCRIBE (pyoxigraph RdfFormat names).
GRAPH_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("text/turtle", "text/turtle", "TURTLE"),
    ("application/x-turtle", "text/turtle", "TURTLE"),
    ("application/n-triples", "application/n-triples", "N_TRIPLES"),
    ("text/plain", "application/n-triples", "N_TRIPLES"),
    ("application/rdf+xml", "application/rdf+xml", "RDF_XML"),
)


class ProtocolError(Exception):
    """A request the endpoint answers with an error status and a plain-text message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Job:
    """One query as a worker process receives it: text, Accept header and dataset of the request."""

    text: str
    accept: str = ""
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer, made whole before its status line is sent."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: int, message: str) -> Reply:
    """The error body: plain UTF-8 text, as SPARQL 1.1 Protocol servers commonly answer failures."""
    return Reply(status, "text/plain; charset=utf-8", f"{message}\n".encode())


# --- content negotiation ----------------------------------------------------------------------


def _ranges(accept: str) -> list[tuple[str, float]]:
    """Media ranges of an Accept header with their quality (q), malformed q counted as 0."""
    out: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((media.lower(), q))
    return out


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The q of ``media`` under the most specific matching range (RFC 9110 section 12.5.1)."""
    kind = media.split("/", 1)[0]
    best: tuple[int, float] | None = None
    for pattern, q in ranges:
        if pattern == media:
            rank = 3
        elif pattern == f"{kind}/*":
            rank = 2
        elif pattern == "*/*":
            rank = 1
        else:
            continue
        if best is None or rank > best[0]:
            best = (rank, q)
    return best[1] if best else 0.0


def negotiate(accept: str, graph: bool) -> tuple[str, str]:
    """(media type answered, pyoxigraph format name) for an Accept header; 406 when none fits."""
    offers = GRAPH_FORMATS if graph else RESULT_FORMATS
    ranges = _ranges(accept)
    if not ranges:
        return offers[0][1], offers[0][2]
    scored = [(_quality(asked, ranges), -i, answered, fmt) for i, (asked, answered, fmt) in enumerate(offers)]
    q, _, answered, fmt = max(scored)
    if q <= 0:
        names = ", ".join(dict.fromkeys(a for a, _, _ in offers))
        raise ProtocolError(406, f"Not Acceptable: {accept!r}; this query's results can be: {names}")
    return answered, fmt


# --- who may ask --------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for 'localhost' and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def own_authorities(host: str, port: int) -> set[str]:
    """The ``host:port`` names this endpoint answers to: its bind address and localhost's names."""
    names = {host, "localhost", "127.0.0.1", "::1"}
    return {f"[{n}]:{port}" if ":" in n else f"{n}:{port}" for n in names}


def check_caller(headers: Mapping[str, str], host: str, port: int) -> None:
    """Refuse (403) a cross-origin browser request and a Host that is not this endpoint's.

    An Origin header is sent by browsers on cross-origin POSTs (form or fetch); refusing every
    Origin that is not the endpoint's own stops a web page from querying it through the user's
    browser. The Host check stops DNS rebinding (a hostile name resolving to 127.0.0.1).
    """
    own = own_authorities(host, port)
    origin = headers.get("Origin")
    if origin is not None:
        parts = urlsplit(origin.strip())
        if parts.scheme != "http" or parts.netloc.lower() not in own:
            raise ProtocolError(403, f"Forbidden: cross-origin request from {origin!r} refused")
    host_header = headers.get("Host")
    if host_header is not None and host_header.strip().lower() not in own:
        raise ProtocolError(403, f"Forbidden: Host {host_header!r} is not this endpoint")


# --- what is asked ------------------------------------------------------------------------------


def _one(form: Mapping[str, list[str]], key: str) -> str | None:
    values = form.get(key, [])
    if len(values) > 1:
        raise ProtocolError(400, f"Bad Request: {len(values)} '{key}' parameters; send exactly one")
    return values[0] if values else None


def _job(form: Mapping[str, list[str]], text: str | None, accept: str) -> Job:
    if "update" in form or "using-graph-uri" in form or "using-named-graph-uri" in form:
        raise ProtocolError(403, "Forbidden: SPARQL Update is refused; this endpoint is read-only")
    if text is None:
        raise ProtocolError(400, "Bad Request: no query; send ?query=... or a POST body")
    return Job(
        text=text,
        accept=accept,
        default_graphs=tuple(form.get("default-graph-uri", [])),
        named_graphs=tuple(form.get("named-graph-uri", [])),
    )


def _form(raw: str) -> dict[str, list[str]]:
    try:
        return parse_qs(raw, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, "Bad Request: the form is not UTF-8") from None


def get_job(path_and_query: str, accept: str) -> Job:
    """The query of a GET request (``?query=`` and optional dataset parameters)."""
    parts = urlsplit(path_and_query)
    check_path(parts.path)
    form = _form(parts.query)
    return _job(form, _one(form, "query"), accept)


def post_job(path: str, content_type: str, body: bytes, accept: str) -> Job:
    """The query of a POST: ``application/sparql-query`` or ``application/x-www-form-urlencoded``."""
    parts = urlsplit(path)
    check_path(parts.path)
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "Bad Request: the request body is not UTF-8") from None
    if media == "application/sparql-update":
        raise ProtocolError(403, "Forbidden: SPARQL Update is refused; this endpoint is read-only")
    if media == "application/x-www-form-urlencoded":
        form = _form(text)
        return _job(form, _one(form, "query"), accept)
    if media == "application/sparql-query":
        return _job(_form(parts.query), text, accept)
    raise ProtocolError(
        415,
        f"Unsupported Media Type {media or '(none)'!r}: "
        "send application/sparql-query or application/x-www-form-urlencoded",
    )


def check_path(path: str) -> None:
    """404 for paths that are not the query service; 403 for the update service."""
    if path in UPDATE_PATHS:
        raise ProtocolError(403, "Forbidden: SPARQL Update is refused; this endpoint is read-only")
    if path not in QUERY_PATHS:
        raise ProtocolError(404, f"Not Found: {path}; the SPARQL query service is at {QUERY_PATHS[0]}")

"""The HTTP front of ``kb serve``: SPARQL 1.1 Protocol on loopback, answers made whole before sending.

The standard library's ThreadingHTTPServer is enough here: the endpoint serves one user's
machine, every query runs in a worker process (kb/query/pool.py), and a request thread only
parses the request, waits for its worker and sends a finished buffer. No status line is sent
before the answer is complete, so a timeout, a result over the cap or a dead worker is an error
status with a plain-text body, never a 200 with a cut-off body.
"""

from __future__ import annotations

import errno
import select
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kb.query.pool import Pool
from kb.query.protocol import (
    MAX_REQUEST_BYTES,
    Job,
    ProtocolError,
    Reply,
    check_caller,
    check_path,
    error_reply,
    get_job,
    is_loopback,
    post_job,
)

#: Seconds a connection may stay silent while the request is read (slow clients hold a thread).
READ_TIMEOUT_S = 30


class EndpointError(Exception):
    """The endpoint cannot start (port in use, a host that is not loopback...)."""


class Server(ThreadingHTTPServer):
    """A threading HTTP server that knows its worker pool."""

    daemon_threads = True
    pool: Pool

    def __init__(self, address: tuple[str, int]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)


def client_gone(sock: socket.socket) -> bool:
    """True when the client closed its connection (readable, and a peek reads end-of-file)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except (OSError, ValueError):
        return True


class Handler(BaseHTTPRequestHandler):
    """One request: refuse what is not allowed, run the query in a worker, send the whole reply."""

    server: Server
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT_S
    server_version = "evidence-kb"

    def version_string(self) -> str:
        """The Server header: the project's name only (no Python version to fingerprint)."""
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet by default: the terminal of ``kb serve`` shows nothing per request."""

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        if reply.status >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _caller(self) -> None:
        host, port = self.server.server_address[:2]
        asked = {k: v for k in ("Origin", "Host") if (v := self.headers.get(k)) is not None}
        check_caller(asked, str(host), int(port))

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise ProtocolError(411, "Length Required: send the body with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise ProtocolError(400, "Bad Request: Content-Length is not a number") from None
        if length > MAX_REQUEST_BYTES:
            raise ProtocolError(413, f"Content Too Large: requests are limited to {MAX_REQUEST_BYTES} bytes")
        return self.rfile.read(max(0, length))

    def _answer(self, job_of: Any) -> None:
        try:
            self._caller()
            job: Job = job_of()
        except ProtocolError as exc:
            self._send(error_reply(exc.status, exc.message))
            return
        reply = self.server.pool.run(job, lambda: client_gone(self.connection))
        if reply is None:  # the client left: its worker is already killed
            self.close_connection = True
            return
        self._send(reply)

    def do_GET(self) -> None:
        if len(self.path) > MAX_REQUEST_BYTES:
            self._send(error_reply(414, "URI Too Long"))
            return
        accept = self.headers.get("Accept", "")
        self._answer(lambda: get_job(self.path, accept))

    def do_POST(self) -> None:
        content_type = self.headers.get("Content-Type", "")
        accept = self.headers.get("Accept", "")

        def job() -> Job:
            check_path(self.path.split("?", 1)[0])  # before reading a body meant for another path
            return post_job(self.path, content_type, self._body(), accept)

        self._answer(job)

    def do_OPTIONS(self) -> None:
        # No CORS headers are ever sent: a browser's preflight from another origin fails here.
        try:
            self._caller()
        except ProtocolError as exc:
            self._send(error_reply(exc.status, exc.message))
            return
        self._send(Reply(204, "text/plain", b"", {"Allow": "GET, POST, OPTIONS"}))

    def _read_only(self) -> None:
        reply = error_reply(405, "Method Not Allowed: this endpoint is read-only (GET or POST a query)")
        self._send(Reply(reply.status, reply.content_type, reply.body, {"Allow": "GET, POST, OPTIONS"}))

    do_PUT = do_DELETE = do_PATCH = _read_only


def open_server(host: str, port: int) -> Server:
    """Bind the endpoint (its pool is attached next); not loopback or a port in use: EndpointError."""
    if not is_loopback(host):
        raise EndpointError(
            f"--host {host}: the endpoint binds to loopback only (127.0.0.1, ::1 or localhost); "
            "put a reverse proxy with authentication in front of it to share it"
        )
    try:
        return Server((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise EndpointError(f"port {port} is in use on {host}; choose another with --port") from None
        raise EndpointError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

"""A small loopback HTTP server for tests: per-path replies, and a record of every request.

Each ``LocalServer`` is one "host": bind several to 127.0.0.2, 127.0.0.3 … (all loopback on
Linux) to test per-host behaviour. A route answers with a ``Reply``, a list of replies served
in turn (the last one repeats), or a function of the ``Seen`` request returning a ``Reply``.
The server records each request (arrival time, method, path, headers, body) and the highest
number of requests it was answering at once.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    """What the server answers. ``raw`` is written as is (for broken answers) instead of a reply."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None
    reset: bool = False


@dataclass(frozen=True)
class Seen:
    """A request as the server received it."""

    at: float
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


Route = Reply | Sequence[Reply] | Callable[[Seen], Reply]


def html(text: str, charset: str | None = "utf-8", status: int = 200, **headers: str) -> Reply:
    content_type = f"text/html; charset={charset}" if charset else "text/html"
    body = text.encode(charset or "utf-8")
    return Reply(status, body, {"Content-Type": content_type, **headers})


class LocalServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.peak_in_flight = 0
        self._in_flight = 0
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.host = host
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.netloc}{path}"

    def route(self, path: str, answer: Route) -> None:
        self.routes[path] = answer

    def seen(self, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, seen: Seen) -> Reply:
        route = self.routes.get(seen.path)
        if route is None:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        if isinstance(route, Reply):
            return route
        if callable(route):
            return route(seen)
        with self._lock:
            served = self._served.get(seen.path, 0)
            self._served[seen.path] = served + 1
        return route[min(served, len(route) - 1)]

    def _enter(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: with Nagle's algorithm on, the body
        # waits for the client's delayed ACK (40 ms on Linux), a delay no real server adds.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args) -> None:
            return

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                at=time.monotonic(),
                method=self.command,
                path=parts.path,
                query=parts.query,
                headers=dict(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            server._enter(seen)
            try:
                self._write(server._answer(seen))
            finally:
                server._leave()

        def _write(self, reply: Reply) -> None:
            if reply.delay:
                time.sleep(reply.delay)
            if reply.reset:
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.close_connection = True
                return
            if reply.raw is not None:
                self.wfile.write(reply.raw)
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_response(reply.status)
            headers = {"Content-Length": str(len(reply.body)), **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_HEAD = _serve

    return Handler


@contextmanager
def local_servers(count: int = 1, first: int = 2) -> Iterator[list[LocalServer]]:
    """``count`` servers on 127.0.0.<first>, 127.0.0.<first + 1> …, stopped on exit."""
    servers = [LocalServer(f"127.0.0.{first + i}").start() for i in range(count)]
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


CLOCK_SLACK = 0.025
"""How much shorter than the sender's spacing a gap between arrivals may look: the server
notes each arrival in a thread of the test's process, which on a loaded machine reads it
up to tens of milliseconds late. Requests not spaced at all show gaps near zero."""


def gaps(seen: Sequence[Seen]) -> list[float]:
    """Seconds between consecutive arrivals (see ``CLOCK_SLACK``)."""
    return [b.at - a.at for a, b in pairwise(seen)]

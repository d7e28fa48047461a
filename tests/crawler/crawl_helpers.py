"""Helpers for crawler tests: loopback settings and tiny purpose-built HTTP servers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from khotin.settings import Settings, load_settings

LOOPBACK = {"allow_private_addresses": "true", "loopback_delay_seconds": "0"}


def loopback_settings(root: Path, **overrides: object) -> Settings:
    """Settings for crawling loopback servers fast (no delay, private addresses allowed)."""
    values = {**LOOPBACK, **{k: str(v) for k, v in overrides.items()}}
    return load_settings(root, values, environ={})


Route = Callable[[BaseHTTPRequestHandler], None]


class TinyServer:
    """A loopback HTTP server whose paths are answered by small functions (``routes``)."""

    def __init__(self, routes: dict[str, Route]):
        self.routes = routes
        self.log: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):  # silence
                pass

            def do_GET(self):
                outer.log.append((self.path, dict(self.headers.items())))
                route = outer.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    send(self, 404, b"not found", "text/plain")
                else:
                    route(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> TinyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self) -> list[str]:
        return [p for p, _ in self.log]


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> None:
    try:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if body:
            h.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
        h.close_connection = True


def page(body: bytes | str, status: int = 200, ctype: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> Route:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return lambda h: send(h, status, data, ctype, headers)


@contextmanager
def tiny_server(routes: dict[str, Route]) -> Iterator[TinyServer]:
    with TinyServer(routes) as srv:
        yield srv

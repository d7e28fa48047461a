"""Running the app under waitress: one process, or several sharing one socket.

Search requests spend most of their time in Python (snippets, suggestions),
so one process cannot use more than one core however many threads it has.
With ``workers > 1`` the parent binds the listening socket, forks that many
children that each build their own app (search service, catalog
connections) and serve the shared socket with waitress; the kernel spreads
connections between them.  The parent only supervises: it replaces a child
that dies, and on SIGINT/SIGTERM stops them all.

The job worker (``khotin worker``, :mod:`khotin.workerproc`) is one more
child in both modes: started after the socket is bound, restarted if it
dies, stopped (SIGTERM, then a wait) when the server stops.

Per-process state stays per process: the export rate limit counts per
worker, and each worker holds its own index snapshot and posting cache.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable

from khotin.settings import Settings
from khotin.workerproc import WorkerProcess

log = logging.getLogger(__name__)

#: A child that dies sooner than this after starting counts as a crash loop.
MIN_CHILD_SECONDS = 5.0
MAX_QUICK_DEATHS = 3


def proxy_options(trusted_proxy: str | None) -> dict:
    """waitress options to believe ``X-Forwarded-Proto``/``-For`` from one proxy address.

    Without them waitress drops those headers (``clear_untrusted_proxy_headers``),
    so ``request.is_secure`` and the client address are the TCP connection's.
    """
    if not trusted_proxy:
        return {}
    return {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"}}


def make_server(settings: Settings, host: str = "127.0.0.1", port: int = 0, *,
                sock: socket.socket | None = None, trusted_proxy: str | None = None):
    """A waitress server for the app (``port=0`` picks a free port: see ``effective_port``)."""
    from waitress import create_server

    from . import MAX_CONTENT_LENGTH, create_app

    app = create_app(settings)
    where = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    server = create_server(
        app, threads=int(settings.threads), ident="khotin", max_request_body_size=MAX_CONTENT_LENGTH,
        clear_untrusted_proxy_headers=True, channel_timeout=120, **where, **proxy_options(trusted_proxy),
    )
    server.flask_app = app  # waitress wraps ``application`` in its proxy-header middleware
    if settings.search_warm:
        app.extensions["khotin"].start_warming()
    return server


def run_server(server) -> None:
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        server.flask_app.extensions["khotin"].close()


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def serve_workers(settings: Settings, sock: socket.socket, workers: int,
                  announce: Callable[[str], None] = print, *, trusted_proxy: str | None = None,
                  job_worker: WorkerProcess | None = None) -> int:
    """Fork ``workers`` children serving ``sock``; supervise until a signal; exit status.

    ``job_worker`` (the ``khotin worker`` child) is reaped by the same
    ``os.wait()`` loop, restarted by its own policy, and told to stop with
    the web children.
    """
    children: dict[int, float] = {}
    stopping = False
    quick_deaths = 0

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # child: own app, default signal handling, never return to the caller
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            status = 0
            try:
                run_server(make_server(settings, sock=sock, trusted_proxy=trusted_proxy))
            except BaseException:  # report and exit; never unwind into the parent's code
                log.exception("web worker %d failed", os.getpid())
                status = 1
            finally:
                os._exit(status)
        children[pid] = time.monotonic()

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        if job_worker is not None:
            job_worker.terminate()
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(workers):
            spawn()
        announce(f"{workers} worker processes: {', '.join(str(p) for p in children)}")
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries wait() itself
                continue
            if job_worker is not None and job_worker.owns(pid):
                job_worker.reaped(status)
                continue
            started = children.pop(pid, None)
            if started is None or stopping:
                continue
            quick_deaths = quick_deaths + 1 if time.monotonic() - started < MIN_CHILD_SECONDS else 0
            log.error("web worker %d exited (status %d); starting a new one", pid, status)
            if quick_deaths > MAX_QUICK_DEATHS:
                announce("web workers keep dying at start; giving up (see the log above)")
                stop(signal.SIGTERM, None)
                return 1
            spawn()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sock.close()
    return 0

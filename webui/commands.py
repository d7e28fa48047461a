"""``khotin serve``: the web UI and API through waitress (never Flask's debug server).

It also starts the job worker (``khotin worker``) as a child process unless
``--no-worker`` or the setting ``worker = false``, restarts it if it dies,
and stops it when the server stops.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable

from khotin.errors import UserError
from khotin.settings import Settings
from khotin.workerproc import WorkerProcess

from .serving import bind, make_server, run_server, serve_workers

__all__ = ["register", "cmd_serve", "make_server", "serve"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the search web UI and JSON API")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--workers", type=int, default=1,
                   help="server processes sharing the port (default 1); searches are CPU-bound "
                        "Python, so use one per core under load; each has `threads` threads")
    p.add_argument("--no-worker", action="store_true",
                   help="do not start the job worker (run `khotin worker` yourself; the setting "
                        "worker=false does the same)")
    p.add_argument("--trusted-proxy", metavar="ADDR",
                   help="address of a reverse proxy whose X-Forwarded-Proto and X-Forwarded-For "
                        "headers are believed (HTTPS detection for Secure cookies, client addresses "
                        "for rate limits); without it those headers are ignored")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: must be between 0 and 65535")
    if not 1 <= args.workers <= 64:
        raise UserError(f"--workers {args.workers}: must be between 1 and 64")
    worker_args = list(_worker_args(args, settings)) if not getattr(args, "no_worker", False) else None
    return serve(settings, args.host, args.port, workers=args.workers, worker_args=worker_args,
                 trusted_proxy=getattr(args, "trusted_proxy", None))


def serve(settings: Settings, host: str, port: int, *, workers: int = 1,
          worker_args: list[str] | None = None, trusted_proxy: str | None = None,
          on_ready: Callable[[int], None] | None = None) -> int:
    """Bind, start the job worker (unless ``worker_args`` is None or ``worker=false``), serve until stopped.

    ``on_ready(port)`` runs once the port is bound (``khotin demo`` prints its examples there).
    """
    try:
        if workers == 1:
            server = make_server(settings, host, port, trusted_proxy=trusted_proxy)
            port = server.effective_port
        else:
            sock = bind(host, port)
            port = sock.getsockname()[1]
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    print(f"khotin: serving {settings.data_path} on http://{host}:{port}/ "
          f"({workers} process(es) x {settings.threads} threads); Ctrl-C stops", flush=True)
    worker = _start_worker(worker_args) if worker_args is not None and settings.worker else None
    if on_ready is not None:
        on_ready(port)
    try:
        if workers == 1:
            signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly, as on Ctrl-C
            if worker is not None:
                worker.supervise()
            run_server(server)
            return 0
        return serve_workers(settings, sock, workers, announce=_announce, trusted_proxy=trusted_proxy,
                             job_worker=worker)
    except KeyboardInterrupt:  # Ctrl-C before the server loop started: still a clean stop
        if workers == 1:
            server.close()
        return 0
    finally:
        if worker is not None:
            worker.stop()


def _announce(message: str) -> None:
    print(f"khotin: {message}", flush=True)


def _worker_args(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The worker child's command line: same data directory and overrides as ours."""
    cli_args = ["--data-dir", str(settings.data_dir)]
    for item in getattr(args, "set", None) or []:
        cli_args += ["--set", item]
    if getattr(args, "verbose", False):
        cli_args.append("-v")
    return cli_args


def _start_worker(cli_args: list[str]) -> WorkerProcess:
    worker = WorkerProcess(cli_args, announce=_announce).start()
    _announce(f"job worker started (pid {worker.pid}); --no-worker to run it separately")
    return worker


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt

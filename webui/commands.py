"""``khotin serve``: the web UI and API through waitress (never Flask's debug server)."""

from __future__ import annotations

import argparse
import signal

from khotin.errors import UserError
from khotin.settings import Settings

from .serving import bind, make_server, run_server, serve_workers

__all__ = ["register", "cmd_serve", "make_server"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the search web UI and JSON API")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--workers", type=int, default=1,
                   help="server processes sharing the port (default 1); searches are CPU-bound "
                        "Python, so use one per core under load; each has `threads` threads")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: must be between 0 and 65535")
    if not 1 <= args.workers <= 64:
        raise UserError(f"--workers {args.workers}: must be between 1 and 64")
    try:
        if args.workers == 1:
            server = make_server(settings, args.host, args.port)
            port = server.effective_port
        else:
            sock = bind(args.host, args.port)
            port = sock.getsockname()[1]
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    print(f"khotin: serving {settings.data_path} on http://{args.host}:{port}/ "
          f"({args.workers} process(es) x {settings.threads} threads); Ctrl-C stops", flush=True)
    if args.workers == 1:
        signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly, as on Ctrl-C
        run_server(server)
        return 0
    return serve_workers(settings, sock, args.workers, announce=lambda m: print(f"khotin: {m}", flush=True))


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt

"""``khotin admin …`` (users and API tokens) and ``khotin worker``.

Thin wrappers over :mod:`khotin.accounts` and :mod:`khotin.worker`.  A
password is never an argument (it would sit in the shell history and in
``ps``): it is asked twice at a prompt, or read from standard input with
``--password-stdin`` for scripted set-up.  Every change is written to the
audit log as ``cli:<login>``.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import signal
import sys
from datetime import datetime

from khotin import accounts, audit
from khotin.errors import UserError
from khotin.jobs import VN_TZ
from khotin.paths import DataDir
from khotin.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("admin", help="manage admin users and API tokens",
                       description="Admin accounts for the /admin pages and API tokens for /api/admin.")
    admin = p.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    a = admin.add_parser("add-user", help="create an admin user (asks the password twice)")
    a.add_argument("name", help="user name: a letter, then letters, digits, . _ - @")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    a.set_defaults(func=cmd_add_user)

    a = admin.add_parser("remove-user", help="delete a user, its tokens and its sessions")
    a.add_argument("name")
    a.set_defaults(func=cmd_remove_user)

    a = admin.add_parser("set-password", help="give a user a new password (signs out its browsers)")
    a.add_argument("name")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    a.set_defaults(func=cmd_set_password)

    a = admin.add_parser("token", help="print a new API token for a user (shown once)")
    a.add_argument("name")
    a.set_defaults(func=cmd_token)

    a = admin.add_parser("revoke-token", help="revoke one token (by id) or every token of a user")
    a.add_argument("which", metavar="NAME|TOKEN-ID")
    a.set_defaults(func=cmd_revoke)

    a = admin.add_parser("list-users", help="list users with their live token counts")
    a.set_defaults(func=cmd_list_users)

    w = sub.add_parser("worker", help="run queued crawl and reindex jobs and the recrawl schedule",
                       description="Run jobs queued from the admin pages or API, one at a time, and "
                                   "queue recrawls of sites with recrawl_every.  `khotin serve` starts "
                                   "one unless --no-worker; only one runs per data directory.")
    w.add_argument("--once", action="store_true", help="run the queued jobs, then exit")
    # Started by `khotin serve`: exit when the process with this pid is no longer the parent.
    w.add_argument("--exit-with-parent", type=int, metavar="PID", help=argparse.SUPPRESS)
    w.set_defaults(func=cmd_worker)


def _who() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _conn(settings: Settings) -> contextlib.closing:
    """The catalog with the accounts tables, closed when the ``with`` block ends."""
    data = DataDir.of(settings.data_path).ensure()
    return contextlib.closing(accounts.connect(data.catalog))


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UserError("no password on standard input")
        return password
    if not sys.stdin.isatty():
        raise UserError("no terminal to ask the password: pipe it with --password-stdin")
    first = getpass.getpass("Password: ")
    accounts.check_password(first)
    if getpass.getpass("Password again: ") != first:
        raise UserError("the two passwords differ")
    return first


def cmd_add_user(args: argparse.Namespace, settings: Settings) -> int:
    accounts.check_name(args.name)
    with _conn(settings) as conn:
        if accounts.find_user(conn, args.name):
            raise UserError(f"user {args.name!r} already exists (`khotin admin set-password {args.name}` "
                            "gives it a new password)")
        user = accounts.add_user(conn, args.name, read_password(args.password_stdin))
        audit.record(conn, _who(), "user.add", user.name)
    print(f"user {user.name} created; sign in at /admin/login")
    return 0


def cmd_remove_user(args: argparse.Namespace, settings: Settings) -> int:
    with _conn(settings) as conn:
        accounts.remove_user(conn, args.name)
        audit.record(conn, _who(), "user.remove", args.name)
    print(f"user {args.name} removed (with its tokens)")
    return 0


def cmd_set_password(args: argparse.Namespace, settings: Settings) -> int:
    with _conn(settings) as conn:
        if not accounts.find_user(conn, args.name):
            raise UserError(f"no user {args.name!r} (create it with `khotin admin add-user {args.name}`)")
        accounts.set_password(conn, args.name, read_password(args.password_stdin))
        audit.record(conn, _who(), "password.reset", args.name)
    print(f"password of {args.name} changed; its browser sessions are signed out, its API tokens still work")
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    with _conn(settings) as conn:
        token_id, token = accounts.new_token(conn, args.name)
        audit.record(conn, _who(), "token.create", args.name, f"token {token_id}")
    print(token)
    print(f"token {token_id} for {args.name}: send it as 'Authorization: Bearer …'; it is not shown "
          f"again (revoke with `khotin admin revoke-token {token_id}`)", file=sys.stderr)
    return 0


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _conn(settings) as conn:
        count = accounts.revoke(conn, args.which)
        audit.record(conn, _who(), "token.revoke", args.which, f"{count} revoked")
    print(f"revoked {count} token(s)")
    return 0


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, VN_TZ).strftime("%Y-%m-%d %H:%M") if epoch else "never"


def cmd_list_users(args: argparse.Namespace, settings: Settings) -> int:
    with _conn(settings) as conn:
        users = accounts.list_users(conn)
    if not users:
        print("no users (create one with `khotin admin add-user NAME`)")
    for u in users:
        print(f"{u.name}\tcreated {_when(u.created)}\tlast sign-in {_when(u.last_login)}\t"
              f"{u.tokens} token(s)")
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from khotin.worker import EXIT_LOCKED, Worker, WorkerLocked

    worker = Worker(settings, exit_with_parent=args.exit_with_parent)
    _log_to_file(worker.data, verbose=args.verbose)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, worker.stop)
    try:
        ran = worker.run(once=args.once)
    except WorkerLocked as exc:
        print(f"khotin worker: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    if args.once:
        print(f"ran {ran} job(s)")
    return 0


def _log_to_file(data: DataDir, verbose: bool) -> None:
    """Worker and job events go to DATA_DIR/logs/worker.log; stderr keeps warnings (or all with -v)."""
    if not verbose:
        for existing in logging.getLogger().handlers:
            existing.setLevel(logging.WARNING)
    handler = logging.FileHandler(data.logs / "worker.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    for name in ("khotin.worker", "crawler", "index"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(min(logger.getEffectiveLevel(), logging.INFO))

"""The ``khotin`` command line: thin wrappers over library functions.

Each part of khotin contributes its subcommands from a small ``commands``
module with one function, ``register(subparsers)``; every subcommand's
handler takes ``(args, settings)`` and returns an exit status.  Errors a user
can cause (bad query, missing file, unknown site) are :class:`UserError`: one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from khotin import __version__
from khotin.errors import UserError
from khotin.settings import Settings, load_settings

#: Modules that contribute subcommands, in the order they appear in --help.
COMMAND_MODULES = (
    "khotin.commands",
    "crawler.extract.command",
    "crawler.commands",
    "webui.commands",
    "khotin.admin_commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="khotin",
        description="Kho tin: archive and search Vietnamese district news portals.",
    )
    parser.add_argument("--version", action="version", version=f"khotin {__version__}")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="data directory (env KHOTIN_DATA, default ./khotin-data)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting (see docs/configuration.md); repeatable")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    for subparser in sub.choices.values():
        # ``khotin search --data-dir X …`` works as well as ``khotin --data-dir X search …``.
        subparser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                               help="data directory (env KHOTIN_DATA, default ./khotin-data)")
    return parser


def _settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, str] = {}
    for item in args.set:
        if "=" not in item:
            raise UserError(f"--set needs NAME=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        overrides[key.strip().replace("-", "_")] = value
    try:
        return load_settings(args.data_dir, overrides)
    except (KeyError, ValueError) as exc:
        raise UserError(str(exc).strip("'\"")) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = _settings_from(args)
        return int(args.func(args, settings) or 0)
    except UserError as exc:
        print(f"khotin: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("khotin: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `khotin search … | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

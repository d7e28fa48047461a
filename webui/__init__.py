"""Flask web UI and JSON API: the application factory.

``create_app(settings_or_data_dir)`` follows the flaskr tutorial's shape:
resolve settings, build the app, overlay configuration, then register the
blueprints named in :data:`BLUEPRINT_MODULES` (each module exposes ``bp``).
The admin area (:mod:`webui.admin`) is four of them; its sign-in module
installs the session and CSRF machinery when it is registered.

One :class:`~search.service.SearchService` per app lives in
``app.extensions["khotin"]``; it also carries the data directory
(``.data``) and the settings (``.settings``), and views reach it through
:func:`search_service`.  The service refreshes its index snapshot itself,
so commits by other processes show up without a restart.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask, current_app

from khotin.paths import DataDir
from khotin.settings import Settings, load_settings
from search.service import SearchService

#: Blueprint modules, registered in this order; each has a module-level ``bp``.
BLUEPRINT_MODULES: list[str] = [
    "webui.search",
    "webui.article",
    "webui.replay",
    "webui.api",
    "webui.export",
    "webui.admin.auth",
    "webui.admin.portals",
    "webui.admin.jobs",
    "webui.admin.api",
]

#: Requests may not carry bodies larger than this (the public UI takes none).
MAX_CONTENT_LENGTH = 1024 * 1024


def search_service() -> SearchService:
    """The app's search service (``.data`` is the DataDir, ``.settings`` the Settings)."""
    return current_app.extensions["khotin"]


def _resolve(settings_or_data_dir: Settings | DataDir | str | os.PathLike[str]) -> tuple[Settings, DataDir]:
    if isinstance(settings_or_data_dir, Settings):
        settings = settings_or_data_dir
    elif isinstance(settings_or_data_dir, DataDir):
        settings = load_settings(settings_or_data_dir.root)
    else:
        settings = load_settings(Path(settings_or_data_dir))
    return settings, DataDir.of(settings.data_path).ensure()


def load_secret_key(data: DataDir) -> bytes:
    """The session signing key: read ``DataDir.secret_key``, creating it (0600) on first run.

    The key is written to a private temporary file and hard-linked into
    place, so the file never exists half-written and concurrent first starts
    (several workers) agree on one key: the loser of the race reads the
    winner's file.
    """
    path = data.secret_key
    if not path.exists():
        fd, tmp = tempfile.mkstemp(prefix=".secret_key.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_bytes()
    if len(key) < 16:
        raise RuntimeError(f"{path} is shorter than 16 bytes; delete it to generate a new key")
    return key


def create_app(settings_or_data_dir: Settings | DataDir | str | os.PathLike[str], *,
               testing: bool = False) -> Flask:
    """Build the web application over one data directory."""
    from . import errors, security, templating

    settings, data = _resolve(settings_or_data_dir)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=load_secret_key(data),
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        TESTING=testing,
        DEBUG=False,
        # Error handlers render every failure, in tests too (never a traceback).
        PROPAGATE_EXCEPTIONS=False,
        TRAP_HTTP_EXCEPTIONS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Entries of the base template's navigation: (endpoint, label).
        KHOTIN_NAV=[("search.index", "Tìm kiếm"), ("api.openapi", "API"), ("admin.index", "Quản trị")],
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["khotin"] = SearchService(data, settings)

    templating.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    return app

"""Fixtures for the web UI: one shared read-only data directory, fresh apps on it."""

from __future__ import annotations

import pytest

from tests.webui.webui_data import WebData, app_settings, build_webdata
from webui import create_app


@pytest.fixture(scope="session")
def webdata(tmp_path_factory) -> WebData:
    """Seed article + captures + hostile and legacy pages + generated articles (read-only)."""
    return build_webdata(tmp_path_factory.mktemp("webui") / "data")


@pytest.fixture(scope="session")
def app(webdata):
    app = create_app(app_settings(webdata.data), testing=True)
    yield app
    app.extensions["khotin"].close()


@pytest.fixture
def client(app):
    return app.test_client()

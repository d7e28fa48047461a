"""Fixtures for the admin tests: a fresh data directory, an app on it, a signed-in client."""

from __future__ import annotations

import pytest

from khotin.paths import DataDir
from tests.admin.admin_helpers import add_user, settings_for, sign_in
from webui import create_app


@pytest.fixture
def data(tmp_path) -> DataDir:
    return DataDir.of(tmp_path / "data").ensure()


@pytest.fixture
def make_app(data):
    apps = []

    def make(**overrides):
        app = create_app(settings_for(data, **overrides), testing=True)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["khotin"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def user(data):
    return add_user(data)


@pytest.fixture
def admin(client, user):
    """A test client signed in as ``alice``."""
    response = sign_in(client)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client

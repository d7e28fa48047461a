"""Fixtures for crawler tests (helpers live in ``crawl_helpers.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from khotin.paths import DataDir


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    return DataDir.of(tmp_path / "data").ensure()

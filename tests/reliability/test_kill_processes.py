"""SIGKILL the crawler, ``khotin reindex`` and the worker at seeded random moments; nothing is lost.

``KHOTIN_KILLS`` kills per process (default 5; the recorded run uses 30).
The harness and what it checks after each kill are in ``killharness.py``,
``killtargets.py`` and ``killchecks.py``.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import KILLS
from tests.reliability.killharness import DELAY, run
from tests.reliability.killtargets import CrawlTarget, ReindexTarget, WorkerTarget

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _assert_survived(report, target) -> None:
    print(report.summary())
    assert report.problems == []
    assert report.kills == KILLS
    assert report.lost_articles == 0 and report.lost_indexed == 0
    assert report.unreadable_indexes == 0 and report.integrity_failures == 0
    assert report.final_checks >= 1 and report.final_equal == report.final_checks
    kinds = {*target.phases, DELAY}
    assert len(report.by_phase) >= min(KILLS, len(kinds))  # spread over the phases


def test_crawl_survives_sigkill_at_any_phase(tmp_path):
    target = CrawlTarget()
    report = run(target, tmp_path / "crawl", kills=KILLS)
    _assert_survived(report, target)
    assert sum(k.committed for k in report.log) > 0  # kills happened with work committed


def test_reindex_survives_sigkill_at_any_phase(tmp_path):
    target = ReindexTarget()
    report = run(target, tmp_path / "reindex", kills=KILLS)
    _assert_survived(report, target)
    assert all(k.indexed == 800 for k in report.log)  # the live index stayed whole throughout


def test_worker_survives_sigkill_at_any_phase(tmp_path):
    """``khotin worker --once`` running a crawl job; each restart first fails the orphaned job."""
    target = WorkerTarget()
    report = run(target, tmp_path / "worker", kills=KILLS)
    _assert_survived(report, target)

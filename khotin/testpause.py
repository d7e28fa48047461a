"""Test-only pause points for the crash-safety harness; inert unless switched on.

``tests/reliability/killharness.py`` SIGKILLs the crawler and ``khotin
reindex`` at exact moments: in the middle of a fetch, of a WARC record, of
a catalog transaction, of an index commit, of the rebuild's directory swap.
Random delays alone rarely land in the short windows that matter, so the
code marks those windows with :func:`pause_point`.

With ``KHOTIN_TEST_PAUSE_AT=PHASE[:N][,PHASE[:N]...]`` and
``KHOTIN_TEST_PAUSE_FILE=PATH`` in the environment, the N-th arrival
(default 1) at ``pause_point(PHASE)`` in this process writes PATH (the
phase and the pid) and waits until PATH is removed; the harness kills the
process there, or removes the file to let it go on.  Without the variables
(always, outside the tests) a pause point is one dictionary lookup.
"""

from __future__ import annotations

import os
import threading
import time

_FILE = os.environ.get("KHOTIN_TEST_PAUSE_FILE", "")
_TARGETS: dict[str, int] = {}
for _spec in os.environ.get("KHOTIN_TEST_PAUSE_AT", "").split(",") if _FILE else ():
    _phase, _, _nth = _spec.strip().partition(":")
    if _phase:
        _TARGETS[_phase] = int(_nth or 1)
_counts: dict[str, int] = {}
_lock = threading.Lock()


def armed(phase: str) -> bool:
    """True if this process may pause at ``phase`` (tests only)."""
    return phase in _TARGETS


def pause_point(phase: str) -> None:
    """Announce ``phase`` and wait for the harness, if this is the arrival it asked for."""
    if phase not in _TARGETS:
        return
    with _lock:
        _counts[phase] = _counts.get(phase, 0) + 1
        if _counts[phase] != _TARGETS[phase]:
            return
    tmp = f"{_FILE}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(f"{phase} {os.getpid()}\n")
    os.replace(tmp, _FILE)
    while os.path.exists(_FILE):
        time.sleep(0.01)

"""How fast one host may be asked: delays, one connection at a time, backoff.

A :class:`HostThrottle` hands out one slot per host: a thread that wants to
talk to ``host`` waits until the host's previous request has finished
*and* its delay has passed since then (delay measured from the end of the
previous response, which is stricter than start-to-start).  Hosts are
independent, so several are crawled in parallel.

The delay for a host is the largest of the configured delay (loopback hosts
have their own, usually zero), the site's ``delay_seconds`` and robots.txt
``Crawl-delay``.  Waits use an :class:`threading.Event` so Ctrl-C or a
cancelled admin job ends them at once.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

MAX_BACKOFF_SECONDS = 60.0


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback IP (the fixture portals and the demo)."""
    if host.startswith("["):
        name = host[1:].split("]", 1)[0]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential backoff before retry number ``attempt`` (1, 2, 3 …)."""
    return min(MAX_BACKOFF_SECONDS, max(base, 0.25) * (2 ** (attempt - 1)))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now_dt = datetime.fromtimestamp(now if now is not None else time.time(), timezone.utc)
    return max(0.0, (when - now_dt).total_seconds())


class Stopped(Exception):
    """The crawl was asked to stop while waiting."""


class HostThrottle:
    """One connection per host and a minimum pause between its requests."""

    def __init__(self, stop: threading.Event | None = None):
        self.stop = stop or threading.Event()
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._next_time: dict[str, float] = {}
        self._delays: dict[str, float] = {}
        self._last_end: dict[str, float] = {}

    def set_delay(self, host: str, seconds: float) -> None:
        """Raise (never lower) the delay of ``host`` for this crawl.

        Applies to the wait after the request that just ended too (the
        robots.txt request that revealed a Crawl-delay, say).
        """
        with self._lock:
            delay = max(self._delays.get(host, 0.0), float(seconds))
            self._delays[host] = delay
            if host in self._last_end:
                self._next_time[host] = max(self._next_time.get(host, 0.0), self._last_end[host] + delay)

    def delay(self, host: str) -> float:
        return self._delays.get(host, 0.0)

    def defer(self, host: str, seconds: float) -> None:
        """Make the next request to ``host`` wait at least ``seconds`` from now."""
        with self._lock:
            self._next_time[host] = max(self._next_time.get(host, 0.0), time.monotonic() + seconds)

    def sleep(self, seconds: float) -> None:
        """Sleep unless stopped; raises :class:`Stopped` when asked to stop."""
        if seconds > 0 and self.stop.wait(seconds):
            raise Stopped()
        if self.stop.is_set():
            raise Stopped()

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold ``host``'s only connection slot for one request."""
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        while not host_lock.acquire(timeout=0.2):
            if self.stop.is_set():
                raise Stopped()
        try:
            wait = self._next_time.get(host, 0.0) - time.monotonic()
            self.sleep(wait)
            yield
        finally:
            with self._lock:
                end = self._last_end[host] = time.monotonic()
                self._next_time[host] = max(self._next_time.get(host, 0.0),
                                            end + self._delays.get(host, 0.0))
            host_lock.release()

"""A small in-process sliding-window rate limiter (per client address).

Enough for one ``khotin serve`` process: exports are expensive, so each
client may start ``export_per_minute`` of them per minute.  Old entries are
pruned on every hit and idle clients are forgotten, so memory stays bounded.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_CLIENTS = 10_000


class RateLimiter:
    def __init__(self, per_window: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.per_window = int(per_window)
        self.window = float(window)
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Record a hit for ``key``; None if allowed, else whole seconds until one is."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= MAX_CLIENTS:
                    self._forget_idle(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if self.per_window <= 0 or len(hits) >= self.per_window:
                wait = self.window if not hits else hits[0] + self.window - now
                return max(1, math.ceil(wait))
            hits.append(now)
            return None

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]

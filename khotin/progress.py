"""Progress reporting: a tqdm bar on a terminal, sparse plain lines otherwise.

Long steps (crawl, reindex, import) report ``(done, total)``; whether a human
watches a terminal or a log file reads the output decides the form.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    def __init__(self, desc: str, unit: str, stream: TextIO, interval: float = 5.0):
        self.desc = desc
        self.unit = unit
        self.stream = stream
        self.interval = interval
        self._bar = None
        self._last = time.monotonic()
        self._done = 0
        if stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(desc=desc, unit=unit, file=stream, dynamic_ncols=True, leave=False)

    def update_to(self, done: int, total: int | None = None) -> None:
        self._done = done
        if self._bar is not None:
            if total is not None and self._bar.total != total:
                self._bar.total = total
            self._bar.n = done
            self._bar.refresh()
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            of = f"/{total}" if total else ""
            print(f"{self.desc}: {done}{of} {self.unit}s", file=self.stream, flush=True)

    def write(self, line: str) -> None:
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextmanager
def progress_bar(desc: str, unit: str = "item", stream: TextIO | None = None) -> Iterator[Progress]:
    bar = Progress(desc, unit, stream or sys.stderr)
    try:
        yield bar
    finally:
        bar.close()

"""The writer of the concurrency soak: commits new and changed articles to the index in a loop.

Run as its own process (like a crawler would be)::

    python -m tests.reliability.soakwriter DATA_DIR --seconds 60

Every ``--interval`` seconds it adds ``--batch`` articles, each carrying a
unique marker word (``qx`` + letters) in its title, changes one earlier
article, and syncs the index; every ``--reindex-every``-th round it runs a
full rebuild (a directory swap under the readers' feet) instead.  After each
commit it prints one JSON line: ``{"markers": [...], "committed": epoch,
"kind": "sync"|"rebuild"}``, so the soak can measure when readers first
see each marker.
"""

from __future__ import annotations

import argparse
import json
import string
import sys
import time

from crawler.article import Article
from crawler.catalog import Catalog
from index.sync import rebuild_index, sync_index
from khotin.paths import DataDir
from khotin.settings import load_settings


def marker(n: int) -> str:
    """``qx`` + ``n`` in base 26 letters: one token, unique, found by no other query."""
    letters = ""
    n += 26 ** 3
    while n:
        n, r = divmod(n, 26)
        letters = string.ascii_lowercase[r] + letters
    return "qx" + letters


def soak_article(n: int, version: int = 0) -> Article:
    word = marker(n)
    return Article(
        url=f"https://soak.example.vn/tin/{n}",
        title=f"Tin kiểm thử {word} về xây dựng nông thôn mới",
        summary=f"Huyện ủy chỉ đạo {word} lần {version}.",
        body=f"Ủy ban nhân dân huyện triển khai nhiệm vụ {word}.\nPhiên bản {version} của bài viết.",
        site="soak", published=f"2024-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}",
        authors=["Thuý Ngà"] if n % 2 else ["Minh Tuấn"], category="Tin hoạt động",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--reindex-every", type=int, default=8)
    args = parser.parse_args(argv)
    data = DataDir.of(args.data)
    settings = load_settings(data.root)
    end = time.monotonic() + args.seconds
    n, rounds = 0, 0
    while time.monotonic() < end:
        started = time.monotonic()
        rounds += 1
        batch = [soak_article(n + i) for i in range(args.batch)]
        changed = [soak_article(rounds % max(n, 1), version=rounds)] if n else []
        n += args.batch
        with Catalog(data.catalog) as cat:
            cat.upsert_many(batch + changed)
        kind = "sync"
        if args.reindex_every and rounds % args.reindex_every == 0:
            rebuild_index(data, settings)
            kind = "rebuild"
        else:
            sync_index(data, settings)
        print(json.dumps({"markers": [marker(n - args.batch + i) for i in range(args.batch)],
                          "committed": time.time(), "kind": kind}), flush=True)
        time.sleep(max(0.0, args.interval - (time.monotonic() - started)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

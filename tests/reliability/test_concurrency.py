"""16 search clients against ``khotin serve`` while another process commits to the index.

The writer (``soakwriter.py``, its own process, like a crawler) adds and
changes articles every second and sometimes rebuilds the whole index (a
directory swap).  Meanwhile 16 client threads search, facet, open pages and
articles.  Promises: no error of any kind; every result names an article
that exists in the catalog, with its stored title intact; each new article
is found within a few seconds of its commit; the server's open file
descriptors and memory stay flat.  ``KHOTIN_SOAK_SECONDS`` sets the length
(CI 15 s; the recorded run 60 s).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

import pytest
import requests

from crawler.catalog import Catalog
from tests.conftest import build_data, generated_articles
from tests.reliability.conftest import REPO, SOAK_SECONDS
from tests.reliability.servers import Serve

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SOAK_SECONDS * 4 + 180)]

CLIENTS = 16
ID = re.compile(r"^[0-9a-f]{16}$")
QUERIES = ["huyen uy", "Huyện ủy", "UBND", "ủy ban nhân dân", "nong thon moi", '"nông thôn mới"',
           "đảng bộ", "dang", 'author:"Thuý Ngà"', "hội nghị OR giao ban", "tin -kiểm", "xây*",
           "", "qx*", "kiểm thử", "35-NQ/TW", "Mai Sơn", "tiem chung", "(a OR b) c"]


@dataclass
class Soak:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    results: dict[str, str] = field(default_factory=dict)   # id -> stored title seen
    lags: list[float] = field(default_factory=list)
    unseen: list[str] = field(default_factory=list)
    commits: Counter = field(default_factory=Counter)
    fds: list[int] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def client(base: str, soak: Soak, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    http = requests.Session()
    known: list[str] = []
    while not stop.is_set():
        roll = rng.random()
        params = {"q": rng.choice(QUERIES), "sort": rng.choice(["relevance", "newest", "oldest"]),
                  "page": str(rng.randint(1, 3)), "per_page": str(rng.choice([10, 20, 50, 100]))}
        if rng.random() < 0.2:
            params["from"], params["to"] = "2024-01-01", "2024-12-31"
        if rng.random() < 0.1:
            params["site"] = "soak"
        if roll < 0.65:
            url = "/api/search"
        elif roll < 0.8:
            url = "/"
        elif roll < 0.9:
            url = "/api/facets"
        elif known:
            url, params = f"/api/article/{rng.choice(known)}", {}
        else:
            url, params = "/healthz", {}
        try:
            response = http.get(base + url, params=params, timeout=60)
        except requests.RequestException as exc:
            soak.error(f"{url}: {type(exc).__name__}: {exc}")
            continue
        with soak.lock:
            soak.requests += 1
        if response.status_code != 200 or b"Traceback" in response.content:
            soak.error(f"{url} {params}: HTTP {response.status_code} {response.text[:200]}")
            continue
        if url == "/api/search":
            for r in response.json()["results"]:
                if not ID.match(r.get("id") or "") or not r.get("title"):
                    soak.error(f"malformed result {r}")
                    continue
                with soak.lock:
                    soak.results.setdefault(r["id"], r["title"])
                if len(known) < 500:
                    known.append(r["id"])


def probe(base: str, soak: Soak, pending: deque, stop: threading.Event) -> None:
    """Find each new marker as soon as possible after its commit; records the lag."""
    http = requests.Session()
    while not stop.is_set() or pending:
        if not pending:
            time.sleep(0.02)
            continue
        word, committed = pending[0]
        try:
            total = http.get(base + "/api/search", params={"q": word}, timeout=30).json()["total"]
        except (requests.RequestException, ValueError) as exc:
            soak.error(f"probe: {exc}")
            total = 0
        if total >= 1:
            with soak.lock:
                soak.lags.append(max(0.0, time.time() - committed))
            pending.popleft()
        elif time.time() - committed > 30 or (stop.is_set() and time.time() - committed > 10):
            soak.unseen.append(word)
            pending.popleft()
        else:
            time.sleep(0.05)


def run_soak(root, seconds: float) -> Soak:
    data = build_data(root / "data", generated_articles(300, seed=23))
    soak = Soak()
    with Serve(data.root, root / "serve.log") as server:
        stop = threading.Event()
        pending: deque = deque()
        threads = [threading.Thread(target=client, args=(server.base, soak, stop, i)) for i in range(CLIENTS)]
        threads.append(threading.Thread(target=probe, args=(server.base, soak, pending, stop)))
        for t in threads:
            t.start()
        time.sleep(2)  # warm-up: snapshot built, caches and threads in use
        soak.fds.append(server.fds())
        soak.rss.append(server.rss_mb())
        writer = subprocess.Popen([sys.executable, "-m", "tests.reliability.soakwriter", str(data.root),
                                   "--seconds", str(seconds)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        for line in writer.stdout:
            commit = json.loads(line)
            soak.commits[commit["kind"]] += 1
            pending.extend((word, commit["committed"]) for word in commit["markers"][:1])
            soak.fds.append(server.fds())
            soak.rss.append(server.rss_mb())
        if writer.wait() != 0:
            soak.error(f"the writer failed ({writer.returncode})")
        time.sleep(3)  # the clients see the last commits
        stop.set()
        for t in threads:
            t.join(120)
        soak.fds.append(server.fds())
        soak.rss.append(server.rss_mb())
    with Catalog(data.catalog, readonly=True) as cat:
        titles = {r["id"]: r["title"] for r in cat.conn.execute("SELECT id, title FROM articles")}
    for article_id, title in soak.results.items():
        if titles.get(article_id) != title:
            soak.errors.append(f"result {article_id} {title!r}: catalog has {titles.get(article_id)!r}")
    return soak


def test_sixteen_clients_during_commits_and_rebuilds(tmp_path):
    soak = run_soak(tmp_path, SOAK_SECONDS)
    lags = sorted(soak.lags)
    print(f"soak {SOAK_SECONDS}s: {soak.requests} requests by {CLIENTS} clients, {len(soak.errors)} errors, "
          f"{sum(soak.commits.values())} commits {dict(soak.commits)}, {len(soak.results)} distinct results, "
          f"visibility lag median {lags[len(lags) // 2]:.2f}s max {lags[-1]:.2f}s, "
          f"fds {soak.fds[0]}->{soak.fds[-1]} (max {max(soak.fds)}), "
          f"RSS {soak.rss[0]:.0f}->{soak.rss[-1]:.0f} MB (max {max(soak.rss):.0f})")
    assert soak.errors == []
    assert soak.requests > CLIENTS * SOAK_SECONDS                  # the clients were really served
    assert soak.commits["sync"] >= SOAK_SECONDS // 2 and soak.commits["rebuild"] >= 1
    assert soak.unseen == [] and len(lags) == sum(soak.commits.values())
    assert lags[-1] < 5.0                                          # visible within seconds of the commit
    assert soak.fds[-1] <= soak.fds[0] + 8                         # no leaked segment files or sockets
    assert max(soak.fds) <= soak.fds[0] + 40
    mid = soak.rss[len(soak.rss) // 2]
    assert soak.rss[-1] <= soak.rss[0] * 1.5 + 40                  # memory stays flat: bounded, and
    assert soak.rss[-1] - mid <= (mid - soak.rss[0]) + 15          # growing slower, not steadily (no leak)

"""Crawl benchmark: pages per second against the loopback fixture portals.

Three measurements over the same fixture portals, zero delay, each in its
own subprocess (so peak memory is per mode):

* ``full``: ``crawler.engine.crawl`` as ``khotin crawl`` runs it: fetching,
  robots.txt, WARC archive, catalog, frontier, extraction (worker
  processes) and indexing (``index.sync.sync_index`` every
  ``index_commit_every`` articles and once at the end);
* ``fetch``: the same crawl with a links-only extractor (lxml link scan,
  nothing stored as an article, no indexing): what the crawler itself costs
  on top of HTTP;
* ``plain``: a plain ``requests`` loop (one session per host, one thread)
  over exactly the URLs the full crawl requested: the floor.

The portal with a robots.txt ``Crawl-delay`` is left out by default (the
crawler honours it, so it would measure the delay), and so are the hazard
routes (slow page, 503).  Peak memory is ``ru_maxrss`` of the measuring
process, and separately of its children (extraction workers).  ``--check``
exits 1 below the pinned targets of issue 4: >= 50 requests/s for ``full``,
``fetch`` at least half the request rate of ``plain``.  Rates count HTTP
requests (robots.txt, redirects and retries included), the unit both the
crawler and the plain loop share; ``pages`` is URLs handled.

    python bench/crawl.py [--articles 40] [--portals a,b] [--check] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FULL_TARGET = 50.0        # pages/s with extraction and indexing
FETCH_RATIO_TARGET = 2.0  # crawler (fetch only) time / plain loop time


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(own, 1), round(kids, 1)


HREF = re.compile(rb"""<a\s[^>]*?href\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
FEED = re.compile(rb"""<link\s[^>]*?type=["']application/(?:rss|atom)\+xml["'][^>]*?href=["']([^"']+)""",
                  re.IGNORECASE)


class LinksOnly:
    """A stand-in extractor: ``<a href>`` and feed links by regex, never an article.

    The real extractor returns these links as a by-product of parsing, so
    this isolates what the crawler itself costs.
    """

    def __call__(self, content: bytes, url: str, *, headers: Any = None, profile: Any = None) -> Any:
        from types import SimpleNamespace
        from urllib.parse import urljoin, urlsplit

        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"

        def join(href: str) -> str:
            if href.startswith("/") and not href.startswith("//"):
                return origin + href  # the common case, without urljoin's cost
            return urljoin(url, href)

        def absolute(pattern: re.Pattern) -> list[str]:
            found = (join(m.decode("utf-8", "replace").strip()) for m in pattern.findall(content))
            return [u for u in found if u.startswith(("http://", "https://"))]

        return SimpleNamespace(links=absolute(HREF), feeds=absolute(FEED), meta_refresh=None,
                               robots_nofollow=False, robots_noindex=False, is_article=False,
                               canonical_url="")


def run_crawl(mode: str, sites_toml: str, workdir: Path) -> dict[str, Any]:
    from crawler.engine import crawl
    from crawler.sites import parse_sites
    from khotin.paths import DataDir
    from khotin.settings import load_settings

    data = DataDir.of(workdir / f"data-{mode}").ensure()
    settings = load_settings(data.root, {"allow_private_addresses": "true", "loopback_delay_seconds": "0"},
                             environ={})
    sites = parse_sites(sites_toml)
    sync = None
    extract = LinksOnly() if mode == "fetch" else None
    if mode == "full":
        try:
            from index.sync import sync_index
        except ImportError:
            sync_index = None
        if sync_index is not None:
            def sync() -> None:
                sync_index(data, settings)
    t0 = time.perf_counter()
    report = crawl(data, settings, sites, on_index=sync, extract=extract)
    if sync is not None:
        sync()
    seconds = time.perf_counter() - t0
    own, kids = _peak_mb()
    return {"mode": mode, "pages": report.fetched, "requests": report.requests, "seconds": seconds,
            "articles": report.new, "indexed": sync is not None, "errors": dict(report.errors),
            "peak_mb": own, "children_peak_mb": kids}


def run_plain(urls: list[str]) -> dict[str, Any]:
    import requests

    from crawler.urls import host_key

    sessions: dict[str, requests.Session] = {}
    total = 0
    t0 = time.perf_counter()
    for url in urls:
        session = sessions.setdefault(host_key(url), requests.Session())
        total += len(session.get(url, timeout=20, allow_redirects=False).content)
    seconds = time.perf_counter() - t0
    own, kids = _peak_mb()
    return {"mode": "plain", "pages": len(urls), "requests": len(urls), "seconds": seconds,
            "bytes": total, "peak_mb": own, "children_peak_mb": kids}


def child(args: argparse.Namespace) -> int:
    job = json.loads(Path(args.child).read_text(encoding="utf-8"))
    if job["mode"] == "plain":
        result = run_plain(job["urls"])
    else:
        result = run_crawl(job["mode"], job["sites_toml"], Path(job["workdir"]))
    print(json.dumps(result))
    return 0


def measure(job: dict[str, Any], workdir: Path) -> dict[str, Any]:
    path = workdir / f"job-{job['mode']}-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(job), encoding="utf-8")
    proc = subprocess.run([sys.executable, __file__, "--child", str(path)], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{job['mode']} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/crawl.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=40, help="articles per portal (default 40)")
    parser.add_argument("--portals", default="", help="comma-separated portals (default: all but the "
                                                      "Crawl-delay one)")
    parser.add_argument("--check", action="store_true", help="exit 1 below the pinned targets")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--child", metavar="JOB", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    from crawler.urls import canonicalize
    from khotin.fixtures.server import DEFAULT_PORTALS, FixtureServer

    with FixtureServer(articles_per_portal=args.articles, portals=_portals(args.portals, DEFAULT_PORTALS),
                       hazard_portal="none") as srv:
        sites_toml = srv.sites_toml()
        with tempfile.TemporaryDirectory(prefix="khotin-bench-") as tmp:
            workdir = Path(tmp)
            measure({"mode": "fetch", "sites_toml": sites_toml, "workdir": tmp}, workdir)  # warm-up
            start = len(srv.request_log)
            full = measure({"mode": "full", "sites_toml": sites_toml, "workdir": tmp}, workdir)
            urls = [canonicalize(srv.portals[r.portal].base_url.rstrip("/") + r.path
                                 + (f"?{r.query}" if r.query else ""))
                    for r in srv.request_log[start:]]
            fetch = measure({"mode": "fetch", "sites_toml": sites_toml, "workdir": tmp}, workdir)
            plain = measure({"mode": "plain", "urls": urls, "workdir": tmp}, workdir)
    results = [full, fetch, plain]
    for r in results:
        r["pages_per_s"] = r["requests"] / r["seconds"] if r["seconds"] else 0.0
    plain_rate = plain["pages_per_s"]
    command = "python bench/crawl.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    ok = full["pages_per_s"] >= FULL_TARGET and fetch["pages_per_s"] * FETCH_RATIO_TARGET >= plain_rate
    if args.json:
        print(json.dumps({"command": command.strip(), "cpus": os.cpu_count(), "results": results, "ok": ok},
                         indent=2))
    else:
        print(f"command: {command.strip()}   (cpus: {os.cpu_count()}, "
              f"{args.articles} articles per portal, zero delay)")
        print(f"{'mode':44} {'pages':>6} {'requests':>8} {'seconds':>8} {'req/s':>8} {'vs plain':>8} "
              f"{'peak MB':>8} {'workers MB':>10}")
        labels = {"full": "khotin crawl (fetch+archive+extract+index)",
                  "fetch": "khotin crawl (fetch+archive, links only)",
                  "plain": "plain requests loop (same URLs)"}
        for r in results:
            ratio = r["pages_per_s"] / plain_rate if plain_rate else 0.0
            print(f"{labels[r['mode']]:44} {r['pages']:>6} {r['requests']:>8} {r['seconds']:>8.2f} "
                  f"{r['pages_per_s']:>8.1f} "
                  f"{ratio:>7.2f}x {r['peak_mb']:>8.1f} {r['children_peak_mb']:>10.1f}")
        print(f"full crawl: {full['articles']} articles, indexed: {full['indexed']}; "
              f"targets: full >= {FULL_TARGET:.0f} req/s, fetch rate >= plain / {FETCH_RATIO_TARGET:.0f}: "
              f"{'met' if ok else 'MISSED'}")
    return 0 if ok or not args.check else 1


def _portals(option: str, default: tuple[str, ...]) -> list[str]:
    if option:
        return [p.strip() for p in option.split(",") if p.strip()]
    from khotin.fixtures.platforms import PLATFORMS

    return [p for p in default if not getattr(PLATFORMS[p], "crawl_delay", None)]


if __name__ == "__main__":
    raise SystemExit(main())

"""Web benchmark: `khotin serve` under 8 concurrent clients over loopback.

    python bench/web.py [--articles 100000] [--seconds 20] [--clients 8] [--workers 1]

Reuses the search benchmark's corpus (``bench/corpus.py``: a data directory
with N generated articles, built once under ``bench/out/``), starts
``python -m khotin serve`` as a subprocess on a free port, and runs phases of
``--seconds`` each with ``--clients`` threads:

1. ``/api/search``, uncached: the fixed query mix of ``corpus.latency_mix``
   (terms with and without diacritics, phrases, date filters with sorting,
   an author filter) where every request also gets a distinct
   ``per_page``/``page``/``to`` combination, so the service's result cache
   (keyed by parameters) never answers: each request is a real search;
2. ``/api/search``, the same mix repeated as is (result cache warm);
3. ``/`` (the HTML search page, same uncached mix);
4. one ``/export.jsonl`` of every article, with the server's memory before
   and after (streaming keeps it flat).

Reports requests/s, p50/p95/p99 latency (client side, body read) and
errors; writes ``bench/out/web-results.{md,json}``.  Exit status 1 when the
target is missed (p95 of uncached ``/api/search`` over 200 ms, or any error).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench import corpus  # noqa: E402
from bench.stats import pct  # noqa: E402

TARGET_P95_MS = 200.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uncached_requests(seed: int = 7, count: int = 50_000) -> list[dict]:
    """The latency mix with a distinct (per_page, page, to) per request."""
    rng = random.Random(seed)
    mix = corpus.latency_mix()
    out = []
    seen = set()
    far = date(2026, 1, 1)
    while len(out) < count:
        params = dict(rng.choice(mix))
        params["per_page"] = str(rng.randint(10, 30))
        params["page"] = str(rng.randint(1, 3))
        if "to" not in params:  # beyond every article: same matches, new cache key
            params["to"] = (far + timedelta(days=rng.randrange(3650))).isoformat()
        key = tuple(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            out.append(params)
    return out


class Server:
    def __init__(self, data_root: Path, threads: int | None, workers: int, memo: int | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "khotin", "--data-dir", str(data_root)]
        if threads:
            self.command += ["--set", f"threads={threads}"]
        if memo is not None:
            self.command += ["--set", f"search_memo={memo}"]
        self.command += ["serve", "--port", str(self.port), "--workers", str(workers)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "KHOTIN_EXPORT_LIMIT": "1000000"}
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 120.0) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: {self.proc.stdout.read().decode(errors='replace')}")
            try:
                if requests.get(self.base + "/healthz", timeout=30).ok:
                    return time.perf_counter() - started
            except requests.ConnectionError:
                time.sleep(0.1)
        raise SystemExit("server did not answer /healthz")

    def pids(self) -> list[int]:
        """The server process and its worker processes."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        extra = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [self.proc.pid, *extra]

    def rss_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS) in MB of the largest server process."""
        current = peak = 0.0
        for pid in self.pids():
            fields = {}
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                name, _, value = line.partition(":")
                fields[name] = value.strip()
            current = max(current, int(fields["VmRSS"].split()[0]) / 1024)
            peak = max(peak, int(fields["VmHWM"].split()[0]) / 1024)
        return current, peak

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def load_phase(base: str, path: str, requests_list: list[dict], seconds: float, clients: int) -> dict:
    """``clients`` threads take requests from one shared cycle until time is up."""
    source = itertools.cycle(requests_list)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        session = requests.Session()
        mine: list[float] = []
        while time.perf_counter() < stop_at:
            with lock:
                params = next(source)
            started = time.perf_counter()
            try:
                response = session.get(base + path, params=params, timeout=30)
                _ = response.content
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {params}")
            except requests.RequestException as exc:
                errors.append(f"{type(exc).__name__} {params}")
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": pct(latencies, 0.5),
            "p95": pct(latencies, 0.95), "p99": pct(latencies, 0.99), "max": max(latencies, default=0),
            "errors": len(errors), "error_samples": errors[:5]}


def export_phase(server: Server) -> dict:
    before, _ = server.rss_mb()
    started = time.perf_counter()
    rows = size = 0
    with requests.get(server.base + "/export.jsonl", stream=True, timeout=600) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line:
                rows += 1
                size += len(line) + 1
    elapsed = time.perf_counter() - started
    after, peak = server.rss_mb()
    return {"rows": rows, "mb": size / 1e6, "seconds": elapsed, "rows_per_s": rows / elapsed,
            "rss_before_mb": before, "rss_after_mb": after, "rss_peak_mb": peak}


def page_weight(base: str) -> dict:
    out = {}
    for label, path in (("/", "/"), ("/?q=huyen uy mai son", "/?q=huyen+uy+mai+son"),
                        ("/static/khotin.css", "/static/khotin.css"), ("/static/khotin.js", "/static/khotin.js")):
        out[label] = len(requests.get(base + path, timeout=30).content)
    return out


def markdown(args, command: str, server_command: str, results: dict) -> str:
    lines = [f"## Web benchmark ({args.articles:,} articles, {args.clients} clients, {args.workers} server "
             f"process(es), {args.seconds:g} s per phase)",
             "", f"Command: `{command}`  ", f"Server: `{server_command}`  ",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
             "client and server share the machine.", "",
             "| phase | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in results["phases"].items():
        lines.append(f"| {name} | {r['requests']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                     f"{r['p99']:.1f} | {r['max']:.0f} | {r['errors']} |")
    e = results["export"]
    if e.get("rows"):
        lines += ["", f"Export: `/export.jsonl` of {e['rows']:,} rows ({e['mb']:.0f} MB) in {e['seconds']:.1f} s "
                  f"({e['rows_per_s']:,.0f} rows/s); largest server process RSS {e['rss_before_mb']:.0f} MB "
                  f"before, {e['rss_after_mb']:.0f} MB after, peak {e['rss_peak_mb']:.0f} MB."]
    lines += ["", "Page weight (bytes): " + ", ".join(f"`{k}` {v:,}" for k, v in results["weight"].items()) + ".",
              "", f"Server start (index load) {results['startup_s']:.1f} s; first search {results['first_ms']:.0f} ms.",
              "", f"Target p95 of uncached /api/search <= {TARGET_P95_MS:.0f} ms with no errors: "
              + ("**met**" if results["ok"] else "**missed**")]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100_000, help="corpus size (built once under bench/out/)")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each load phase")
    ap.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    ap.add_argument("--threads", type=int, default=None, help="server threads (default: the threads setting)")
    ap.add_argument("--workers", type=int, default=1, help="server processes (khotin serve --workers)")
    ap.add_argument("--no-export", action="store_true", help="skip the full export phase")
    ap.add_argument("--memo", type=int, default=None,
                    help="search_memo setting of the server (0: every request evaluates its query afresh)")
    args = ap.parse_args(argv)
    command = "python " + " ".join(shlex.quote(a) for a in ["bench/web.py", *(argv or sys.argv[1:])])

    data = corpus.khotin_data(args.articles)
    server = Server(data.root, args.threads, args.workers, args.memo)
    try:
        startup = server.wait()
        started = time.perf_counter()
        requests.get(server.base + "/api/search", params={"q": "huyen uy"}, timeout=60).raise_for_status()
        first_ms = (time.perf_counter() - started) * 1000
        uncached = uncached_requests()
        load_phase(server.base, "/api/search", corpus.latency_mix(), 3, args.clients)  # warm postings
        phases = {
            "/api/search (uncached mix)": load_phase(server.base, "/api/search", uncached, args.seconds, args.clients),
            "/api/search (repeated mix, result cache)": load_phase(
                server.base, "/api/search", corpus.latency_mix(), args.seconds, args.clients),
            "/ (search page, uncached mix)": load_phase(server.base, "/", uncached[::-1], args.seconds, args.clients),
        }
        export = {"rows": 0, "mb": 0, "seconds": 0, "rows_per_s": 0, "rss_before_mb": 0,
                  "rss_after_mb": 0, "rss_peak_mb": 0}
        if not args.no_export:
            export = export_phase(server)
        weight = page_weight(server.base)
    finally:
        server.stop()
    api = phases["/api/search (uncached mix)"]
    ok = api["p95"] <= TARGET_P95_MS and all(p["errors"] == 0 for p in phases.values())
    results = {"articles": args.articles, "clients": args.clients, "seconds": args.seconds,
               "phases": phases, "export": export, "weight": weight, "startup_s": startup,
               "first_ms": first_ms, "ok": ok}
    text = markdown(args, command, " ".join(shlex.quote(a) for a in server.command[1:]), results)
    print(text)
    corpus.OUT.mkdir(parents=True, exist_ok=True)
    (corpus.OUT / "web-results.md").write_text(text, encoding="utf-8")
    (corpus.OUT / "web-results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    for name, p in phases.items():
        if p["errors"]:
            print(f"{name}: errors, e.g. {p['error_samples']}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

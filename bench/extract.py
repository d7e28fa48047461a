"""Extraction benchmark: speed and per-field accuracy on the fixture pages.

Runs, in one process and on the same pages (``khotin.fixtures.pages``):

* ``khotin``: :func:`crawler.extract.extract`, all layers;
* ``khotin-generic``: the same without the platform recognisers (what
  markup no rule was written for gets);
* ``trafilatura``: ``bare_extraction`` with metadata (the baseline of the
  issue), fields mapped to ours;
* ``htmldate``: ``find_date`` for the publication date only.

Speed is pages per CPU second of this process (one core), best of
``--repeat`` runs.  Accuracy uses :mod:`crawler.extract.evaluate` (the
tests' scoring).  ``--check`` exits 1 when khotin misses a target of
issue 3 (title and date 100 %, authors and organisation >= 97 %,
is_article 100 %, body F1 >= 0.97, held-out body F1 >= 0.9, >= 100
pages/s, each field ahead of trafilatura): the floors are pinned here.

    python bench/extract.py [--pages DIR] [--repeat 3] [--check] [--misses]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.extract import core  # noqa: E402
from crawler.extract.evaluate import FIELDS, Tally, score_page, token_f1  # noqa: E402

HELD_OUT = "heldout"
TARGETS = {"title": 1.0, "published": 1.0, "authors": 0.97, "organization": 0.97,
           "is_article": 1.0, "body": 0.97}
SPEED_TARGET = 100.0
Page = dict[str, Any]


def load_pages(directory: str | None) -> list[Page]:
    """Fixture pages from a directory written by ``khotin.fixtures.pages``, or built in memory."""
    if directory:
        out = []
        for meta_path in sorted(Path(directory).glob("*.meta.json")):
            name = meta_path.name[: -len(".meta.json")]
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            gold = json.loads((meta_path.parent / f"{name}.json").read_text(encoding="utf-8"))
            body = (meta_path.parent / f"{name}.html").read_bytes()
            out.append({"name": name, "url": meta["url"], "platform": meta["platform"],
                        "headers": meta.get("headers", {}), "body": body, "gold": gold})
        return out
    from khotin.fixtures.pages import iter_pages

    return [{"name": p.name, "url": p.url, "platform": p.platform, "headers": p.meta["headers"],
             "body": p.body, "gold": p.gold} for p in iter_pages()]


# --- extractors ------------------------------------------------------------------


def run_khotin(page: Page) -> dict[str, Any]:
    return core.extract(page["body"], page["url"], headers=page["headers"]).to_dict()


def run_khotin_generic(page: Page) -> dict[str, Any]:
    saved = core.LAYERS
    core.LAYERS = tuple(layer for layer in saved if layer[0] != "platform")
    try:
        return run_khotin(page)
    finally:
        core.LAYERS = saved


def _decoded(page: Page) -> str:
    from crawler.extract.encoding import decode_html

    return decode_html(page["body"], page["headers"]).text


def run_trafilatura(page: Page) -> dict[str, Any]:
    import trafilatura

    doc = trafilatura.bare_extraction(_decoded(page), url=page["url"], with_metadata=True,
                                      include_comments=False, include_tables=False)
    if doc is None:
        return {"is_article": False}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    authors = [a.strip() for a in (data.get("author") or "").replace(";", ",").split(",") if a.strip()]
    return {
        "title": data.get("title") or "", "published": data.get("date"), "authors": authors,
        "organization": "", "summary": data.get("description") or "", "body": data.get("text") or "",
        "category": ", ".join(data.get("categories") or []), "tags": data.get("tags") or [],
        "canonical_url": data.get("url") or page["url"], "is_article": bool(data.get("text")),
    }


def run_htmldate(page: Page) -> dict[str, Any]:
    from htmldate import find_date

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        day = find_date(_decoded(page), url=page["url"], original_date=True, extensive_search=True)
    return {"published": day}


EXTRACTORS: dict[str, tuple[Callable[[Page], dict[str, Any]], tuple[str, ...]]] = {
    "khotin": (run_khotin, FIELDS),
    "khotin-generic": (run_khotin_generic, FIELDS),
    "trafilatura": (run_trafilatura, ("title", "published", "authors", "organization", "summary",
                                      "body", "category", "tags", "canonical_url", "is_article")),
    "htmldate": (run_htmldate, ("published",)),
}


def _day(value: Any) -> str:
    return str(value or "")[:10]


def evaluate(name: str, pages: list[Page], repeat: int) -> tuple[Tally, float]:
    """Score one extractor; return the tally and pages per CPU second."""
    fn, fields = EXTRACTORS[name]
    best = float("inf")
    results: list[dict[str, Any]] = []
    for _ in range(max(1, repeat)):
        start = time.process_time()
        results = [fn(p) for p in pages]
        best = min(best, time.process_time() - start)
    tally = Tally()
    for page, pred in zip(pages, results):
        gold = page["gold"]
        score = score_page(page["name"], page["platform"], pred, gold, fields)
        if gold.get("is_article") and "published" in fields:
            score.scores["published (day)"] = float(_day(pred.get("published")) == _day(gold.get("published")))
        tally.add(score)
    return tally, len(pages) / best if best > 0 else float("inf")


# --- report ------------------------------------------------------------------------


def _fmt(value: float | None, field: str) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if field in ("body", "summary") else f"{100 * value:.1f}%"


def report(pages: list[Page], tallies: dict[str, Tally], speeds: dict[str, float]) -> list[str]:
    names = list(tallies)
    rows = ["| field | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for field in (*FIELDS[:2], "published (day)", *FIELDS[2:]):
        cells = [_fmt(tallies[n].mean(field), field) for n in names]
        if any(c != "-" for c in cells):
            rows.append(f"| {field} | " + " | ".join(cells) + " |")
    rows.append("| pages/s (1 core) | " + " | ".join(f"{speeds[n]:.0f}" for n in names) + " |")
    platforms = tallies["khotin"].platforms()
    cols = ("title", "published", "authors", "organization", "summary", "body", "is_article")
    rows += ["", "khotin per platform (`heldout`: no rule written for it):", "",
             "| platform | pages | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    for plat in platforms:
        t = tallies["khotin"]
        rows.append(f"| {plat} | {t.count('is_article', plat)} | "
                    + " | ".join(_fmt(t.mean(c, plat), c) for c in cols) + " |")
    articles = sum(1 for p in pages if p["gold"].get("is_article"))
    rows.insert(0, f"{len(pages)} fixture pages ({articles} articles, {len(pages) - articles} others), "
                   f"{len(platforms)} platforms.\n")
    return rows


def check(tallies: dict[str, Tally], speeds: dict[str, float]) -> list[str]:
    t = tallies["khotin"]
    failures = [f"{f}: {t.mean(f):.3f} < {target}" for f, target in TARGETS.items()
                if (t.mean(f) or 0.0) < target]
    held = t.mean("body", HELD_OUT)
    if held is not None and held < 0.9:
        failures.append(f"held-out body F1 {held:.3f} < 0.9")
    if speeds["khotin"] < SPEED_TARGET:
        failures.append(f"speed {speeds['khotin']:.0f} pages/s < {SPEED_TARGET:.0f}")
    if "trafilatura" in tallies:  # "each ahead of trafilatura on the same pages"
        other = tallies["trafilatura"]
        for f in ("title", "published", "authors", "organization", "body", "is_article"):
            if (t.mean(f) or 0.0) <= (other.mean(f) or 0.0):
                failures.append(f"{f}: not ahead of trafilatura ({t.mean(f):.3f} <= {other.mean(f):.3f})")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", metavar="DIR", help="fixture directory (default: build in memory)")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per extractor (best is kept)")
    parser.add_argument("--only", nargs="*", choices=list(EXTRACTORS), help="extractors to run")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--misses", action="store_true", help="list khotin's misses")
    args = parser.parse_args(argv)
    print("$ " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    print(f"# cpu: {os.cpu_count()} cores available, timing on one (process CPU time)\n")
    pages = load_pages(args.pages)
    names = args.only or list(EXTRACTORS)
    if "khotin" not in names:
        names.insert(0, "khotin")
    tallies, speeds = {}, {}
    for name in names:
        tallies[name], speeds[name] = evaluate(name, pages, args.repeat)
    print("\n".join(report(pages, tallies, speeds)))
    if args.misses:
        for field in FIELDS:
            for page, pred, gold in tallies["khotin"].misses(field):
                shown = f"F1 {token_f1(pred, gold):.3f}" if field in ("body", "summary") else f"{pred!r} != {gold!r}"
                print(f"miss {field} {page}: {shown}")
    if args.check:
        failures = check(tallies, speeds)
        for f in failures:
            print(f"TARGET MISSED: {f}")
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

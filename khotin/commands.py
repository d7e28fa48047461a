"""Subcommands for the archive as a whole: import, search, stats, reindex."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from khotin.errors import UserError
from khotin.paths import DataDir
from khotin.progress import progress_bar
from khotin.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import articles from a JSON Lines file")
    p.add_argument("file", help="JSON Lines file (one article per line), or - for stdin")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("search", help="search the archive")
    p.add_argument("query", nargs="?", default="", help='query, e.g. "huyen uy mai son" or author: Thúy Ngà')
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="published on or after")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="published on or before")
    p.add_argument("--author", help="author name (tone style and case do not matter)")
    p.add_argument("--site", help="site name from sites.toml")
    p.add_argument("--category", help="category as printed on the portal")
    p.add_argument("--sort", choices=("relevance", "newest", "oldest"), default="relevance")
    p.add_argument("--page", type=int, default=1, help="result page (from 1)")
    p.add_argument("--limit", type=int, default=10, help="results per page (at most 100)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("stats", help="article counts per site, last crawls, index size")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("demo", help="crawl the bundled fixture portals and serve them (offline)")
    p.add_argument("--host", default="127.0.0.1", help="address for the web UI (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port for the web UI (default 8000)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("reindex", help="rebuild the search index from the catalog (or the WARC archive)")
    p.add_argument("--from-archive", action="store_true",
                   help="first rebuild the catalog from the WARC files with the current extractor")
    p.set_defaults(func=cmd_reindex)


def _data(settings: Settings) -> DataDir:
    return DataDir.of(settings.data_path).ensure()


# -- import -------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.catalog import Catalog
    from crawler.jsonl_import import import_jsonl
    from index.sync import sync_index

    data = _data(settings)
    if args.file == "-":
        stream = sys.stdin.buffer
    else:
        path = Path(args.file)
        if not path.is_file():
            raise UserError(f"{args.file}: no such file")
        stream = path.open("rb")
    with stream, Catalog(data.catalog) as catalog:
        report = import_jsonl(catalog, stream)
    for line, message in report.errors[:50]:
        print(f"{args.file}:{line}: skipped: {message}", file=sys.stderr)
    if len(report.errors) > 50:
        print(f"… and {len(report.errors) - 50} more bad lines", file=sys.stderr)
    with progress_bar("indexing", unit="change") as bar:
        stats = sync_index(data, settings, progress=bar.update_to)
    print(f"imported {report.imported} articles ({report.new} new, {report.changed} changed, "
          f"{report.unchanged} unchanged), skipped {len(report.errors)} bad lines; "
          f"index updated ({stats.updated} documents)")
    return 0 if report.imported or not report.errors else 1


# -- search -------------------------------------------------------------------


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from search.params import SearchParams
    from search.service import SearchService
    from search.snippets import plain

    raw = {"q": args.query, "from": args.date_from, "to": args.date_to, "author": args.author,
           "site": args.site, "category": args.category, "sort": args.sort,
           "page": str(args.page), "per_page": str(args.limit)}
    params = SearchParams.from_mapping({k: v for k, v in raw.items() if v is not None})
    data = _data(settings)
    service = SearchService(data, settings)
    try:
        result = service.search(params)
    finally:
        service.close()
    if args.json:
        result.pop("took_ms", None)
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{result['total']} kết quả / results (page {result['page']} of {max(result['pages'], 1)})")
    if result["suggestion"]:
        print(f"Có phải bạn muốn tìm / did you mean: {result['suggestion']}")
    start = (result["page"] - 1) * result["per_page"]
    for i, r in enumerate(result["results"], start=start + 1):
        meta = " · ".join(x for x in (_vn_date(r["published"]), r["author"], r["site"]) if x)
        print(f"\n{i}. {r['title']}\n   {meta}\n   {plain(r['snippet'])}\n   {r['url']}")
    return 0


def _vn_date(iso: str | None) -> str:
    if not iso:
        return ""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


# -- stats --------------------------------------------------------------------


def collect_stats(data: DataDir) -> dict:
    from crawler.catalog import Catalog
    from index import store

    with Catalog(data.catalog) as catalog:
        counts = catalog.counts_by_site()
        crawls = catalog.last_crawls()
        total = catalog.count()
    sites = {name: {"articles": counts.get(name, 0), "last_crawl": crawls.get(name, {}).get("last_crawl")}
             for name in sorted(set(counts) | set(crawls))}
    documents = 0
    if store.exists(data.index):
        from whoosh import index as whoosh_index

        ix = whoosh_index.open_dir(str(data.index))
        try:
            documents = ix.doc_count()
        finally:
            ix.close()
    size = sum(p.stat().st_size for p in data.index.glob("*") if p.is_file()) if data.index.exists() else 0
    return {"articles": total, "sites": sites, "index": {"documents": documents, "bytes": size}}


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    stats = collect_stats(_data(settings))
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    print(f"articles: {stats['articles']}")
    print(f"index: {stats['index']['documents']} documents, {stats['index']['bytes'] / 1e6:.1f} MB")
    for name, site in stats["sites"].items():
        print(f"  {name}: {site['articles']} articles, last crawl {site['last_crawl'] or 'never'}")
    return 0


# -- demo ---------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from khotin.demo import run_demo

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: must be between 0 and 65535")
    return run_demo(settings, args.host, args.port)


# -- reindex ------------------------------------------------------------------


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    from index.sync import rebuild_index

    data = _data(settings)
    if args.from_archive:
        from crawler.rebuild import rebuild_catalog

        with progress_bar("reading WARC files", unit="byte") as bar:
            report = rebuild_catalog(data, settings, progress=bar.update_to)
        print(f"catalog rebuilt from the archive: {report}")
    with progress_bar("indexing", unit="article") as bar:
        count = rebuild_index(data, settings, progress=bar.update_to)
    print(f"index rebuilt: {count} documents")
    return 0

"""The baselines khotin's search is measured against, on the same corpus.

* :class:`StockWhoosh`: Whoosh 2.7.4 as documented — ``StandardAnalyzer``
  TEXT fields, ``MultifieldParser``, ``searcher.search`` with filters,
  ``sortedby`` and ``groupedby`` facets, exact totals with ``len(results)``.
* :class:`Fts5`: SQLite FTS5 with ``unicode61 remove_diacritics 2``, bm25
  ranking, ``count(*)`` and ``GROUP BY`` facets.

Both keep one long-lived searcher/connection, as khotin does.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.qparser import MultifieldParser
from whoosh.sorting import FieldFacet

from crawler.article import Article

VN = timezone(timedelta(hours=7))


def stock_schema() -> Schema:
    an = StandardAnalyzer()
    return Schema(
        url=ID(stored=True, unique=True), title=TEXT(analyzer=an), text=TEXT(analyzer=an),
        author=TEXT(analyzer=an), author_name=ID(sortable=True), site=ID(sortable=True),
        category=ID(sortable=True), published=DATETIME(sortable=True), year=NUMERIC(sortable=True),
        doc=STORED(),
    )


def stock_fields(a: Article) -> dict:
    dt = a.published_dt
    return {
        "url": a.url, "title": a.title,
        "text": "\n\n".join(p for p in (a.summary, a.body, *a.captions) if p),
        "author": a.author, "author_name": a.author or "-", "site": a.site, "category": a.category or "-",
        "published": dt.replace(tzinfo=None) if dt else datetime(1970, 1, 1), "year": dt.year if dt else 0,
        "doc": {"url": a.url, "title": a.title},
    }


class StockWhoosh:
    name = "stock Whoosh"

    def __init__(self, path: Path):
        self.ix = whoosh_index.open_dir(str(path))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "text", "author"], self.ix.schema)

    @staticmethod
    def build(path: Path, articles, procs: int = 1) -> None:
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        ix = whoosh_index.create_in(str(path), stock_schema())
        kwargs = {"procs": procs, "multisegment": True} if procs > 1 else {}
        w = ix.writer(limitmb=256, **kwargs)
        for a in articles:
            w.add_document(**stock_fields(a))
        w.commit()
        ix.close()

    def search(self, params: dict, limit: int = 10) -> tuple[list[str], int]:
        q = self.parser.parse(params.get("q") or "") if params.get("q") else wq.Every()
        filters = []
        if params.get("author"):
            filters.append(wq.Term("author_name", params["author"]))
        if params.get("from") or params.get("to"):
            low = datetime.fromisoformat(params["from"]) if params.get("from") else None
            high = datetime.fromisoformat(params["to"]) + timedelta(days=1) if params.get("to") else None
            filters.append(wq.DateRange("published", low, high))
        filt = wq.And(filters) if filters else None
        sort = params.get("sort", "relevance")
        sortedby = None if sort == "relevance" and params.get("q") else "published"
        reverse = sort != "oldest"
        facets = {"author": FieldFacet("author_name"), "site": FieldFacet("site"),
                  "category": FieldFacet("category"), "year": FieldFacet("year")}
        results = self.searcher.search(q, limit=limit, filter=filt, sortedby=sortedby, reverse=reverse,
                                       groupedby=facets)
        for name in facets:
            results.groups(name)
        urls = [hit["url"] for hit in results]
        return urls, len(results)

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


_FTS_TOKEN = re.compile(r'"[^"]*"|\S+')


def fts_query(text: str) -> str:
    """The user's query as FTS5 syntax: words quoted (AND), phrases kept, OR/NOT passed."""
    parts = []
    for tok in _FTS_TOKEN.findall(text):
        if tok in ("OR", "NOT", "AND"):
            parts.append(tok)
        elif tok.startswith('"'):
            inner = tok.strip('"').replace('"', "")
            if inner:
                parts.append(f'"{inner}"')
        else:
            word = tok.replace('"', "")
            if word:
                parts.append(f'"{word}"')
    while parts and parts[-1] in ("OR", "NOT", "AND"):
        parts.pop()
    return " ".join(parts)


class Fts5:
    name = "SQLite FTS5"

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, check_same_thread=False)

    @staticmethod
    def build(path: Path, articles) -> None:
        if path.exists():
            path.unlink()
        conn = sqlite3.connect(path)
        conn.execute("CREATE VIRTUAL TABLE docs USING fts5(title, text, author, url UNINDEXED, "
                      "author_name UNINDEXED, site UNINDEXED, category UNINDEXED, published UNINDEXED, "
                      "year UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')")
        rows = []
        for a in articles:
            dt = a.published_dt
            rows.append((a.title, "\n\n".join(p for p in (a.summary, a.body, *a.captions) if p), a.author,
                         a.url, a.author, a.site, a.category, dt.date().isoformat() if dt else None,
                         dt.year if dt else None))
            if len(rows) >= 5000:
                conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?)", rows)
                rows.clear()
        conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?)", rows)
        conn.commit()
        conn.close()

    def search(self, params: dict, limit: int = 10) -> tuple[list[str], int]:
        where, args = [], []
        q = fts_query(params.get("q") or "")
        if q:
            where.append("docs MATCH ?")
            args.append(q)
        if params.get("author"):
            where.append("author_name = ?")
            args.append(params["author"])
        if params.get("from"):
            where.append("published >= ?")
            args.append(params["from"])
        if params.get("to"):
            where.append("published <= ?")
            args.append(params["to"])
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        sort = params.get("sort", "relevance")
        order = "bm25(docs, 2.5, 1.0, 1.0)" if sort == "relevance" and q else (
            "published ASC" if sort == "oldest" else "published DESC")
        try:
            urls = [r[0] for r in self.conn.execute(
                f"SELECT url FROM docs{clause} ORDER BY {order} LIMIT ?", (*args, limit))]
            total = self.conn.execute(f"SELECT count(*) FROM docs{clause}", args).fetchone()[0]
            for col in ("author_name", "site", "category", "year"):
                self.conn.execute(f"SELECT {col}, count(*) FROM docs{clause} GROUP BY {col} "
                                  "ORDER BY 2 DESC LIMIT 20", args).fetchall()
        except sqlite3.OperationalError:
            return [], 0
        return urls, total

    def close(self) -> None:
        self.conn.close()


def to_stock_params(params: dict) -> dict:
    out = dict(params)
    for key in ("from", "to"):
        if isinstance(out.get(key), date):
            out[key] = out[key].isoformat()
    return out

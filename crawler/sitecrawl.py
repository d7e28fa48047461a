"""Crawling one site: take queued URLs, fetch politely, archive, extract, follow links.

One :class:`SiteCrawl` runs in one thread, so a site (and each of its
hosts) has one connection at a time; :class:`~crawler.gate.SiteGate`
decides what may be fetched and how fast.  The order of a run is fixed by
the frontier's priorities: sitemaps and feeds, then start pages, listings
and their pagination, then other pages, then attachments.

Incremental recrawl rule: a *known* pagination page is fetched again only
when the page before it held an article new to this run (and not merely
repeated from the page before it, as sidebars are); listings are walked
newest first, so pagination stops at the first page holding only known
articles.  Unknown pagination pages (a listing that grew) are always
added.  Known articles are re-requested with conditional GET (their ETag /
Last-Modified), so unchanged ones cost a 304.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .discover import PRIORITY, parse_feed, parse_sitemap, seed_urls, sniff
from .fetch import REDIRECT_CODES, Chain, follow_redirects, get_with_retries
from .frontier import Entry, NewURL
from .gate import SiteGate
from .pages import build_article, canonical_alias, dedup_key
from .politeness import Stopped
from .report import SiteReport
from .sites import Site
from .store import Written, local_time
from .urls import (
    canonicalize,
    is_attachment,
    is_pagination,
    listing_key,
    next_page,
    origin,
    page_number,
)
from .warc import payload_digest

if TYPE_CHECKING:
    from .engine import Context

log = logging.getLogger(__name__)

#: Chain errors that are decisions, not failures.
_HOP_SKIPS = {"offsite_redirect", "redirect_known"}


class SiteStop(Exception):
    """The site cannot be crawled now (robots.txt unavailable); its run stays open."""


class SiteCrawl:
    def __init__(self, ctx: Context, site: Site, report: SiteReport, budget: int):
        self.ctx = ctx
        self.site = site
        self.name = site.name
        self.report = report
        self.budget = budget
        self.run = 0
        self.pages = 0
        self.gate = SiteGate(ctx, site, on_sitemaps=self._add_sitemaps, on_chain=self._count_requests)
        self._listing_pages: dict[str, tuple[int, set[str]]] = {}  # listing -> last page walked

    # -- the loop ---------------------------------------------------------------

    def open(self) -> bool:
        """Resume or start the site's run; False if it already completed in this session."""
        opened = self.ctx.store.transaction(self._open_run)
        if opened is None:
            self.report.complete = True
            return False
        self.run, self.report.resumed = opened
        self.report.run_id = self.run
        return True

    def crawl(self) -> None:
        while not self.ctx.stop.is_set():
            if self.pages >= self.budget:
                return  # budget used: the run stays open and the next crawl continues it
            batch = self.ctx.store.read(lambda f: f.next_batch(self.name))
            if not batch:
                self.ctx.store.transaction(lambda: self.ctx.store.frontier.finish_run(self.run))
                self.report.complete = True
                return
            for entry in batch:
                if self.ctx.stop.is_set() or self.pages >= self.budget:
                    break
                current = self.ctx.store.read(lambda f, u=entry.url: f.get(self.name, u))
                if current is None or current.state != "queued":
                    continue  # handled meanwhile (redirect target, canonical page)
                try:
                    self.handle(current)
                except (Stopped, SiteStop):
                    raise
                except Exception as exc:  # a bug must cost one URL, not the crawl
                    log.exception("%s: internal error on %s", self.name, current.url)
                    self.report.errors["internal"] += 1
                    self._skip(current, "failed", f"internal: {type(exc).__name__}: {exc}"[:300])

    def _open_run(self) -> tuple[int, bool] | None:
        frontier = self.ctx.store.frontier
        run = frontier.current_run(self.name)
        if run is not None:
            return run, True
        if frontier.finished_in_session(self.name, self.ctx.session):
            return None
        run = frontier.start_run(self.name, self.site.recrawl_interval, self.ctx.session)
        frontier.seed(self.name, run, [
            NewURL(canonicalize(s.url), s.kind, PRIORITY[s.kind], probe=s.probe)
            for s in seed_urls(self.site)])
        return run, False

    def _add_sitemaps(self, sitemaps: list[str]) -> None:
        """robots.txt ``Sitemap:`` lines: start points of this run."""
        self.ctx.store.transaction(lambda: self.ctx.store.frontier.seed(
            self.name, self.run, [NewURL(u, "sitemap", PRIORITY["sitemap"]) for u in sitemaps]))

    def hop_check(self, target: str) -> tuple[str, str] | None:
        """Whether a redirect to ``target`` may be followed."""
        if not self.gate.in_scope(target):
            return "offsite_redirect", f"redirect out of the site to {target}"
        problem = self.ctx.safety.check(target)
        if problem:
            return "unsafe_address", problem
        if not self.gate.robots_allows(target):
            return "robots", f"redirect to {target}, disallowed by robots.txt"
        known = self.ctx.store.read(lambda f: f.get(self.name, target))
        if known is not None and known.run == self.run and known.state != "queued":
            return "redirect_known", f"redirect to {target}, already fetched in this crawl"
        return None

    # -- one URL ---------------------------------------------------------------------

    def handle(self, entry: Entry) -> None:
        url = entry.url
        if not self.gate.wanted(url):
            self._skip(entry, "skipped", "out_of_scope")
            self.report.skipped["out_of_scope"] += 1
            return
        problem = self.ctx.safety.check(url)
        if problem:
            log.warning("%s: refused %s: %s", self.name, url, problem)
            self._skip(entry, "failed", "unsafe_address")
            self.report.errors["unsafe_address"] += 1
            return
        policy = self.gate.policy(url)
        if policy is not None and policy.disallows_everything:
            raise SiteStop(f"robots.txt of {origin(url)} is unavailable "
                           f"(status {policy.status or 'no answer'}); try again later")
        if policy is not None and not policy.allowed(url, self.ctx.agent):
            self._skip(entry, "skipped", "robots")
            self.report.robots += 1
            self.ctx.progress(self.name, url, "robots")
            return
        chain = self.fetch(entry)
        self.pages += 1
        self.report.fetched += 1
        self._count_requests(chain)
        outcome = self.process(entry, chain)
        self.ctx.progress(self.name, chain.final_url, outcome)

    def _count_requests(self, chain: Chain) -> None:
        self.report.requests += len(chain.exchanges)
        self.report.bytes += sum(len(e.body) for e in chain.exchanges)

    def _skip(self, entry: Entry, state: str, reason: str) -> None:
        self.ctx.store.transaction(lambda: self.ctx.store.frontier.finish(
            self.name, entry.url, self.run, state=state, error=reason))

    def fetch(self, entry: Entry) -> Chain:
        settings = self.ctx.settings

        def get(u: str, first: bool):
            state = entry if first else self.ctx.store.read(lambda f: f.get(self.name, u))
            return get_with_retries(self.ctx.fetcher, self.ctx.throttle, u, headers=validators(state),
                                    max_retries=int(settings["max_retries"]),
                                    max_retry_after=float(settings["max_retry_after_seconds"]))

        return follow_redirects(get, entry.url, self.hop_check, canonicalize)

    def process(self, entry: Entry, chain: Chain) -> str:
        """Archive the chain and record what it means; returns a short outcome label."""
        final = chain.final
        final_url = chain.final_url
        state = entry if final_url == entry.url else self.ctx.store.read(lambda f: f.get(self.name, final_url))
        if chain.error or final is None or final.status is None:
            return self._record_failure(entry, chain)
        status = final.status
        previous = (state.payload_digest, state.warc_date) if state and state.payload_digest else None
        if status == 304 or (200 <= status < 300 and previous and not final.truncated
                             and previous[0] == payload_digest(final.body)):
            was_article = bool(state and state.kind == "article")
            self.report.not_modified += status == 304
            self.report.unchanged += was_article
            self._commit(entry, chain, previous, kind=None, status=status, ok=True, keep=True,
                         article_id=state.article_id if state else None)
            return "unchanged" if was_article else "not modified"
        if 200 <= status < 300:
            if final.truncated:
                self.report.errors["too_large"] += 1
                self._commit(entry, chain, previous, kind="too_large", status=status, ok=True)
                return "too large"
            return self._process_content(entry, chain, previous)
        if 300 <= status < 400:
            kind = f"http_{status}" if status not in REDIRECT_CODES else "redirect_without_location"
        else:
            kind = f"http_{status}"
        if not (entry.probe and status in (403, 404, 410)):
            self.report.errors[kind] += 1
        self._commit(entry, chain, None, kind=None, status=status, ok=False,
                     state="failed" if status >= 500 else "done", error=kind)
        return kind

    def _record_failure(self, entry: Entry, chain: Chain) -> str:
        reason = chain.error or (chain.final.error if chain.final else None) or "no_response"
        if reason == "robots":
            self.report.robots += 1
        elif reason in _HOP_SKIPS:
            self.report.skipped[reason] += 1
        else:
            self.report.errors[reason] += 1
            detail = chain.error_detail or (chain.final.error_detail if chain.final else "")
            log.info("%s: %s: %s %s", self.name, entry.url, reason, detail)
        status = next((e.status for e in reversed(chain.exchanges) if e.status is not None), None)
        final_state = "done" if reason in _HOP_SKIPS or reason == "robots" else "failed"
        self._commit(entry, chain, None, kind="redirect" if status in REDIRECT_CODES else None,
                     status=status, ok=False, state=final_state, error=reason, only_hops=True)
        return reason

    def _commit(self, entry: Entry, chain: Chain, previous: tuple[str, str] | None, *, kind: str | None,
                status: int | None, ok: bool, keep: bool = False, state: str = "done",
                error: str | None = None, article_id: str | None = None, only_hops: bool = False,
                extra: Any = None) -> None:
        frontier = self.ctx.store.frontier

        def apply(written: Written) -> str | None:
            self._finish_hops(chain, success=not only_hops)
            if not only_hops:
                final, ref = chain.final, written.final
                frontier.finish(
                    self.name, chain.final_url, self.run, state=state, kind=kind,
                    priority=PRIORITY.get(kind or "", None), status=status, error=error, ok=ok,
                    keep_validators=keep, etag=final.header("ETag"),
                    last_modified=final.header("Last-Modified"),
                    payload_digest=ref.payload_digest if ref else None,
                    warc_date=ref.warc_date if ref and ref.record_type == "response" else None)
            else:
                frontier.finish(self.name, entry.url, self.run, state=state, kind=kind, status=status,
                                error=error)
            frontier.count_page(self.run)
            if extra is not None:
                return extra(written)
            return article_id

        self.ctx.store.commit(self.name, chain.exchanges, apply, previous)

    def _finish_hops(self, chain: Chain, success: bool) -> None:
        """Mark the redirecting URLs of a chain as done (each hop is in the archive)."""
        frontier = self.ctx.store.frontier
        for ex in chain.exchanges:
            if success and ex.url == chain.final_url:
                continue
            if ex.status in REDIRECT_CODES:
                frontier.finish(self.name, ex.url, self.run, state="done", kind="redirect",
                                status=ex.status)

    # -- content ------------------------------------------------------------------------

    def _process_content(self, entry: Entry, chain: Chain, previous: tuple[str, str] | None) -> str:
        final = chain.final
        max_bytes = int(self.ctx.settings["max_response_bytes"])
        body, cut = final.decoded(max_bytes)
        if cut:
            self.report.errors["too_large"] += 1
            self._commit(entry, chain, previous, kind="too_large", status=final.status, ok=True)
            return "too large"
        what = sniff(final.content_type, body)
        depth = entry.depth + 1
        url = chain.final_url
        if what == "html" and entry.probe:
            what = "other"  # a soft 404 page answering a /sitemap.xml guess
        if what == "sitemap":
            pages, children = parse_sitemap(body, url)
            links = [NewURL(u, "sitemap", PRIORITY["sitemap"], depth) for u in self._scoped(children)]
            links += [self._link(u, depth) for u in self._scoped(pages)]
            self.report.sitemaps += 1
            return self._commit_links(entry, chain, previous, "sitemap", links)
        if what == "feed":
            links = [self._link(u, depth) for u in self._scoped(parse_feed(body, url))]
            self.report.feeds += 1
            return self._commit_links(entry, chain, previous, "feed", links)
        if what != "html":
            if what == "attachment":
                self.report.attachments += 1
            self._commit(entry, chain, previous, kind=what, status=final.status, ok=True)
            return what
        return self._process_html(entry, chain, previous, body, depth)

    def _scoped(self, urls: list[str]) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        for raw in urls:
            try:
                url = canonicalize(raw)
            except ValueError:
                continue
            if url not in seen and self.gate.wanted(url):
                seen.add(url)
                out.append(url)
        return out

    def _link(self, url: str, depth: int) -> NewURL:
        if is_attachment(url):
            return NewURL(url, "attachment", PRIORITY["attachment"], depth)
        if is_pagination(url):
            return NewURL(url, "pagination", PRIORITY["pagination"], depth, pagination=True)
        return NewURL(url, "page", PRIORITY["page"], depth)

    def _commit_links(self, entry: Entry, chain: Chain, previous: tuple[str, str] | None, kind: str,
                      links: list[NewURL], page_links: bool = False) -> str:
        def extra(written: Written) -> None:
            self._add_links(chain.final_url, links, page_links)
            return None

        self._commit(entry, chain, previous, kind=kind, status=chain.final.status, ok=True, extra=extra)
        return kind

    def _add_links(self, page_url: str, links: list[NewURL], page_links: bool) -> None:
        """Add unknown links; re-queue the next known pagination page only if this page was fresh.

        A listing page is *fresh* when it links to an article new to this run
        that the previous page of the same listing did not show: sidebars
        ("Tin mới", "most read") repeat on every page and must not keep the
        walk going, while a listing's own items appear on one page only.
        """
        frontier = self.ctx.store.frontier
        known = frontier.known(self.name, [n.url for n in links])
        items = {n.url for n in links if not n.pagination and n.kind != "attachment"}
        new_to_run = {u for u in items if u not in known or known[u][0] == self.run}
        follow = None
        if page_links:
            key, number = listing_key(page_url), page_number(page_url) or 1
            prev_number, prev_items = self._listing_pages.get(key, (0, set()))
            shown_before = prev_items if prev_number == number - 1 else set()
            self._listing_pages[key] = (number, items)
            if new_to_run - shown_before:
                follow = next_page(page_url, [n.url for n in links if n.pagination])
        new = []
        for item in links:
            if item.url in known:
                if item.url == follow and known[item.url][1] != self.run:
                    frontier.requeue(self.name, self.run, item.url)
                continue
            new.append(item)
        frontier.add(self.name, self.run, new)

    def _process_html(self, entry: Entry, chain: Chain, previous: tuple[str, str] | None,
                      body: bytes, depth: int) -> str:
        final = chain.final
        url = chain.final_url
        ex = self.ctx.extract(body, url, headers=dict(final.headers), profile=self.site.profile)
        raw_links = [] if ex.robots_nofollow else list(ex.links)
        if ex.meta_refresh:
            raw_links.append(ex.meta_refresh)
        links = [self._link(u, depth) for u in self._scoped(raw_links)]
        links += [NewURL(u, "feed", PRIORITY["feed"], depth) for u in self._scoped(list(ex.feeds))]
        alias = canonical_alias(ex.canonical_url, url, self.site.start_urls) if ex.is_article else None
        if alias and not (self.gate.wanted(alias) and self.gate.robots_allows(alias)):
            alias = None
        result = {"label": "listing"}
        frontier = self.ctx.store.frontier

        def extra(written: Written) -> str | None:
            ref = written.final
            self._add_links(url, links, page_links=True)
            if not ex.is_article:
                self.report.listings += 1
                self._set_kind(url, "listing")
                return None
            if ex.robots_noindex:
                self.report.skipped["noindex"] += 1
                result["label"] = "noindex"
                self._set_kind(url, "noindex")
                return None
            if alias:
                if not frontier.add(self.name, self.run, [NewURL(alias, "page", PRIORITY["listing"], depth)]):
                    frontier.requeue(self.name, self.run, alias)
                result["label"] = "alias"
                self._set_kind(url, "alias")
                return None
            article = build_article(ex, site=self.name, url=url, fetched_at=local_time(final.started),
                                    warc_file=ref.warc_file, warc_offset=ref.offset, warc_length=ref.length)
            key = dedup_key(article)
            other = frontier.article_with_hash(self.name, key, url) if key else None
            if other and other != article.id:
                self.report.duplicates += 1
                result["label"] = "duplicate"
                self._set_kind(url, "duplicate", article_id=other)
                return other
            outcome = self.ctx.store.catalog.upsert_in_transaction(article)
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)
            if outcome != "unchanged":
                self.ctx.changed_articles(1)
            result["label"] = outcome
            self._set_kind(url, "article", article_id=article.id, content_hash=article.content_hash)
            return article.id

        self._commit(entry, chain, previous, kind=None, status=final.status, ok=True, extra=extra)
        return result["label"]

    def _set_kind(self, url: str, kind: str, article_id: str | None = None,
                  content_hash: str | None = None) -> None:
        self.ctx.store.frontier.set_kind(self.name, url, kind, PRIORITY.get(kind, 2), article_id=article_id,
                                         content_hash=content_hash)


def validators(entry: Entry | None) -> dict[str, str]:
    """Conditional-GET headers from the last full response of a URL."""
    if entry is None or not entry.payload_digest or entry.status is None:
        return {}
    if not (200 <= entry.status < 300 or entry.status == 304):
        return {}
    headers = {}
    if entry.etag:
        headers["If-None-Match"] = entry.etag
    if entry.last_modified:
        headers["If-Modified-Since"] = entry.last_modified
    return headers


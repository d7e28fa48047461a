"""May this URL be fetched, and when?  Scope, robots.txt and delays of one site.

:class:`SiteGate` answers for one site: is a URL in scope (hosts,
include/exclude patterns, no media), what delay its host gets (``--delay``
over the site's ``delay_seconds`` over the loopback/non-loopback
settings, raised by robots.txt ``Crawl-delay``), and what robots.txt says
(loaded once per origin per crawl through the shared cache, its
``Sitemap:`` lines handed back to the crawl as new start points).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .discover import seed_urls
from .fetch import Chain, follow_redirects, get_with_retries
from .politeness import is_loopback_host
from .robots import MAX_ROBOTS_BYTES, RobotsPolicy, parse_robots
from .sites import Site
from .urls import MAX_URL_LENGTH, canonicalize, host_in_domains, host_key, is_media, origin

if TYPE_CHECKING:
    from .engine import Context


class SiteGate:
    def __init__(self, ctx: Context, site: Site, *, on_sitemaps: Callable[[list[str]], None],
                 on_chain: Callable[[Chain], None]):
        self.ctx = ctx
        self.site = site
        self.domains = site.domains
        self.seeds = {canonicalize(s.url) for s in seed_urls(site)}
        self._on_sitemaps = on_sitemaps
        self._on_chain = on_chain
        self._robots_seen: set[str] = set()
        self._wanted: dict[str, bool] = {}

    def in_scope(self, url: str) -> bool:
        return (url.startswith(("http://", "https://")) and len(url) <= MAX_URL_LENGTH
                and host_in_domains(url, self.domains) and not is_media(url))

    def wanted(self, url: str) -> bool:
        """In scope and not filtered out (start points are never filtered)."""
        known = self._wanted.get(url)
        if known is None:
            known = self.in_scope(url) and (url in self.seeds or not self.site.url_filtered(url))
            if len(self._wanted) < 200_000:
                self._wanted[url] = known
        return known

    def base_delay(self, host: str) -> float:
        if self.ctx.delay_override is not None:
            return self.ctx.delay_override
        if self.site.delay_seconds is not None:
            return self.site.delay_seconds
        if is_loopback_host(host):
            return float(self.ctx.settings["loopback_delay_seconds"])
        return float(self.ctx.settings["delay_seconds"])

    def policy(self, url: str) -> RobotsPolicy | None:
        """robots.txt of ``url``'s origin (loaded once per crawl); None when not obeyed."""
        host = host_key(url)
        self.ctx.throttle.set_delay(host, self.base_delay(host))
        if not self.ctx.settings["obey_robots"]:
            return None
        org = origin(url)
        policy = self.ctx.robots(org, self._load_robots)
        if org not in self._robots_seen:
            self._robots_seen.add(org)
            delay = policy.crawl_delay(self.ctx.agent)
            if delay:
                self.ctx.throttle.set_delay(host, delay)
            sitemaps = [canonicalize(urljoin(org + "/", u)) for u in policy.sitemaps]
            sitemaps = [u for u in sitemaps if self.in_scope(u)]
            if sitemaps:
                self.seeds.update(sitemaps)
                self._on_sitemaps(sitemaps)
        return policy

    def robots_allows(self, url: str) -> bool:
        policy = self.policy(url)
        return policy is None or policy.allowed(url, self.ctx.agent)

    def _load_robots(self, org: str) -> RobotsPolicy:
        settings = self.ctx.settings

        def get(u: str, first: bool):
            return get_with_retries(self.ctx.fetcher, self.ctx.throttle, u,
                                    max_retries=int(settings["max_retries"]),
                                    max_retry_after=float(settings["max_retry_after_seconds"]),
                                    max_bytes=MAX_ROBOTS_BYTES, partial=True)

        def check(target: str):
            problem = self.ctx.safety.check(target)
            return ("unsafe_address", problem) if problem else None

        chain = follow_redirects(get, org + "/robots.txt", check, canonicalize, max_hops=5)
        self._on_chain(chain)
        self.ctx.store.commit(self.site.name, chain.exchanges, lambda w: None)
        final = chain.final
        if chain.error in ("redirect_loop", "too_many_redirects", "offsite_redirect"):
            return parse_robots(404, None)  # RFC 9309: treat as unavailable, i.e. no rules
        if final is None or final.status is None or chain.error:
            return parse_robots(None, None)
        return parse_robots(final.status, final.decoded(MAX_ROBOTS_BYTES)[0])

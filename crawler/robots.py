"""robots.txt policy per origin (RFC 9309), parsed with protego.

What the status of ``/robots.txt`` means follows RFC 9309: a 2xx body is
parsed; 4xx means "no rules" (crawl everything); 5xx or an unreachable
server (and 429, as Google treats it) means "assume everything is
disallowed" for this crawl.  Only the
first :data:`MAX_ROBOTS_BYTES` are parsed (Google reads 500 KiB), so a
10 MB robots.txt can neither hang the parser nor exhaust memory — the
fetcher stops reading at the same cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego

MAX_ROBOTS_BYTES = 512 * 1024


def product_token(user_agent: str) -> str:
    """``khotin/0.1 (…)`` → ``khotin``: what robots.txt groups are matched against."""
    token = user_agent.strip().split("/", 1)[0].split()[0] if user_agent.strip() else "*"
    return token or "*"


@dataclass
class RobotsPolicy:
    """Rules of one origin, or a blanket allow/deny when there are none."""

    status: int | None
    parser: Protego | None = None
    allow_all: bool = False
    sitemaps: list[str] = field(default_factory=list)

    def allowed(self, url: str, agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        try:
            return bool(self.parser.can_fetch(url, agent))
        except Exception:  # a parser bug must not stop the crawl; stay on the safe side
            return False

    def crawl_delay(self, agent: str) -> float | None:
        if self.parser is None:
            return None
        try:
            delay = self.parser.crawl_delay(agent)
        except Exception:
            return None
        if delay is None:
            return None
        try:
            delay = float(delay)
        except (TypeError, ValueError):
            return None
        return delay if delay >= 0 else None

    @property
    def disallows_everything(self) -> bool:
        return self.parser is None and not self.allow_all


def parse_robots(status: int | None, body: bytes | None) -> RobotsPolicy:
    """Policy from the final status and body of a ``/robots.txt`` request.

    ``status`` None means the server could not be reached (or kept failing).
    """
    if status is not None and 200 <= status < 300:
        text = (body or b"")[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            parser = Protego.parse(text)
        except Exception:  # malformed beyond repair: treat like "no rules"
            return RobotsPolicy(status=status, allow_all=True)
        try:
            sitemaps = [s.strip() for s in parser.sitemaps if s and s.strip()]
        except Exception:
            sitemaps = []
        return RobotsPolicy(status=status, parser=parser, sitemaps=sitemaps)
    if status is not None and 400 <= status < 500 and status != 429:
        return RobotsPolicy(status=status, allow_all=True)
    return RobotsPolicy(status=status, allow_all=False)

"""HTTP fetching: one exchange, retries, and redirects followed by hand.

Every attempt becomes an :class:`Exchange` holding what the archive needs:
the request as sent, the status line, the headers and the payload exactly
as received (``Content-Encoding`` kept; chunked transfer coding removed by
the HTTP client).  Bodies are streamed and cut at ``max_response_bytes``;
a response announcing more is not read at all.  The decompressed size is
capped separately (:meth:`Exchange.decoded`), so a gzip bomb stays bounded.

:func:`get_with_retries` retries timeouts, connection errors, 5xx and 429
with exponential backoff, honouring ``Retry-After`` up to
``max_retry_after_seconds``.  :func:`follow_redirects` follows 3xx by hand
so each hop is checked (scope, robots, address safety) and recorded, and
detects loops.  Failed attempts that produced a response are returned too:
the archive keeps them.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from khotin.testpause import pause_point

from . import safety
from .politeness import HostThrottle, Stopped, backoff_seconds, parse_retry_after
from .urls import host_key

CHUNK = 64 * 1024
#: After a stop request, a response still arriving is read to the end (and
#: archived) if it started less than this long ago.
STOP_GRACE_SECONDS = 5.0
MAX_REDIRECTS = 10
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})


@dataclass
class Exchange:
    """One HTTP request and (unless ``error``) its response."""

    url: str
    method: str = "GET"
    request_target: str = "/"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    status: int | None = None
    reason: str = ""
    protocol: str = "HTTP/1.1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: str | None = None        # WARC-Truncated reason: "length", "time"
    started: float = 0.0                # epoch seconds
    elapsed: float = 0.0
    peer_ip: str | None = None
    error: str | None = None            # kind: timeout, connection, unsafe_address, …
    error_detail: str = ""
    retry_after: float | None = None

    def header(self, name: str) -> str | None:
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return None

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";", 1)[0].strip().lower()

    def decoded(self, max_bytes: int) -> tuple[bytes, bool]:
        """The body with Content-Encoding undone, at most ``max_bytes``; (body, cut)."""
        encoding = (self.header("Content-Encoding") or "").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            wbits = 47 if encoding != "deflate" else zlib.MAX_WBITS  # 47: gzip or zlib header
            try:
                return _inflate(self.body, max_bytes, wbits)
            except zlib.error:
                if encoding == "deflate":
                    try:
                        return _inflate(self.body, max_bytes, -zlib.MAX_WBITS)
                    except zlib.error:
                        pass
                return self.body[:max_bytes], len(self.body) > max_bytes
        return self.body[:max_bytes], len(self.body) > max_bytes


def _inflate(data: bytes, max_bytes: int, wbits: int) -> tuple[bytes, bool]:
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, max_bytes + 1)
    return out[:max_bytes], len(out) > max_bytes


class Fetcher:
    """Sends requests: one ``requests.Session`` (one connection) per host."""

    def __init__(self, settings: Mapping[str, Any], user_agent: str,
                 stop: threading.Event | None = None):
        self.timeout = float(settings["timeout_seconds"])
        self.max_bytes = int(settings["max_response_bytes"])
        self.settings = settings
        self.user_agent = user_agent
        self.stop = stop or threading.Event()
        self._sessions: dict[str, requests.Session] = {}
        self._lock = threading.Lock()

    def session(self, host: str) -> requests.Session:
        with self._lock:
            s = self._sessions.get(host)
            if s is None:
                s = requests.Session()
                # Proxy settings are read from the environment once per host, not on
                # every request (requests would scan os.environ each time).
                s.trust_env = False
                s.proxies = requests.utils.get_environ_proxies(f"http://{host}/") or {}
                adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
                s.mount("http://", adapter)
                s.mount("https://", adapter)
                s.headers.clear()
                s.headers.update({
                    "User-Agent": self.user_agent,
                    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                    "Accept-Language": "vi,en;q=0.5",
                    "Accept-Encoding": "gzip, deflate",
                    "Connection": "keep-alive",
                })
                self._sessions[host] = s
            return s

    def close(self) -> None:
        with self._lock:
            for s in self._sessions.values():
                s.close()
            self._sessions.clear()

    def fetch_once(self, url: str, headers: Mapping[str, str] | None = None,
                   max_bytes: int | None = None, partial: bool = False) -> Exchange:
        """One GET without redirects or retries; never raises except :class:`Stopped`.

        ``partial``: read the first ``max_bytes`` even when the response
        announces more (robots.txt); otherwise such a body is not read.
        """
        limit = self.max_bytes if max_bytes is None else max_bytes
        host = host_key(url)
        parts = urlsplit(url)
        ex = Exchange(url=url, request_target=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                      started=time.time())
        t0 = time.monotonic()
        try:
            resp = self.session(host).get(url, headers=dict(headers or {}), stream=True,
                                          allow_redirects=False, timeout=(self.timeout, self.timeout))
        except requests.Timeout as exc:
            return _failed(ex, "timeout", exc, t0)
        except requests.exceptions.SSLError as exc:
            return _failed(ex, "tls", exc, t0)
        except requests.ConnectionError as exc:
            return _failed(ex, "connection", exc, t0)
        except (requests.RequestException, ValueError, UnicodeError) as exc:
            return _failed(ex, "bad_request", exc, t0)
        try:
            pause_point("fetch")  # tests: a kill with the response half-received
            ex.request_headers = [("Host", parts.netloc), *resp.request.headers.items()]
            ex.status = resp.status_code
            ex.reason = resp.reason or ""
            ex.protocol = "HTTP/1.0" if getattr(resp.raw, "version", 11) == 10 else "HTTP/1.1"
            ex.headers = [(k, v) for k, v in resp.raw.headers.items()
                          if k.lower() != "transfer-encoding"]
            ex.peer_ip = _peer_ip(resp)
            problem = safety.peer_problem(ex.peer_ip, self.settings) if ex.peer_ip else None
            if problem:
                ex.status = None
                return _failed(ex, "unsafe_address", f"connected to a {problem}", t0)
            self._read_body(resp, ex, limit, t0, partial)
        finally:
            resp.close()
        ex.elapsed = time.monotonic() - t0
        return ex

    def _read_body(self, resp: requests.Response, ex: Exchange, limit: int, t0: float,
                   partial: bool) -> None:
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit and not partial:
            ex.truncated = "length"  # not worth downloading: keep the headers only
            return
        chunks: list[bytes] = []
        size = 0
        deadline = t0 + 3 * self.timeout
        try:
            for chunk in resp.raw.stream(CHUNK, decode_content=False):
                if self.stop.is_set() and time.monotonic() - t0 > STOP_GRACE_SECONDS:
                    raise Stopped()  # a slow body after Ctrl-C: give up; quick ones are finished
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    ex.truncated = "length"
                    break
                if time.monotonic() > deadline:
                    ex.truncated = "time"
                    break
        except Stopped:
            raise
        except Exception as exc:  # read timeout / reset mid-body: keep what arrived
            if not chunks:
                ex.error, ex.error_detail = _classify(exc), str(exc)[:300]
            else:
                ex.truncated = "disconnect"
        body = b"".join(chunks)
        ex.body = body[:limit]


def _peer_ip(resp: requests.Response) -> str | None:
    try:
        sock = resp.raw.connection.sock
        return sock.getpeername()[0] if sock else None
    except Exception:
        return None


def _classify(exc: BaseException) -> str:
    text = type(exc).__name__.lower() + " " + str(exc).lower()
    return "timeout" if "timeout" in text or "timed out" in text else "connection"


def _failed(ex: Exchange, kind: str, exc: object, t0: float) -> Exchange:
    ex.error = kind
    ex.error_detail = str(exc)[:300]
    ex.elapsed = time.monotonic() - t0
    return ex


def should_retry(ex: Exchange) -> bool:
    if ex.error in ("timeout", "connection"):
        return True
    return ex.status in RETRY_STATUSES


def get_with_retries(fetcher: Fetcher, throttle: HostThrottle, url: str, *,
                     headers: Mapping[str, str] | None = None, max_retries: int = 3,
                     max_retry_after: float = 300.0, max_bytes: int | None = None,
                     partial: bool = False) -> list[Exchange]:
    """Attempts for ``url`` until one is final; the last exchange is the outcome.

    A ``Retry-After`` longer than ``max_retry_after`` ends the attempts with
    ``error = "retry_after"`` on the last exchange (the URL is retried on a
    later crawl instead of blocking this one).
    """
    host = host_key(url)
    attempts: list[Exchange] = []
    for attempt in range(max_retries + 1):
        with throttle.slot(host):
            ex = fetcher.fetch_once(url, headers, max_bytes, partial)
        attempts.append(ex)
        if not should_retry(ex):
            break
        wait = None
        if ex.status in (429, 503):
            wait = parse_retry_after(ex.header("Retry-After"))
            ex.retry_after = wait
            if wait is not None and wait > max_retry_after:
                ex.error = "retry_after"
                ex.error_detail = f"server asked to wait {wait:.0f} s (more than {max_retry_after:.0f} s)"
                throttle.defer(host, min(wait, max_retry_after))
                break
        if attempt == max_retries:
            break
        if wait is None:
            wait = backoff_seconds(attempt + 1, max(throttle.delay(host), 0.5))
        throttle.defer(host, wait)
    return attempts


@dataclass
class Chain:
    """The exchanges of one URL: retries and redirect hops, in order."""

    exchanges: list[Exchange] = field(default_factory=list)
    final_url: str = ""
    error: str | None = None      # why there is no usable final response
    error_detail: str = ""
    redirects: list[str] = field(default_factory=list)  # URLs redirected to, in order

    @property
    def final(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None


#: ``check(url) -> reason or None``; a reason stops the chain before ``url`` is requested.
HopCheck = Callable[[str], "tuple[str, str] | None"]


def follow_redirects(get: Callable[[str, bool], list[Exchange]], url: str, check: HopCheck,
                     canonical: Callable[[str], str], max_hops: int = MAX_REDIRECTS) -> Chain:
    """Request ``url`` and follow redirects while ``check`` allows each target.

    ``get(url, first)`` performs one URL's attempts (``first`` tells whether
    conditional headers apply).  ``check`` returns ``(kind, detail)`` to stop
    before a target is requested: out of scope, robots, unsafe address,
    already fetched in this crawl.
    """
    chain = Chain(final_url=url)
    seen = {url}
    current = url
    for hop in range(max_hops + 1):
        attempts = get(current, hop == 0)
        chain.exchanges.extend(attempts)
        last = attempts[-1]
        chain.final_url = current
        if last.error:
            chain.error, chain.error_detail = last.error, last.error_detail
            return chain
        location = last.header("Location")
        if last.status not in REDIRECT_CODES or not location:
            return chain
        target = canonical(urljoin(current, location.strip()))
        if target in seen:
            chain.error, chain.error_detail = "redirect_loop", f"{current} redirects back to {target}"
            return chain
        if hop == max_hops:
            chain.error, chain.error_detail = "too_many_redirects", f"more than {max_hops} redirects"
            return chain
        stop = check(target)
        if stop:
            chain.error, chain.error_detail = stop
            chain.redirects.append(target)
            return chain
        seen.add(target)
        chain.redirects.append(target)
        current = target
    return chain

"""URL canonicalisation, scope and pagination: pure functions over strings.

One canonical form per page is what makes the frontier, the catalog id and
resumption agree: the same article reached with ``utm_*`` parameters, a
fragment, an explicit default port or an unencoded Vietnamese slug must map
to one key.  w3lib (Scrapy's URL toolkit) does the heavy lifting (sorted
query, percent-encoding, IDNA); this module adds what it leaves alone:
default ports, tracking parameters and ``;jsessionid`` path parameters.

Pagination is recognised from the URL alone, in the shapes the district
platforms use (``shared/docs/portals.md``): ``?page=N``, ``/page-N``,
``/trang-N.html``, ``/page/N/``, Liferay ``…_cur=N`` and the legacy ASP.NET
``?gd=..&cn=..&p=N``.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

MAX_URL_LENGTH = 2048

#: Query parameters that only track the visitor; dropping them merges URLs.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "_ga", "_gl", "igshid", "zarsrc", "zalo_source", "ref_src",
})
_TRACKING_PREFIXES = ("utm_",)
_SESSION_PATH_PARAM = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}

#: Links to these are documents worth keeping (stored, never parsed as articles).
ATTACHMENT_EXTENSIONS = frozenset({
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp",
    ".rtf", ".rar", ".zip", ".7z",
})
#: Media the crawler does not fetch: images and video are bulky and not news text.
MEDIA_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".svg", ".ico", ".tif", ".tiff",
    ".mp3", ".mp4", ".avi", ".mov", ".wmv", ".flv", ".webm", ".ogg", ".wav", ".m4a",
    ".css", ".js", ".woff", ".woff2", ".ttf", ".eot", ".exe", ".apk", ".iso",
})


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES)


#: URLs already in canonical shape except perhaps a default port: plain ASCII
#: path of unreserved characters, lower-case host, no query, fragment or dot segment.
_SIMPLE = re.compile(r"^(https?)://([a-z0-9.-]+)(?::(\d{1,5}))?(/[A-Za-z0-9._~/-]*)?$")


def _simple_canonical(url: str) -> str | None:
    """Canonical form of an already-plain URL, or None when the general path is needed."""
    m = _SIMPLE.match(url)
    if m is None:
        return None
    scheme, host, port, path = m.groups()
    path = path or "/"
    if not host or host.endswith(".") or any(seg in (".", "..") for seg in path.split("/")):
        return None
    if port is not None:
        if port != str(int(port)):
            return None  # leading zeros: let the general path decide
        if int(port) == _DEFAULT_PORTS[scheme]:
            port = None
    netloc = host if port is None else f"{host}:{port}"
    return f"{scheme}://{netloc}{path}"


@lru_cache(maxsize=65536)
def canonicalize(url: str) -> str:
    """The one form of ``url`` used as frontier key and request target (cached).

    Lower-case scheme and host, no default port, no fragment, no tracking or
    session parameters, sorted query, percent-encoded path (so ``/hội-nghị``
    and ``/h%E1%BB%99i-ngh%E1%BB%8B`` agree), ``/`` for an empty path and
    ``.``/``..`` segments resolved.  Menus repeat the same links on every
    page, hence the cache; plain URLs take a fast path.
    """
    url = url.strip()
    return _simple_canonical(url) or _general_canonical(url)


def _general_canonical(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port is not None else None
    if port is not None and _DEFAULT_PORTS.get(scheme) == port:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host and not host.startswith("["):  # IPv6 literal
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    path = _SESSION_PATH_PARAM.sub("", parts.path) or "/"
    if "." in path:
        path = remove_dot_segments(path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_tracking(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4: resolve ``.`` and ``..`` without touching anything else."""
    segs = path.split("/")
    out: list[str] = []
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def host_key(url: str) -> str:
    """``host[:port]`` as politeness unit: one connection and one delay per key."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    port = parts.port
    if port is None or _DEFAULT_PORTS.get(parts.scheme.lower()) == port:
        return host
    return f"{host}:{port}"


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (where robots.txt and sitemaps live)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{host_key(url)}"


def extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    name = path.rsplit("/", 1)[-1]
    return posixpath.splitext(name)[1]


def is_attachment(url: str) -> bool:
    return extension(url) in ATTACHMENT_EXTENSIONS


def is_media(url: str) -> bool:
    return extension(url) in MEDIA_EXTENSIONS


def default_domains(start_urls: list[str]) -> list[str]:
    """Scope when a site names no ``allowed_domains``: the start URLs' hosts.

    A non-default port stays part of the entry, so two fixture portals on
    one loopback address are two scopes.
    """
    out: list[str] = []
    for url in start_urls:
        key = host_key(url)
        if key and key not in out:
            out.append(key)
    return out


def _split_host_port(key: str) -> tuple[str, str | None]:
    """``host[:port]`` (IPv6 in brackets) → (host, port or None)."""
    key = key.lower().strip()
    if key.startswith("["):
        host, _, rest = key[1:].partition("]")
        return f"[{host}]", rest[1:] if rest.startswith(":") and rest[1:] else None
    if key.count(":") == 1:
        host, port = key.split(":")
        return host, port or None
    return key, None


def host_in_domains(url: str, domains: list[str]) -> bool:
    """True if ``url``'s host is one of ``domains`` (or a subdomain of one).

    An entry with a port (``127.0.0.1:8001``) matches that port only; an
    entry without a port matches default ports, and also ``www.`` variants
    and other subdomains, as Scrapy's ``allowed_domains`` does.
    """
    try:
        host, port = _split_host_port(host_key(url))
    except ValueError:
        return False
    if not host:
        return False
    for entry in domains:
        want_host, want_port = _split_host_port(entry)
        if want_port is not None:
            if host == want_host and port == want_port:
                return True
        elif port is None and (host == want_host or host.endswith("." + want_host)):
            return True
    return False


# -- pagination ---------------------------------------------------------------

_PATH_PAGE = (
    re.compile(r"/page-(\d{1,5})(?=/|\.html?$|$)", re.IGNORECASE),   # NukeViet
    re.compile(r"/trang-(\d{1,5})\.html?$", re.IGNORECASE),           # baosonla
    re.compile(r"/page/(\d{1,5})/?$", re.IGNORECASE),                 # WordPress
)
_QUERY_PAGE_NAMES = {"page", "trang", "paged", "pg", "pageindex", "pagenumber", "cur", "start_page"}


def _query_page(name: str, value: str, n_params: int) -> int | None:
    low = name.lower()
    if not value.isdigit() or len(value) > 5:
        return None
    if low in _QUERY_PAGE_NAMES or low.endswith("_cur"):
        return int(value)
    # Legacy ASP.NET ``?gd=14&cn=95&p=2``; a lone ``?p=123`` is a WordPress post.
    if low == "p" and n_params > 1:
        return int(value)
    return None


def page_number(url: str) -> int | None:
    """Page number if ``url`` is a pagination page of a listing, else None."""
    parts = urlsplit(url)
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        for name, value in pairs:
            n = _query_page(name, value, len(pairs))
            if n is not None:
                return n
    for pattern in _PATH_PAGE:
        m = pattern.search(parts.path)
        if m:
            return int(m.group(1))
    return None


def is_pagination(url: str) -> bool:
    n = page_number(url)
    return n is not None and n >= 2


def listing_key(url: str) -> str:
    """``url`` with its page number removed: pages of one listing share it."""
    parts = urlsplit(url)
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if _query_page(k, v, len(pairs)) is None]
        if len(kept) != len(pairs):
            return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))
    path = parts.path
    for pattern in _PATH_PAGE:
        m = pattern.search(path)
        if m:
            path = path[: m.start()] + path[m.end():]
            break
    path = re.sub(r"\.html?$", "", path, flags=re.IGNORECASE).rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def next_page(current: str, links: list[str]) -> str | None:
    """The link to the following page of the listing ``current`` belongs to."""
    key = listing_key(current)
    here = page_number(current) or 1
    best: tuple[int, str] | None = None
    for link in links:
        n = page_number(link)
        if n is None or n <= here or listing_key(link) != key:
            continue
        if best is None or n < best[0]:
            best = (n, link)
    return best[1] if best else None

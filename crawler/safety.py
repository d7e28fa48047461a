"""Refuse URLs that point into private networks (SSRF protection).

Admins add portals through the web UI, and a redirect can send the crawler
anywhere, so every host is resolved and refused when any of its addresses
is loopback, link-local, private, multicast, reserved or unspecified —
unless the ``allow_private_addresses`` setting is on (tests and the demo
crawl loopback portals).

Name resolution goes through :data:`resolver`, a module-level hook so tests
can make a loopback fixture look "public" and prove that a redirect to
127.0.0.1 is still refused.  The check resolves the name and the HTTP
client resolves it again when connecting; :func:`peer_problem` checks the
address actually connected to, so DNS rebinding between the two lookups
is caught before the response is used (the request itself has been sent).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to, via the operating system."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


#: Replace (tests) with a function ``(host, port) -> [address, ...]``.
resolver: Resolver = system_resolver


def address_problem(address: str) -> str | None:
    """Why ``address`` must not be fetched, or None if it is a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, label in (
        ("is_loopback", "loopback"), ("is_link_local", "link-local"),
        ("is_multicast", "multicast"), ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"), ("is_private", "private"),
    ):
        if getattr(ip, test):
            return f"{label} address {ip}"
    if not ip.is_global:
        return f"non-public address {ip}"
    return None


def check_url_allowed(url: str, settings: Mapping[str, Any],
                      resolve: Resolver | None = None) -> str | None:
    """None if ``url`` may be fetched, else a reason a person can read.

    Checks the scheme (http/https only), that there is a host, and — unless
    ``allow_private_addresses`` — that every address of the host is public.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"malformed URL {url!r}: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"only http and https URLs can be crawled, not {parts.scheme or 'no scheme'!r}"
    host = parts.hostname
    if not host:
        return f"URL {url!r} has no host"
    if settings.get("allow_private_addresses"):
        return None
    if port is None:
        port = 443 if parts.scheme.lower() == "https" else 80
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        try:
            addresses = (resolve or resolver)(host, port)
        except (OSError, UnicodeError) as exc:
            return f"cannot resolve {host}: {exc}"
    if not addresses:
        return f"{host} resolves to no address"
    for address in addresses:
        problem = address_problem(address)
        if problem:
            return f"{host} resolves to a {problem} (set allow_private_addresses to crawl it)"
    return None


def peer_problem(address: str, settings: Mapping[str, Any]) -> str | None:
    """Check of the address a connection actually reached (after the client's own DNS lookup).

    This narrows the DNS-rebinding gap: a name that resolved to a public
    address for :func:`check_url_allowed` but to a private one for the
    HTTP client is caught here, before the body is read.
    """
    if settings.get("allow_private_addresses"):
        return None
    return address_problem(address)


class HostSafety:
    """Per-crawl cache of :func:`check_url_allowed` by host, so DNS runs once per host."""

    def __init__(self, settings: Mapping[str, Any]):
        self.settings = settings
        self._cache: dict[str, str | None] = {}

    def check(self, url: str) -> str | None:
        try:
            parts = urlsplit(url)
            key = f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{parts.port}"
        except ValueError as exc:
            return f"malformed URL {url!r}: {exc}"
        if key not in self._cache:
            self._cache[key] = check_url_allowed(url, self.settings)
        return self._cache[key]

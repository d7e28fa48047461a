import gzip
import socket
import time

from crawler.fetch import Fetcher, follow_redirects, get_with_retries
from crawler.politeness import HostThrottle
from crawler.urls import canonicalize

from .crawl_helpers import loopback_settings, page, send, tiny_server

UA = "khotin-test/1 (+https://example.org)"


def fetcher(tmp_path, **overrides):
    return Fetcher(loopback_settings(tmp_path, **overrides), UA)


def chunked(total: int, piece: int = 65536):
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        sent = 0
        try:
            while sent < total:
                data = b"x" * min(piece, total - sent)
                h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                sent += len(data)
            h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
    return route


def test_request_and_response_are_recorded_as_sent(tmp_path):
    with tiny_server({"/a": page("<html>xin chào</html>", headers={"ETag": '"v1"'})}) as srv:
        ex = fetcher(tmp_path).fetch_once(srv.base + "/a", {"If-None-Match": '"v0"'})
    assert ex.status == 200 and ex.body == "<html>xin chào</html>".encode()
    assert ex.header("etag") == '"v1"'
    sent = dict(ex.request_headers)
    assert sent["User-Agent"] == UA and sent["If-None-Match"] == '"v0"' and sent["Host"].startswith("127.0.0.1:")
    assert ex.peer_ip == "127.0.0.1"


def test_declared_oversize_body_is_not_downloaded(tmp_path):
    big = b"y" * 300_000
    with tiny_server({"/big": page(big)}) as srv:
        ex = fetcher(tmp_path, max_response_bytes=100_000).fetch_once(srv.base + "/big")
    assert ex.truncated == "length" and ex.body == b"" and ex.status == 200


def test_streamed_oversize_body_is_cut(tmp_path):
    with tiny_server({"/stream": chunked(5_000_000)}) as srv:
        ex = fetcher(tmp_path, max_response_bytes=200_000).fetch_once(srv.base + "/stream")
    assert ex.truncated == "length" and len(ex.body) == 200_000
    assert all(k.lower() != "transfer-encoding" for k, _ in ex.headers)


def test_gzip_bomb_is_bounded_when_decoded(tmp_path):
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire
    headers = {"Content-Encoding": "gzip"}
    with tiny_server({"/bomb": page(bomb, headers=headers)}) as srv:
        ex = fetcher(tmp_path, max_response_bytes=1_000_000).fetch_once(srv.base + "/bomb")
    assert ex.truncated is None and len(ex.body) == len(bomb)  # stored as sent
    body, cut = ex.decoded(1_000_000)
    assert cut and len(body) == 1_000_000


def test_503_with_retry_after_then_200(tmp_path):
    calls = []

    def flaky(h):
        calls.append(time.monotonic())
        if len(calls) == 1:
            send(h, 503, b"busy", headers={"Retry-After": "1"})
        else:
            send(h, 200, b"<html>ok</html>")

    with tiny_server({"/f": flaky}) as srv:
        attempts = get_with_retries(fetcher(tmp_path), HostThrottle(), srv.base + "/f", max_retries=3)
    assert [a.status for a in attempts] == [503, 200]
    assert calls[1] - calls[0] >= 0.95


def test_retry_after_too_long_defers_instead_of_waiting(tmp_path):
    with tiny_server({"/f": page("busy", status=503, headers={"Retry-After": "3600"})}) as srv:
        t0 = time.monotonic()
        attempts = get_with_retries(fetcher(tmp_path), HostThrottle(), srv.base + "/f",
                                    max_retries=3, max_retry_after=5)
    assert len(attempts) == 1 and attempts[0].error == "retry_after"
    assert time.monotonic() - t0 < 2


def test_5xx_retried_with_backoff_then_given_up(tmp_path):
    with tiny_server({"/e": page("oops", status=500)}) as srv:
        attempts = get_with_retries(fetcher(tmp_path), HostThrottle(), srv.base + "/e", max_retries=2)
    assert [a.status for a in attempts] == [500, 500, 500]


def test_timeout_is_retried_and_classified(tmp_path):
    def slow(h):
        time.sleep(1.0)
        send(h, 200, b"late")

    with tiny_server({"/slow": slow}) as srv:
        attempts = get_with_retries(fetcher(tmp_path, timeout_seconds=0.3), HostThrottle(),
                                    srv.base + "/slow", max_retries=1)
    assert [a.error for a in attempts] == ["timeout", "timeout"]


def test_connection_refused_is_classified(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    ex = fetcher(tmp_path).fetch_once(f"http://127.0.0.1:{port}/")
    assert ex.error == "connection" and ex.status is None


def test_redirects_followed_recorded_and_loops_detected(tmp_path):
    routes = {
        "/old": page("", status=301, headers={"Location": "/new?utm_source=x"}),
        "/new": page("<html>new</html>"),
        "/a": page("", status=302, headers={"Location": "/b"}),
        "/b": page("", status=302, headers={"Location": "/a"}),
        "/out": page("", status=302, headers={"Location": "http://elsewhere.example/"}),
    }
    with tiny_server(routes) as srv:
        f = fetcher(tmp_path)

        def get(u, first):
            return get_with_retries(f, HostThrottle(), u, max_retries=0)

        def check(target):
            return None if target.startswith(srv.base) else ("offsite_redirect", target)

        ok = follow_redirects(get, srv.base + "/old", check, canonicalize)
        assert ok.error is None and ok.final_url == srv.base + "/new"
        assert [e.status for e in ok.exchanges] == [301, 200]
        loop = follow_redirects(get, srv.base + "/a", check, canonicalize)
        assert loop.error == "redirect_loop" and len(loop.exchanges) == 2
        out = follow_redirects(get, srv.base + "/out", check, canonicalize)
        assert out.error == "offsite_redirect" and len(out.exchanges) == 1

import threading
import time

import pytest

from crawler.politeness import (
    HostThrottle,
    Stopped,
    backoff_seconds,
    is_loopback_host,
    parse_retry_after,
)


def test_retry_after_forms():
    assert parse_retry_after("7") == 7
    now = 1_700_000_000
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:40 GMT", now=now) == pytest.approx(20, abs=1)
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_grows_and_is_capped():
    assert [backoff_seconds(n, 1) for n in (1, 2, 3)] == [1, 2, 4]
    assert backoff_seconds(20, 1) == 60


def test_loopback_hosts():
    assert is_loopback_host("127.0.0.1:8001") and is_loopback_host("localhost")
    assert is_loopback_host("[::1]:80") and not is_loopback_host("maison.sonla.gov.vn")


def test_one_request_at_a_time_and_delay_between():
    throttle = HostThrottle()
    throttle.set_delay("h", 0.15)
    spans = []
    lock = threading.Lock()

    def worker():
        for _ in range(2):
            with throttle.slot("h"):
                start = time.monotonic()
                time.sleep(0.02)
                with lock:
                    spans.append((start, time.monotonic()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans.sort()
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:]):
        assert s2 >= e1 + 0.14  # never overlapping, and the delay counted from the end


def test_other_hosts_are_not_delayed():
    throttle = HostThrottle()
    throttle.set_delay("slow", 5)
    with throttle.slot("slow"):
        pass
    t0 = time.monotonic()
    with throttle.slot("fast"):
        pass
    assert time.monotonic() - t0 < 0.1


def test_stop_ends_a_wait():
    stop = threading.Event()
    throttle = HostThrottle(stop)
    throttle.defer("h", 30)
    threading.Timer(0.1, stop.set).start()
    t0 = time.monotonic()
    with pytest.raises(Stopped), throttle.slot("h"):
        pass
    assert time.monotonic() - t0 < 2


def test_delay_learned_after_a_request_applies_to_the_next_one():
    throttle = HostThrottle()
    with throttle.slot("h"):   # e.g. the robots.txt request
        pass
    throttle.set_delay("h", 0.3)  # its Crawl-delay
    t0 = time.monotonic()
    with throttle.slot("h"):
        pass
    assert time.monotonic() - t0 >= 0.25

import pytest

from crawler import safety
from crawler.safety import HostSafety, address_problem, check_url_allowed

STRICT = {"allow_private_addresses": False}
LOOSE = {"allow_private_addresses": True}


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "100.64.0.1", "240.0.0.1",
])
def test_non_public_addresses_are_refused(address):
    assert address_problem(address) is not None


def test_public_address_is_fine():
    assert address_problem("203.113.131.1") is None
    assert address_problem("2001:4860:4860::8888") is None


def test_literal_ips_and_schemes():
    assert "loopback" in check_url_allowed("http://127.0.0.1:8000/", STRICT)
    assert "link-local" in check_url_allowed("http://169.254.169.254/latest/meta-data/", STRICT)
    assert check_url_allowed("http://127.0.0.1:8000/", LOOSE) is None
    assert "only http and https" in check_url_allowed("file:///etc/passwd", LOOSE)
    assert "no host" in check_url_allowed("http:///x", LOOSE)


def test_names_are_resolved_through_the_hook(monkeypatch):
    table = {"maison.sonla.gov.vn": ["203.113.131.1"], "internal.example": ["10.0.0.5"],
             "mixed.example": ["203.113.131.1", "192.168.0.2"]}
    monkeypatch.setattr(safety, "resolver", lambda host, port: table[host])
    assert check_url_allowed("https://maison.sonla.gov.vn/", STRICT) is None
    assert "private" in check_url_allowed("https://internal.example/", STRICT)
    assert "private" in check_url_allowed("https://mixed.example/", STRICT)  # any bad address refuses


def test_unresolvable_host_is_a_reason_not_an_exception(monkeypatch):
    def fail(host, port):
        raise OSError("Name or service not known")
    monkeypatch.setattr(safety, "resolver", fail)
    assert "cannot resolve" in check_url_allowed("https://nowhere.invalid/", STRICT)


def test_host_cache_resolves_once(monkeypatch):
    calls = []
    monkeypatch.setattr(safety, "resolver", lambda h, p: calls.append(h) or ["203.113.131.1"])
    cache = HostSafety(STRICT)
    for path in ("a", "b", "c"):
        assert cache.check(f"https://maison.sonla.gov.vn/{path}") is None
    assert calls == ["maison.sonla.gov.vn"]

from crawler.urls import (
    canonicalize,
    host_in_domains,
    is_attachment,
    is_media,
    is_pagination,
    listing_key,
    next_page,
    page_number,
)


def test_canonicalize_merges_variants_of_one_page():
    variants = [
        "HTTP://Maison.SonLa.gov.vn:80/tin-tuc/hội-nghị?b=2&a=1&utm_source=zalo#binh-luan",
        "http://maison.sonla.gov.vn/tin-tuc/h%e1%bb%99i-ngh%e1%bb%8b?a=1&b=2&fbclid=XYZ",
        "http://maison.sonla.gov.vn/tin-tuc/h%E1%BB%99i-ngh%E1%BB%8B?a=1&gclid=1&b=2",
        "http://maison.sonla.gov.vn/x/../tin-tuc/./hội-nghị;jsessionid=ABC123?b=2&a=1",
    ]
    assert len({canonicalize(v) for v in variants}) == 1
    assert canonicalize(variants[0]) == "http://maison.sonla.gov.vn/tin-tuc/h%E1%BB%99i-ngh%E1%BB%8B?a=1&b=2"


def test_canonicalize_keeps_meaningful_parts():
    assert canonicalize("https://x.vn:443") == "https://x.vn/"
    assert canonicalize("https://x.vn:8443/a") == "https://x.vn:8443/a"
    assert canonicalize("http://127.0.0.1:8001/page/2/") == "http://127.0.0.1:8001/page/2/"
    # Liferay portlet parameters and ASP.NET ids are content, not tracking
    url = "http://x.vn/web/guest/tin?p_p_id=abc&_abc_cur=3"
    assert "_abc_cur=3" in canonicalize(url) and "p_p_id=abc" in canonicalize(url)


def test_pagination_shapes_of_the_platforms():
    assert page_number("http://x.vn/tin-tuc?page=3") == 3
    assert page_number("http://x.vn/vi/news/tin-tuc/page-2") == 2
    assert page_number("http://x.vn/thoi-su/trang-4.html") == 4
    assert page_number("http://x.vn/category/kinh-te/page/5/") == 5
    assert page_number("http://x.vn/web/guest/tin?_com_liferay_INSTANCE_x_cur=6&_x_delta=25") == 6
    assert page_number("http://x.vn/default.aspx?cn=95&gd=14&p=7") == 7
    assert page_number("http://x.vn/?p=123") is None        # a WordPress post, not a page
    assert page_number("http://x.vn/tin-tuc/bai-viet-215301") is None
    assert is_pagination("http://x.vn/tin?page=2") and not is_pagination("http://x.vn/tin?page=1")


def test_next_page_stays_in_its_listing():
    links = ["http://x.vn/kinh-te/page/3/", "http://x.vn/kinh-te/page/2/", "http://x.vn/xa-hoi/page/2/"]
    assert next_page("http://x.vn/kinh-te/", links) == "http://x.vn/kinh-te/page/2/"
    assert next_page("http://x.vn/kinh-te/page/2/", links) == "http://x.vn/kinh-te/page/3/"
    assert next_page("http://x.vn/kinh-te/page/3/", links) is None
    assert listing_key("http://x.vn/thoi-su/trang-2.html") == listing_key("http://x.vn/thoi-su.html")


def test_scope_by_domain_and_port():
    assert host_in_domains("https://www.maison.sonla.gov.vn/a", ["maison.sonla.gov.vn"])
    assert not host_in_domains("https://mocchau.sonla.gov.vn/a", ["maison.sonla.gov.vn"])
    assert not host_in_domains("https://evilmaison.sonla.gov.vn.attacker.io/", ["maison.sonla.gov.vn"])
    assert host_in_domains("http://127.0.0.1:8001/x", ["127.0.0.1:8001"])
    assert not host_in_domains("http://127.0.0.1:8002/x", ["127.0.0.1:8001"])
    assert not host_in_domains("http://maison.sonla.gov.vn:8080/x", ["maison.sonla.gov.vn"])


def test_attachment_and_media_extensions():
    assert is_attachment("http://x.vn/van-ban/signed-QD-123.PDF")
    assert is_attachment("http://x.vn/files/ke-hoach.docx")
    assert not is_attachment("http://x.vn/tin/bai.html")
    assert is_media("http://x.vn/anh/hoi-nghi.jpg")


def test_fast_path_agrees_with_the_general_one():
    from crawler import urls
    samples = ["http://x.vn", "http://x.vn/", "http://x.vn:80/a/b", "https://x.vn:443/a", "http://x.vn:8080/a-b_c.d~e/",
               "http://127.0.0.1:41805/category/kinh-te/page/2/", "https://maison.sonla.gov.vn/tin-tuc/bai-215301",
               "http://x.vn/a/./b", "http://x.vn/a/../b", "http://x.vn:0080/a", "http://x.vn/a/.", "http://x.vn./a"]
    for url in samples:
        fast = urls._simple_canonical(url)
        slow = urls._general_canonical(url)
        assert fast is None or fast == slow, (url, fast, slow)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_seg = st.text("abcXYZ019._~-", min_size=0, max_size=8)


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["http", "https"]), host=st.sampled_from(["x.vn", "127.0.0.1", "a-b.sonla.gov.vn"]),
       port=st.one_of(st.none(), st.integers(1, 65535)), segs=st.lists(_seg, max_size=5),
       slash=st.booleans())
def test_fast_path_agrees_on_generated_urls(scheme, host, port, segs, slash):
    from crawler import urls
    url = f"{scheme}://{host}" + (f":{port}" if port else "") + ("/" + "/".join(segs) if segs or slash else "")
    fast = urls._simple_canonical(url)
    assert fast is None or fast == urls._general_canonical(url), url

"""Small hand-written pages for extraction tests (our own text and markup).

``article_page`` renders one article in a deliberately plain, class-free
layout so the tests exercise the generic layer; keyword arguments swap in
the pieces a test is about.
"""

from __future__ import annotations

PARAS = [
    "CTTĐT - Sáng ngày 12/3, UBND xã Tà Hộc tổ chức hội nghị sơ kết công tác quý I và triển "
    "khai nhiệm vụ trọng tâm quý II năm 2024, với sự tham dự của đại diện các bản trên địa bàn.",
    "Trong quý I, xã đã hoàn thành việc giao quân, thu ngân sách đạt 35% dự toán, đường giao "
    "thông nông thôn được duy tu thường xuyên; công tác chăm sóc sức khỏe nhân dân được chú trọng.",
    "Phát biểu kết luận, đồng chí Chủ tịch UBND xã đề nghị các bản tập trung chăm sóc cây trồng "
    "vụ xuân, chủ động phòng chống cháy rừng và giữ vững an ninh trật tự trên địa bàn.",
]


def article_page(*, title: str = "Xã Tà Hộc sơ kết công tác quý I năm 2024",
                 head: str = "", date_line: str = "Thứ Ba, 12/03/2024 15:20",
                 lead: str = "", paras: list[str] | None = None, figure: str = "",
                 byline: str = "<p>(Lò Sơn - Trung tâm Truyền thông và Văn hóa huyện Mai Sơn)</p>",
                 after: str = "", crumbs: str = '<a href="/">Trang chủ</a> › <a href="/tin-co-so">Tin cơ sở</a>',
                 site: str = "Cổng thông tin điện tử huyện Mai Sơn") -> str:
    paras = PARAS if paras is None else paras
    body = "\n".join(f"<p>{p}</p>" for p in paras[:1]) + figure + "\n".join(f"<p>{p}</p>" for p in paras[1:])
    sidebar = "".join(f'<li><a href="/tin/{i}">Tin khác số {i} về hoạt động của huyện trong tháng</a> '
                      f"<span>0{i}/02/2024</span></li>" for i in range(1, 7))
    return f"""<!DOCTYPE html><html lang="vi-VN"><head><meta charset="utf-8">
<title>{title} - {site}</title>
<meta property="og:site_name" content="{site}">
{head}
</head><body>
<div class="top"><a href="/"><img src="/logo.png" alt="logo"></a><span>{site.upper()}</span></div>
<ul class="mn"><li><a href="/">Trang chủ</a></li><li><a href="/tin-co-so">Tin cơ sở</a></li>
<li><a href="/kinh-te">Kinh tế</a></li><li><a href="/van-hoa">Văn hóa</a></li><li><a href="/lien-he">Liên hệ</a></li>
<li><a href="/hoi-dap">Hỏi đáp</a></li><li><a href="/van-ban">Văn bản</a></li><li><a href="/tim-kiem">Tìm kiếm</a></li></ul>
<div class="w"><div class="l">
<div class="c1">{crumbs}</div>
<h1>{title}</h1>
<div class="c2">{date_line}</div>
{lead}
<div class="c3">
{body}
{byline}
</div>
{after}
<div class="c4"><h3>Tin liên quan</h3><ul>{sidebar[:400]}</ul></div>
</div>
<div class="r"><h3>Tin mới</h3><ul>{sidebar}</ul></div></div>
<div class="b"><p>{site}</p><p>Cơ quan chủ quản: Ủy ban nhân dân huyện Mai Sơn</p>
<p>Địa chỉ: Tiểu khu 10, thị trấn Hát Lót, huyện Mai Sơn, tỉnh Sơn La. Điện thoại: 0212.3843.000</p></div>
</body></html>"""


def listing_page() -> str:
    items = "".join(
        f'<div class="it"><h3><a href="/tin-co-so/bai-{i}">Xã số {i} triển khai kế hoạch phát triển '
        f'kinh tế năm 2024</a></h3><p>0{i}/03/2024</p><p>Sáng ngày {i}/3, UBND xã tổ chức hội nghị '
        f"triển khai kế hoạch phát triển kinh tế - xã hội, bảo đảm quốc phòng - an ninh năm 2024 "
        f"với sự tham dự của đông đảo cán bộ, nhân dân.</p></div>" for i in range(1, 9))
    return f"""<html lang="vi"><head><meta charset="utf-8"><title>Tin cơ sở - Cổng TTĐT huyện Mai Sơn</title>
<link rel="alternate" type="application/rss+xml" href="/rss/tin-co-so"></head><body>
<div><a href="/">Trang chủ</a> › <a href="/tin-co-so">Tin cơ sở</a></div>
<h2>Tin cơ sở</h2><div class="ds">{items}</div>
<div class="pg"><a href="/tin-co-so?page=2">2</a> <a href="/tin-co-so?page=3">3</a></div></body></html>"""

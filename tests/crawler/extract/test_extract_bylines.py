"""Bylines in every shape of portals.md: names, units, labels, PV."""

from __future__ import annotations

import pytest

from crawler.extract.bylines import is_brand, is_organization, looks_like_name, parse_byline


@pytest.mark.parametrize(("text", "names", "org"), [
    ("Thúy Hoa", ["Thúy Hoa"], ""),
    ("VIỆT HÙNG", ["VIỆT HÙNG"], ""),
    ("XUÂN HIẾU - XUÂN THỊNH", ["XUÂN HIẾU", "XUÂN THỊNH"], ""),
    ("(Thuý Ngà - Ban Tuyên giáo Huyện uỷ Mai Sơn)", ["Thuý Ngà"], "Ban Tuyên giáo Huyện uỷ Mai Sơn"),
    ("Tác giả: Thu Hằng, Báo Sơn La", ["Thu Hằng"], "Báo Sơn La"),
    ("Tác giả: Minh Hòa, Trung tâm Truyền thông và Văn hóa huyện Mộc Châu", ["Minh Hòa"],
     "Trung tâm Truyền thông và Văn hóa huyện Mộc Châu"),
    ("Tác giả: Thu Hằng, Vũ Mừng", ["Thu Hằng", "Vũ Mừng"], ""),
    ("Tin, ảnh: Lò Sơn", ["Lò Sơn"], ""),
    ("Tin và ảnh: Ngọc Lan", ["Ngọc Lan"], ""),
    ("Báo Sơn La", [], "Báo Sơn La"),
    ("Nguồn: Báo Sơn La", [], "Báo Sơn La"),
    ("Nguồn tin: Phòng Văn hóa và Thông tin huyện Sông Mã", [], "Phòng Văn hóa và Thông tin huyện Sông Mã"),
    ("Nguồn: baosonla.vn", [], "baosonla.vn"),
    ("Theo Báo Sơn La", [], "Báo Sơn La"),
    ("Thu Hằng - Vũ Mừng - 21:13, 23/05/2024", ["Thu Hằng", "Vũ Mừng"], ""),
    ("Xuân Hiếu - 20:19, 14/09/2024 (Phòng Văn hóa và Thông tin huyện Yên Châu)", ["Xuân Hiếu"],
     "Phòng Văn hóa và Thông tin huyện Yên Châu"),
    ("(Hồng Hạnh - Đài Truyền thanh - Truyền hình huyện Phù Yên)", ["Hồng Hạnh"],
     "Đài Truyền thanh - Truyền hình huyện Phù Yên"),
    ("Thanh Thủy (Trung tâm TT-VH huyện)", ["Thanh Thủy"], "Trung tâm TT-VH huyện"),
    ("Thúy Hoa.", ["Thúy Hoa"], ""),
])
def test_bylines(text: str, names: list[str], org: str) -> None:
    b = parse_byline(text)
    assert b is not None, text
    assert b.names == names
    assert b.organization == org


def test_pv_is_an_anonymous_reporter() -> None:
    b = parse_byline("PV")
    assert b is not None and b.kind == "pv"


@pytest.mark.parametrize("text", [
    "Hội nghị kết thúc",
    "Xã Chiềng Mung tổ chức hội nghị",
    "Đại biểu tham dự Hội nghị Ban Chỉ đạo 35 huyện 9 tháng đầu năm 2024",
    "Hà Văn Bình - Phó Bí thư Thường trực Huyện ủy",
    "CTTĐT - Sáng ngày 27/9, UBND huyện tổ chức hội nghị tổng kết công tác năm.",
    "Quang cảnh buổi làm việc. Ảnh: Thu Hằng",
    "Tin liên quan",
    "Lượt xem: 15",
    "",
    "x" * 300,
])
def test_not_bylines(text: str) -> None:
    assert parse_byline(text) is None


def test_names_and_units() -> None:
    assert looks_like_name("Thuý Ngà") and looks_like_name("XUÂN HIẾU")
    assert not looks_like_name("Xuân hiếu")
    assert not looks_like_name("Báo Sơn La")
    assert looks_like_name("Tùng", single=True) and not looks_like_name("Tùng")
    assert is_organization("Ban Tuyên giáo Huyện uỷ Mai Sơn")
    assert is_organization("Cổng thông tin điện tử huyện Mai Sơn")
    assert is_organization("UBND huyện Mai Sơn")
    assert not is_organization("Hội nghị kết thúc")


def test_brand() -> None:
    brands = ["Cổng thông tin điện tử huyện Mộc Châu", "mocchau.sonla.gov.vn"]
    assert is_brand("Cổng Thông tin Điện tử huyện Mộc Châu", brands)
    assert is_brand("mocchau.sonla.gov.vn", brands)
    assert not is_brand("Thu Hằng", brands)

"""Vietnamese dates: day first, labels and weekdays ignored, times attached."""

from __future__ import annotations

import pytest

from crawler.extract.dates import find_dates, parse_iso_datetime, parse_vn_date


@pytest.mark.parametrize(("text", "iso"), [
    ("Thứ Sáu, 27/09/2024 08:30", "2024-09-27T08:30:00+07:00"),
    ("Cập nhật lúc: 18:00 |22/05/2022", "2022-05-22T18:00:00+07:00"),
    ("False 15612Ngày cập nhật 05/11/2018", "2018-11-05"),
    ("ngày 27 tháng 9 năm 2024", "2024-09-27"),
    ("Ngày 11 tháng 07 năm 2019", "2019-07-11"),
    ("14/11/2021 4:24:PM", "2021-11-14T16:24:00+07:00"),
    ("3/2/2024", "2024-02-03"),
    ("Thứ tư, 08 Tháng 9 2021 15:09", "2021-09-08T15:09:00+07:00"),
    ("29-01-2024, 13:54", "2024-01-29T13:54:00+07:00"),
    ("Thứ 2, 17/06/2024 | 18:48:56 (GMT +7)", "2024-06-17T18:48:56+07:00"),
    ("Cập nhật lúc 09:09, Thứ Sáu, 09/11/2018 (GMT+7)", "2018-11-09T09:09:00+07:00"),
    ("17:06 | 17/09/2019", "2019-09-17T17:06:00+07:00"),
    ("Gửi lúc: 05/12/2013 15:42:27", "2013-12-05T15:42:27+07:00"),
    ("Thu Hằng - Vũ Mừng - 21:13, 23/05/2024", "2024-05-23T21:13:00+07:00"),
    ("Ngày đăng 22/08/2012 | 08:15 | View count: 551", "2012-08-22T08:15:00+07:00"),
    ("( Cập nhật lúc: 24/07/2019 )", "2019-07-24"),
    ("Thứ sáu - 27/09/2024 08:30", "2024-09-27T08:30:00+07:00"),
    ("27.9.2024", "2024-09-27"),
    ("12/01/2021 12:05:AM", "2021-01-12T00:05:00+07:00"),
    ("Sáng 08h30 ngày 27/09/2024", "2024-09-27T08:30:00+07:00"),
])
def test_printed_dates(text: str, iso: str) -> None:
    found = parse_vn_date(text)
    assert found is not None, text
    assert found.iso() == iso


def test_day_always_comes_first() -> None:
    d = parse_vn_date("3/2/2024")
    assert (d.day, d.month) == (3, 2)
    assert parse_vn_date("31/12/2023").iso() == "2023-12-31"
    assert parse_vn_date("12/31/2023") is None  # no month 31: not read month-first


@pytest.mark.parametrize("text", [
    "Lượt xem: 1542", "Điện thoại: 0212.3852.191", "Số 35-NQ/TW", "", "Mai Sơn",
    "tỷ lệ 12.5%", "99/99/2024",
])
def test_not_dates(text: str) -> None:
    assert parse_vn_date(text) is None


def test_counter_glued_to_label_does_not_leak_into_the_date() -> None:
    d = parse_vn_date("False 15612Ngày cập nhật 05/11/2018")
    assert (d.year, d.month, d.day, d.hour) == (2018, 11, 5, None)
    assert d.label == "modified"


def test_labels() -> None:
    text = "Ngày đăng: 01/03/2024 07:00 - Cập nhật: 02/03/2024 10:15"
    first, second = find_dates(text)
    assert (first.label, second.label) == ("published", "modified")
    assert first.iso() == "2024-03-01T07:00:00+07:00"
    assert second.iso() == "2024-03-02T10:15:00+07:00"


def test_a_view_counter_is_not_a_time() -> None:
    d = parse_vn_date("27/09/2024 | Lượt xem: 14")
    assert not d.has_time


def test_yearless_dates_need_a_default_year() -> None:
    assert parse_vn_date("Sáng ngày 28/6, huyện tổ chức") is None
    d = parse_vn_date("Sáng ngày 28/6, huyện tổ chức", default_year=2024)
    assert d.iso() == "2024-06-28" and not d.has_year
    found = find_dates("Chiều 12.12 và ngày 19 - 12", default_year=2023, yearless=True)
    assert [x.iso() for x in found] == ["2023-12-12", "2023-12-19"]


@pytest.mark.parametrize(("value", "iso"), [
    ("2024-09-26T18:30:00Z", "2024-09-27T01:30:00+07:00"),  # UTC near midnight: next day here
    ("2024-09-26T18:30:00+00:00", "2024-09-27T01:30:00+07:00"),
    ("2024-09-27T08:30:00+07:00", "2024-09-27T08:30:00+07:00"),
    ("2024-09-27T08:30:00", "2024-09-27T08:30:00+07:00"),  # no zone: local
    ("2024-09-27", "2024-09-27"),
    ("2024-09-27 08:30:00.123+0700", "2024-09-27T08:30:00+07:00"),
    ("27/09/2024 08:30", "2024-09-27T08:30:00+07:00"),  # printed forms still work
])
def test_machine_dates_are_converted_to_vietnam_time(value: str, iso: str) -> None:
    assert parse_iso_datetime(value).iso() == iso


def test_bad_machine_dates() -> None:
    assert parse_iso_datetime("") is None
    assert parse_iso_datetime("2024-13-45") is None
    assert parse_iso_datetime("không rõ") is None

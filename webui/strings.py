"""Vietnamese interface strings that code (not templates) needs.

Templates carry their own Vietnamese text; this module holds what views and
error handlers build: error page titles and advice per HTTP status, and the
translation of search-parameter errors.  Messages for people are Vietnamese
first with the English detail after a `` / `` (as ``QueryError`` messages
already are), so API users who read either language can act on them.
"""

from __future__ import annotations

from search.params import ParamError

#: status -> (title, what to do)
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu không hợp lệ", "Kiểm tra lại các tham số tìm kiếm rồi thử lại."),
    404: ("Không tìm thấy trang", "Địa chỉ này không có trong kho. Hãy quay lại trang tìm kiếm."),
    405: ("Phương thức không được hỗ trợ", "Trang này chỉ nhận yêu cầu GET. Hãy mở trang bằng đường liên kết."),
    413: ("Yêu cầu quá lớn", "Dữ liệu gửi lên vượt quá giới hạn cho phép."),
    414: ("Địa chỉ quá dài", "Câu tìm kiếm hoặc bộ lọc quá dài. Hãy rút ngắn rồi thử lại."),
    429: ("Quá nhiều yêu cầu", "Bạn đã xuất dữ liệu quá nhiều lần trong một phút. Hãy đợi một lát rồi thử lại."),
    431: ("Tiêu đề yêu cầu quá lớn", "Hãy xoá cookie của trang này rồi thử lại."),
    500: ("Lỗi máy chủ", "Đã có lỗi ngoài ý muốn. Lỗi đã được ghi lại; hãy thử lại sau ít phút."),
    503: ("Dịch vụ tạm ngưng", "Chỉ mục đang được cập nhật. Hãy thử lại sau ít phút."),
}

PARAM_LABELS = {
    "q": "Câu tìm kiếm",
    "from": "Ngày bắt đầu (từ ngày)",
    "to": "Ngày kết thúc (đến ngày)",
    "author": "Tác giả",
    "site": "Trang nguồn",
    "category": "Chuyên mục",
    "sort": "Cách sắp xếp",
    "page": "Số trang",
    "per_page": "Số kết quả mỗi trang",
}

_PARAM_ADVICE = {
    "from": "Nhập ngày dạng 27/09/2024 hoặc 2024-09-27.",
    "to": "Nhập ngày dạng 27/09/2024 hoặc 2024-09-27.",
    "sort": "Chọn relevance (liên quan), newest (mới nhất) hoặc oldest (cũ nhất).",
    "page": "Số trang là số nguyên từ 1.",
    "per_page": "Số kết quả mỗi trang là số nguyên từ 1 đến 100.",
    "author": "Rút ngắn tên tác giả (tối đa 200 ký tự).",
    "site": "Rút ngắn tên trang nguồn (tối đa 200 ký tự).",
    "category": "Rút ngắn tên chuyên mục (tối đa 200 ký tự).",
}


def http_error(status: int) -> tuple[str, str]:
    return HTTP_ERRORS.get(status, (f"Lỗi {status}", "Hãy quay lại trang tìm kiếm."))


def param_message(exc: ParamError) -> str:
    """``Ngày bắt đầu … không hợp lệ. Advice / English detail``."""
    label = PARAM_LABELS.get(exc.name, exc.name)
    if exc.name == "from" and "after the end date" in exc.message:
        vi = "Ngày bắt đầu nằm sau ngày kết thúc. Hãy đổi lại khoảng ngày."
    else:
        vi = f"{label} không hợp lệ. {_PARAM_ADVICE.get(exc.name, '')}".strip()
    return f"{vi} / {exc.message}"

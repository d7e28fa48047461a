"""Text hygiene and boilerplate lines.

Pages print the same words in many byte shapes: decomposed (NFD), with
``Ð`` for ``Đ``, with numeric character references, with ``<br>`` in the
middle of a sentence (text pasted from Word).  The functions here turn each
printed line into the one form the archive stores, and recognise the lines
that are page furniture, not article text: share buttons, view counters,
"Tin liên quan" headings, SharePoint's leaked ``Skip Ribbon Commands``.
"""

from __future__ import annotations

import re

from khotin.text import nfc

__all__ = [
    "END_MARK", "group_lines", "is_boilerplate", "is_stop_marker", "join_lines", "normalize_line",
    "strip_end_mark",
]

_WS = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTENCE_END = re.compile(r"[.!?:;…\"”')\]]$")
END_MARK = re.compile(r"\s*\.?\s*/\s*\.\s*$")


def normalize_line(text: str) -> str:
    """NFC, ``Ð``→``Đ``, invisible characters dropped, whitespace collapsed."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", text)
    return _WS.sub(" ", nfc(text)).strip()


def group_lines(pieces: list[str]) -> list[list[int]]:
    """Which of the ``<br>``-separated lines form one paragraph (indices).

    A single ``<br>`` inside a sentence is a line wrap (Word paste): the
    lines join with a space.  A paragraph break is two ``<br>`` in a row, or
    a line that ends a sentence followed by one that starts with a capital.
    """
    groups: list[list[int]] = []
    last = ""
    gap = False
    for i, piece in enumerate(pieces):
        if not piece:
            gap = True
            continue
        if not groups or gap or (_SENTENCE_END.search(last) and (
                piece[0].isupper() or piece[0].isdigit() or piece[0] in "-–•+*(\"“")):
            groups.append([i])
        else:
            groups[-1].append(i)
        last = piece
        gap = False
    return groups


def join_lines(pieces: list[str]) -> list[str]:
    """The paragraphs of :func:`group_lines`, lines joined with a space."""
    return [" ".join(pieces[i] for i in group) for group in group_lines(pieces)]


def strip_end_mark(text: str) -> str:
    """Remove the ``./.`` or ``/.`` that ends many official articles."""
    return END_MARK.sub("", text).rstrip()


# --- boilerplate ------------------------------------------------------------------

_STOP = re.compile(
    r"^(?:[-–•»>\s]*)(?:các\s+|những\s+)?(?:tin\s+(?:bài\s+)?liên\s+quan|các\s+tin\s+(?:bài\s+)?khác|tin\s+khác"
    r"|bài\s+viết\s+liên\s+quan|các\s+bài\s+(?:viết\s+)?khác|tin\s+cùng\s+(?:chuyên\s+mục|danh\s+mục|chủ\s+đề)"
    r"|tin\s+đã\s+đưa|tin\s+mới(?:\s+nhất|\s+hơn|\s+cập\s+nhật)?|tin\s+cũ\s+hơn|xem\s+thêm|đọc\s+thêm|tin\s+đọc\s+nhiều"
    r"|tin\s+xem\s+nhiều|bài\s+đọc\s+nhiều|ý\s+kiến\s+bạn\s+đọc|bình\s+luận|gửi\s+bình\s+luận"
    r"|related\s+(?:news|posts|articles)|other\s+news)\b[\s:.»>]*$",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"^(?:chia\s+sẻ|share|tweet|facebook|zalo|twitter|in\s+bài(?:\s+viết)?|bản\s+in|print|gửi\s+email"
    r"|gửi\s+bài\s+viết|lưu\s+bài|quay\s+(?:lại|về)|trở\s+(?:lại|về)|về\s+đầu\s+trang|đầu\s+trang"
    r"|lên\s+đầu\s+trang|top|null|skip\s+ribbon\s+commands|skip\s+to\s+main\s+content|sign\s+in"
    r"|đăng\s+nhập|turn\s+on\s+more\s+accessible\s+mode|turn\s+off\s+more\s+accessible\s+mode"
    r"|cỡ\s+chữ|font\s*size|a\s*a\s*a|[a\-+ ]{1,5}|trang\s+chủ|home|email|rss|like|thích"
    r"|đánh\s+giá\s+bài\s+viết|bài\s+viết\s+hữu\s+ích|nghe\s+đọc\s+bài|đọc\s+bài|in\s+trang"
    r"|(?:lượt\s+xem|số\s+lượt\s+xem|lượt\s+truy\s+cập|view\s+count|views?|đã\s+xem)\s*[:：]?\s*[\d.,]*"
    r"|trang\s+\d+\s*(?:/|trên|của)\s*\d+|trang\s+(?:sau|trước|tiếp|đầu|cuối)\s*[»«>]*"
    r"|(?:xem|đọc)\s+(?:tiếp|chi\s+tiết|thêm)\s*[»>…]*|chi\s+tiết\s*[»>]*"
    r"|(?:tập\s+tin|tệp(?:\s+tin)?|tài\s+liệu|file|văn\s+bản)\s+đính\s+kèm\s*[:：]?"
    r"|(?:từ\s+khóa|từ\s+khoá|tags?|thẻ)\s*[:：].*)$",
    re.IGNORECASE,
)


def is_stop_marker(text: str) -> bool:
    """A heading after which only related links follow ("Tin liên quan")."""
    return len(text) <= 60 and bool(_STOP.match(text))


def is_boilerplate(text: str) -> bool:
    """Share buttons, counters, print links and other page furniture."""
    return len(text) <= 80 and bool(_BOILERPLATE.match(text))

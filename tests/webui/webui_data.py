"""Test data for the web UI: a real catalog, a real WARC archive and a real index.

Built from code: the seed article (Mai Sơn, 27/09/2024) with three captures
(an older gzip-encoded response, the current response, and a revisit), an
article titled ``<script>alert(1)</script>``, a windows-1258 page, a PDF
capture, and articles from the seeded generator.  Every HTML payload here
is written for these tests.
"""

from __future__ import annotations

import gzip
import io
import socket
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.article import Article
from crawler.catalog import Catalog
from index.sync import sync_index
from khotin.fixtures.textgen import TextGen
from khotin.paths import DataDir
from khotin.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
SEED_FILES = (REPO / "khotin" / "fixtures" / "data" / "mai-son-2024-09-27.txt",
              REPO.parent / "shared" / "seed" / "mai-son-2024-09-27.txt")
SEED_URL = "https://maison.sonla.gov.vn/tin-hoat-dong/ban-chi-dao-35-huyen-giao-ban-9-thang-dau-nam-2024-215301"
SEED_TITLE = "Mai Sơn: Ban Chỉ đạo 35 huyện giao ban 9 tháng đầu năm 2024"
SCRIPT_TITLE = "<script>alert(1)</script>"
WARC_NAME = "khotin-20240928010000-00001.warc.gz"


def seed_text() -> str:
    for path in SEED_FILES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("the seed article text is missing")


def seed_article(**changes) -> Article:
    lines = [line.strip() for line in seed_text().splitlines() if line.strip()]
    # Lines 2 and 4 are photo captions; the last line is the byline.
    body = "\n".join(lines[i] for i in (0, 2, 4))
    fields = dict(url=SEED_URL, title=SEED_TITLE, body=body, site="maison",
                  captions=[lines[1], lines[3]], authors=["Thuý Ngà"],
                  organization="Ban Tuyên giáo Huyện uỷ Mai Sơn", published="2024-09-27",
                  category="Tin hoạt động", tags=["Ban Chỉ đạo 35"],
                  attachments=["https://maison.sonla.gov.vn/files/ke-hoach-35.pdf", "javascript:alert(2)"],
                  fetched_at="2024-09-28T08:00:00+07:00")
    fields.update(changes)
    return Article(**fields)


def generated(n: int, seed: int = 11, start: int = 0) -> list[Article]:
    return [a.to_article(f"https://portal{a.number % 3}.example.vn/tin/{a.number}", f"portal{a.number % 3}")
            for a in TextGen(seed).articles(n, start=start)]


def page_html(title: str, paragraph: str, *, charset: str = "utf-8") -> bytes:
    html = (f"<!doctype html><html lang=\"vi\"><head><meta charset=\"{charset}\"><title>{title}</title>"
            "<link rel=\"stylesheet\" href=\"https://cdn.example.invalid/site.css\">"
            "<style>h1{color:#a00}</style></head><body>"
            f"<h1 id=\"archived-title\">{title}</h1><p>{paragraph}</p>"
            "<img src=\"https://cdn.example.invalid/anh.jpg\" alt=\"ảnh\">"
            "<script>document.title = 'SCRIPT-RAN'; parent.document.title = 'ESCAPED';</script>"
            "</body></html>")
    return html.encode("utf-8") if charset == "utf-8" else to_cp1258(html)


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters with tones become base letter + combining tone mark."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return bytes(out)


@dataclass
class Written:
    offset: int
    length: int


class WarcBuilder:
    """Writes response/revisit records to one gzipped WARC and reports offsets."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = path.open("wb")
        self.writer = WARCWriter(self.fh, gzip=True)

    def response(self, url: str, body: bytes, content_type: str, date: str, *,
                 encoding: str | None = None, status: str = "200 OK") -> tuple[Written, str]:
        headers = [("Content-Type", content_type)]
        payload = body
        if encoding == "gzip":
            payload = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(payload))))
        record = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(payload), length=len(payload),
            http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": date})
        return self._write(record), record.rec_headers.get_header("WARC-Payload-Digest")

    def revisit(self, url: str, digest: str, date: str, original_date: str) -> Written:
        record = self.writer.create_revisit_record(
            url, digest, url, original_date,
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                          protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": date})
        return self._write(record)

    def _write(self, record) -> Written:
        start = self.fh.tell()
        self.writer.write_record(record)
        return Written(start, self.fh.tell() - start)

    def close(self) -> None:
        self.fh.close()


@dataclass
class WebData:
    data: DataDir
    seed: Article
    script: Article
    legacy: Article
    pdf: Article
    captures: dict[str, int]  # name -> capture id
    generated: int


def build_webdata(root: Path, n_generated: int = 240) -> WebData:
    data = DataDir.of(root).ensure()
    warc = WarcBuilder(data.warc / WARC_NAME)
    seed = seed_article()
    script = Article(url="https://hostile.example.vn/tin/1", title=SCRIPT_TITLE,
                     body="Bài kiểm tra thoát ký tự <b>đậm</b> & \"ngoặc\" <img src=x onerror=alert(3)>.",
                     site="hostile", authors=["<i>Tác giả</i>"], published="2024-05-02",
                     category="<script>cat</script>")
    legacy = Article(url="https://phuyen.example.vn/tin/cu", title="Phù Yên: trang cũ mã hoá Windows-1258",
                     body="Trang cũ dùng bảng mã Windows-1258.", site="phuyen", published="2023-03-15",
                     fetched_at="2024-09-20T09:00:00+07:00")
    pdf = Article(url="https://maison.sonla.gov.vn/files/ke-hoach-so-12.pdf",
                  title="Kế hoạch số 12 về chuyển đổi số (tệp PDF)", body="Kế hoạch chuyển đổi số năm 2024.",
                  site="maison", published="2024-03-01", fetched_at="2024-09-21T10:00:00+07:00")
    old_html = page_html(SEED_TITLE, "Bản cũ: Hội nghị giao ban (bản lưu lần đầu).")
    new_html = page_html(SEED_TITLE, "Bản mới: Ban Chỉ đạo 35 huyện Mai Sơn giao ban 9 tháng đầu năm 2024.")
    old, _ = warc.response(SEED_URL, old_html, "text/html; charset=utf-8", "2024-09-27T03:00:00Z",
                           encoding="gzip")
    new, new_digest = warc.response(SEED_URL, new_html, "text/html; charset=utf-8", "2024-09-28T01:00:00Z")
    again = warc.revisit(SEED_URL, new_digest, "2024-10-05T01:00:00Z", "2024-09-28T01:00:00Z")
    legacy_body = page_html("Phù Yên: trang cũ", "Huyện Phù Yên tổ chức hội nghị.", charset="windows-1258")
    leg, _ = warc.response(legacy.url, legacy_body, "text/html; charset=windows-1258", "2024-09-20T02:00:00Z")
    pdf_bytes = b"%PDF-1.4\n% khotin test file\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    pdfw, _ = warc.response(pdf.url, pdf_bytes, "application/pdf", "2024-09-21T03:00:00Z")
    warc.close()

    seed = seed_article(warc_file=WARC_NAME, warc_offset=new.offset, warc_length=new.length)
    with Catalog(data.catalog) as catalog:
        catalog.upsert_many([seed, script, legacy, pdf, *generated(n_generated)])
        ids = {
            "seed_old": catalog.add_capture(SEED_URL, record_type="response", warc_file=WARC_NAME,
                                            warc_offset=old.offset, warc_length=old.length, status=200,
                                            content_type="text/html; charset=utf-8", article_id=seed.id,
                                            fetched_at="2024-09-27T10:00:00+07:00"),
            "seed_new": catalog.add_capture(SEED_URL, record_type="response", warc_file=WARC_NAME,
                                            warc_offset=new.offset, warc_length=new.length, status=200,
                                            content_type="text/html; charset=utf-8", payload_digest=new_digest,
                                            article_id=seed.id, fetched_at="2024-09-28T08:00:00+07:00"),
            "seed_revisit": catalog.add_capture(SEED_URL, record_type="revisit", warc_file=WARC_NAME,
                                                warc_offset=again.offset, warc_length=again.length,
                                                status=200, payload_digest=new_digest, article_id=seed.id,
                                                fetched_at="2024-10-05T08:00:00+07:00"),
            "legacy": catalog.add_capture(legacy.url, record_type="response", warc_file=WARC_NAME,
                                          warc_offset=leg.offset, warc_length=leg.length, status=200,
                                          content_type="text/html; charset=windows-1258",
                                          article_id=legacy.id, fetched_at="2024-09-20T09:00:00+07:00"),
            "pdf": catalog.add_capture(pdf.url, record_type="response", warc_file=WARC_NAME,
                                       warc_offset=pdfw.offset, warc_length=pdfw.length, status=200,
                                       content_type="application/pdf", article_id=pdf.id,
                                       fetched_at="2024-09-21T10:00:00+07:00"),
        }
    sync_index(data, load_settings(data.root))
    return WebData(data, seed, script, legacy, pdf, ids, n_generated)


def free_port() -> int:
    """A free loopback port for a server subprocess."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_settings(data: DataDir, **overrides):
    """Settings for a test app: refresh at once so new commits show up immediately."""
    values = {"refresh_seconds": 0.0, "export_per_minute": 1000}
    values.update(overrides)
    return load_settings(data.root, values, environ={})

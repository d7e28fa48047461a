import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.fetch import Exchange
from crawler.warc import NAME_RE, WarcArchive, payload_digest, repair_tail, warc_files
from khotin.errors import UserError

WARCIO = [str(Path(sys.executable).with_name("warcio"))]


def exchange(url="http://x.vn/a", status=200, body=b"<html>Tin tuc</html>", **kw):
    return Exchange(url=url, status=status, reason="OK", started=time.time(), body=body,
                    headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", '"e1"')],
                    request_headers=[("Host", "x.vn"), ("User-Agent", "khotin-test")], **kw)


def records(path):
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        out = []
        for rec in it:
            body = rec.content_stream().read()
            out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                        it.get_record_offset(), it.get_record_length(), body, rec))
        return out


def warcio_ok(*paths):
    for cmd in ("check", "index"):
        proc = subprocess.run([*WARCIO, cmd, *map(str, paths)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, (cmd, proc.stdout, proc.stderr)
    return proc.stdout


def test_records_offsets_and_revisits(tmp_path):
    with WarcArchive(tmp_path, 10_000_000, operator="test") as archive:
        first = archive.write_exchange(exchange(), site="maison")
        same = archive.write_exchange(exchange(), site="maison",
                                      previous=(first.payload_digest, first.warc_date))
        nm = archive.write_exchange(exchange(status=304, body=b""), site="maison",
                                    previous=(first.payload_digest, first.warc_date))
        none = archive.write_exchange(Exchange(url="http://x.vn/down", error="timeout"))
    assert none is None
    assert (first.record_type, same.record_type, nm.record_type) == ("response", "revisit", "revisit")
    assert first.payload_digest == payload_digest(b"<html>Tin tuc</html>")
    (path,) = warc_files(tmp_path)
    assert NAME_RE.match(path.name)
    recs = records(path)
    assert [r[0] for r in recs] == ["warcinfo", "response", "request", "revisit", "request", "revisit", "request"]
    by_offset = {r[2]: r for r in recs}
    assert by_offset[first.offset][4] == b"<html>Tin tuc</html>" and by_offset[first.offset][3] == first.length
    assert by_offset[first.offset][5].rec_headers.get_header("Khotin-Site") == "maison"
    assert "server-not-modified" in by_offset[nm.offset][5].rec_headers.get_header("WARC-Profile")
    assert "identical-payload-digest" in by_offset[same.offset][5].rec_headers.get_header("WARC-Profile")
    index = warcio_ok(path)
    assert '"warc-type": "revisit"' in index


def test_rotation_by_size(tmp_path):
    with WarcArchive(tmp_path, 2_000) as archive:
        refs = [archive.write_exchange(exchange(url=f"http://x.vn/{i}", body=os.urandom(3000)))
                for i in range(5)]
    files = warc_files(tmp_path)
    assert len(files) == 5 and len({r.warc_file for r in refs}) == 5
    assert all(records(f)[0][0] == "warcinfo" for f in files)
    warcio_ok(*files)


def test_truncated_record_from_a_crash_is_removed_on_start(tmp_path):
    with WarcArchive(tmp_path, 10_000_000) as archive:
        keep = archive.write_exchange(exchange(url="http://x.vn/keep"))
        lost = archive.write_exchange(exchange(url="http://x.vn/lost", body=os.urandom(5000)))
    (path,) = warc_files(tmp_path)
    with path.open("r+b") as fh:   # a SIGKILL in the middle of writing the response
        fh.truncate(lost.offset + lost.length // 2)
    with WarcArchive(tmp_path, 10_000_000) as archive:
        assert archive.repaired_bytes > 0
        archive.write_exchange(exchange(url="http://x.vn/after"))
    files = warc_files(tmp_path)
    assert len(files) == 2  # a new file after a restart; the old one is never appended to
    urls = [r[1] for r in records(files[0]) if r[0] == "response"]
    assert urls == ["http://x.vn/keep"]
    assert keep.offset + keep.length <= files[0].stat().st_size
    warcio_ok(*files)


def test_repair_of_garbage_and_empty_files(tmp_path):
    path = tmp_path / "khotin-20250101000000-00001.warc.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert repair_tail(path) > 0 and not path.exists()


def test_one_writer_at_a_time(tmp_path):
    with WarcArchive(tmp_path, 1000), pytest.raises(UserError, match="another crawl"):
        WarcArchive(tmp_path, 1000).open()

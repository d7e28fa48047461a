"""The archive of record: gzipped WARC files written with warcio.

Each record is its own gzip member, written with one ``write`` call, so a
file is always a sequence of complete records plus, after a crash, at most
one incomplete member at the end.  :func:`repair_tail` finds the last
complete member and truncates the rest; :class:`WarcArchive` runs it on
the newest file when it starts (only the file being written can be
damaged: one writer at a time, enforced by a lock file) and then always
opens a *new* file, so a file once closed is never appended to.

Files are named ``khotin-YYYYmmddHHMMSS-NNNNN.warc.gz`` (UTC time, serial
one past the largest present) and start with a ``warcinfo`` record; a file
is rotated once it passes ``warc_max_bytes``.  Responses are ``response``
records followed by their ``request`` (``WARC-Concurrent-To``); a 304 or a
payload identical to the previous capture becomes a ``revisit`` record
(profiles *server-not-modified* / *identical-payload-digest* of WARC 1.1).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import os
import re
import socket
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from khotin import __version__
from khotin.errors import UserError
from khotin.testpause import armed, pause_point

from .fetch import Exchange

WARC_VERSION = "1.1"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
NAME_RE = re.compile(r"^khotin-(\d{14})-(\d{5,})\.warc\.gz$")
SITE_HEADER = "Khotin-Site"
GZIP_LEVEL = 6


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest of ``body`` in warcio's form (``sha1:BASE32``)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def warc_files(directory: Path) -> list[Path]:
    """Our WARC files in writing order (serial number)."""
    found = []
    for path in directory.glob("khotin-*.warc.gz"):
        m = NAME_RE.match(path.name)
        if m:
            found.append((int(m.group(2)), path.name, path))
    return [p for _, _, p in sorted(found)]


@dataclass(frozen=True)
class RecordRef:
    """Where a record went: file name (relative to the WARC directory), offset, length."""

    warc_file: str
    offset: int
    length: int
    record_type: str
    payload_digest: str | None
    warc_date: str


def complete_prefix(fh) -> int:
    """Length of the leading run of complete gzip members in ``fh``."""
    good = pos = 0     # end of the last complete member; offset of data[0]
    d = zlib.decompressobj(31)
    data = b""
    while True:
        if not data:
            data = fh.read(1 << 20)
            if not data:
                return good
        try:
            d.decompress(data, 1 << 22)  # output is only checked (CRC), not kept
        except zlib.error:
            return good
        if d.eof:
            pos += len(data) - len(d.unused_data)
            good = pos
            data = d.unused_data
            d = zlib.decompressobj(31)
        else:
            tail = d.unconsumed_tail
            pos += len(data) - len(tail)
            data = tail


def repair_tail(path: Path) -> int:
    """Truncate an incomplete last gzip member; returns the bytes removed.

    Walks the members with zlib (verifying each CRC), so it also catches a
    member cut in the middle of its compressed data.  A file left with no
    complete record is deleted.
    """
    with path.open("rb") as fh:
        good = complete_prefix(fh)
    size = path.stat().st_size
    if good == size:
        return 0
    if good == 0:
        path.unlink()
    else:
        with path.open("r+b") as fh:
            fh.truncate(good)
            fh.flush()
            os.fsync(fh.fileno())
    return size - good


class WarcArchive:
    """Appends records to the current WARC file; one instance per crawl process."""

    def __init__(self, directory: Path, max_bytes: int, *, operator: str = ""):
        self.directory = Path(directory)
        self.max_bytes = max(int(max_bytes), 1)
        self.operator = operator
        self._fh: io.FileIO | None = None   # unbuffered: one write() per record
        self._end = 0                        # bytes written to the current file
        self._synced = 0                     # bytes of it known to be on disk
        self._sync_lock = threading.Lock()
        self._name = ""
        self._lock_fh = None
        self._builder = WARCWriter(None, gzip=False, warc_version=WARC_VERSION)
        self.repaired_bytes = 0

    # -- lifecycle ----------------------------------------------------------

    def open(self) -> WarcArchive:
        """Take the writer lock and repair the newest file; raises UserError if locked."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_fh = (self.directory / ".writer.lock").open("a+")
        try:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_fh.close()
            self._lock_fh = None
            raise UserError(f"another crawl is writing to {self.directory} (wait for it to finish)") from None
        files = warc_files(self.directory)
        if files:
            self.repaired_bytes = repair_tail(files[-1])
        return self

    def close(self) -> None:
        self._close_file()
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self) -> WarcArchive:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _close_file(self) -> None:
        with self._sync_lock:
            if self._fh is not None:
                os.fsync(self._fh.fileno())
                self._fh.close()
                self._fh = None

    def _new_file(self) -> None:
        files = warc_files(self.directory)
        serial = int(NAME_RE.match(files[-1].name).group(2)) + 1 if files else 1
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        self._name = f"khotin-{stamp}-{serial:05d}.warc.gz"
        self._fh = io.FileIO(self.directory / self._name, "xb")
        self._end = self._synced = 0
        info = {
            "software": f"khotin/{__version__} (warcio)",
            "hostname": socket.gethostname(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "operator": self.operator,
            "description": "Vietnamese district news portals crawled by khotin",
        }
        self._append(self._builder.create_warcinfo_record(self._name, info))

    # -- writing --------------------------------------------------------------

    def _append(self, record) -> tuple[int, int]:
        buf = io.BytesIO()
        WARCWriter(buf, gzip=False, warc_version=WARC_VERSION).write_record(record)
        comp = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        member = comp.compress(buf.getvalue()) + comp.flush()
        offset = self._end
        view = memoryview(member)
        if armed("warc-record"):  # tests: a kill with half a record on disk
            self._write_all(view[:len(member) // 2])
            pause_point("warc-record")
            view = view[len(member) // 2:]
        self._write_all(view)
        self._end += len(member)
        return offset, len(member)

    def _write_all(self, view: memoryview) -> None:
        while view:
            written = self._fh.write(view)
            view = view[written:]

    def _ensure_file(self) -> None:
        if self._fh is None:
            self._new_file()

    def _rotate_if_full(self) -> None:
        if self._fh is not None and self._end >= self.max_bytes:
            self._close_file()

    def write_exchange(self, ex: Exchange, *, site: str = "",
                       previous: tuple[str, str] | None = None) -> RecordRef | None:
        """Write ``ex`` (response or revisit, then its request); None if it has no response.

        ``previous`` is ``(payload_digest, warc_date)`` of the URL's last
        full capture: a 304 or an identical payload becomes a revisit record.
        """
        if ex.status is None:
            return None
        self._ensure_file()
        date = warc_date(ex.started)
        http_headers = StatusAndHeaders(f"{ex.status} {ex.reason}".strip(), list(ex.headers),
                                        protocol=ex.protocol)
        extra = {"WARC-Date": date}
        if site:
            extra[SITE_HEADER] = site
        if ex.peer_ip:
            extra["WARC-IP-Address"] = ex.peer_ip
        digest = payload_digest(ex.body)
        if ex.status == 304 or (previous and previous[0] == digest and not ex.truncated):
            ref_digest, ref_date = previous if previous else (digest, date)
            record = self._builder.create_revisit_record(ex.url, ref_digest, ex.url, ref_date,
                                                         http_headers=http_headers,
                                                         warc_headers_dict=extra)
            if ex.status == 304:
                record.rec_headers.replace_header("WARC-Profile", NOT_MODIFIED_PROFILE)
            rtype, digest = "revisit", ref_digest
        else:
            if ex.truncated:
                extra["WARC-Truncated"] = ex.truncated
            record = self._builder.create_warc_record(ex.url, "response", payload=io.BytesIO(ex.body),
                                                      length=len(ex.body), http_headers=http_headers,
                                                      warc_headers_dict=extra)
            rtype = "response"
        offset, length = self._append(record)
        request = self._builder.create_warc_record(
            ex.url, "request", payload=io.BytesIO(b""), length=0,
            http_headers=StatusAndHeaders(f"{ex.method} {ex.request_target} {ex.protocol}",
                                          list(ex.request_headers), is_http_request=True),
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")},
        )
        self._append(request)
        ref = RecordRef(self._name, offset, length, rtype, digest, date)
        self._rotate_if_full()
        return ref

    @property
    def position(self) -> tuple[str, int]:
        """``(file name, bytes written)`` of the current file."""
        return self._name, self._end

    def sync(self, upto: tuple[str, int] | None = None) -> None:
        """fsync, so records are durable before the catalog points at them.

        ``upto`` (a :attr:`position`) allows group commit: several threads
        may call this outside the writers' lock; one fsync covers every
        record written before it started, later callers return at once.
        A rotated (closed) file was fsynced when it was closed.
        """
        name, end = upto if upto is not None else self.position
        with self._sync_lock:
            if self._fh is None or name != self._name or self._synced >= end:
                return
            target = self._end
            os.fsync(self._fh.fileno())
            self._synced = max(self._synced, target)

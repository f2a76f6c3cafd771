"""The raw archive: every request and response (errors included) as WARC records.

Files live under ``<raw>/<source>/<yyyy-mm-dd>/<run_id>.warc.gz``, one per source and run, and
are only ever appended to. Each record is its own gzip member and is flushed as soon as it is
written, so a crash mid-write leaves every earlier record readable. An exchange is a response
record (or a metadata record when no response came) followed by its request record; both
carry the fetch id.

Reading survives damage: a member that does not inflate or parse (flipped bytes, a file cut
mid-record) is skipped, reading resynchronises on the next gzip member, and every intact
exchange is kept. Each damaged place is reported (file, offset, cause) to the caller's
``damaged`` list, so a reparse or replay can say what it lost.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchivedExchange:
    """What one request and its answer look like once they are redacted.

    ``truncated`` is the WARC-Truncated reason when the body is not all the server meant to
    send: ``length`` (over the size cap, body dropped) or ``disconnect`` (connection lost).
    """

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    fetched_at: datetime
    fetch_id: str
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] | None = None
    body: bytes = b""
    error: str | None = None
    truncated: str | None = None
    request_kind: str = "list"
    request_meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WarcLocation:
    path: Path
    offset: int


class WarcArchive:
    """The run's WARC files, one per source; ``part`` names a second file of the same run
    for a process that writes beside another (``<run_id>-<part>.warc.gz``): two processes
    never append to one file."""

    def __init__(self, root: Path, run_id: str, part: str = ""):
        self.root = root
        self.run_id = run_id
        self.file_name = f"{run_id}-{part}.warc.gz" if part else f"{run_id}.warc.gz"
        self._lock = threading.Lock()
        self._path_locks: dict[Path, threading.Lock] = {}
        self._writers: dict[Path, WARCWriter] = {}
        self._closed = False

    def path_for(self, source: str, fetched_at: datetime) -> Path:
        return self.root / source / fetched_at.strftime("%Y-%m-%d") / self.file_name

    def _path_lock(self, path: Path) -> threading.Lock:
        with self._lock:
            lock = self._path_locks.get(path)
            if lock is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                lock = self._path_locks[path] = threading.Lock()
            return lock

    def _writer(self, path: Path) -> WARCWriter | None:
        """The run's file, opened once for appending and kept open until ``close``; None once
        the archive is closed."""
        with self._lock:
            writer = self._writers.get(path)
            if writer is None and not self._closed:
                writer = self._writers[path] = WARCWriter(path.open("ab"), gzip=True)
            return writer

    def close(self) -> None:
        """Close the files, each once the write in progress on it ends. A request that was in
        flight when the run stopped is still archived: its write opens the file for itself."""
        with self._lock:
            self._closed = True
            writers = list(self._writers.items())
            self._writers.clear()
        for path, writer in writers:
            with self._path_lock(path):
                writer.out.close()

    def write(self, source: str, exchange: ArchivedExchange) -> WarcLocation:
        path = self.path_for(source, exchange.fetched_at)
        with self._path_lock(path):
            writer = self._writer(path)
            if writer is not None:
                return self._append(writer, path, source, exchange)
            with path.open("ab") as out:
                return self._append(WARCWriter(out, gzip=True), path, source, exchange)

    def _append(
        self, writer: WARCWriter, path: Path, source: str, exchange: ArchivedExchange
    ) -> WarcLocation:
        offset = writer.out.tell()
        main = self._main_record(writer, source, exchange)
        writer.write_record(main)
        writer.write_record(self._request_record(writer, exchange, main))
        writer.out.flush()
        return WarcLocation(path, offset)

    def _warc_headers(self, source: str, exchange: ArchivedExchange) -> dict[str, str]:
        headers = {
            "WARC-Date": exchange.fetched_at.astimezone().isoformat(),
            "WARC-Fez-Source": source,
            "WARC-Fez-Run-Id": self.run_id,
            "WARC-Fez-Fetch-Id": exchange.fetch_id,
            "WARC-Fez-Request": json.dumps(
                {"kind": exchange.request_kind, "meta": exchange.request_meta},
                ensure_ascii=True,
                default=str,
            ),
        }
        if exchange.error:
            headers["WARC-Fez-Error"] = exchange.error
        if exchange.truncated:
            headers["WARC-Truncated"] = exchange.truncated
        return headers

    def _main_record(self, writer: WARCWriter, source: str, exchange: ArchivedExchange):
        headers = self._warc_headers(source, exchange)
        if exchange.status is None:
            payload = json.dumps({"error": exchange.error, "method": exchange.method}).encode()
            return writer.create_warc_record(
                exchange.url,
                "metadata",
                payload=BytesIO(payload),
                warc_content_type="application/json",
                warc_headers_dict=headers,
            )
        kept = [
            (k, v) for k, v in exchange.response_headers or [] if k.lower() not in DROPPED_HEADERS
        ]
        kept.append(("Content-Length", str(len(exchange.body))))
        return writer.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            http_headers=StatusAndHeaders(
                f"{exchange.status} {exchange.reason}".strip(), kept, protocol="HTTP/1.1"
            ),
            warc_headers_dict=headers,
        )

    def _request_record(self, writer: WARCWriter, exchange: ArchivedExchange, main):
        headers = {
            "WARC-Concurrent-To": main.rec_headers.get_header("WARC-Record-ID"),
            "WARC-Date": exchange.fetched_at.astimezone().isoformat(),
            "WARC-Fez-Fetch-Id": exchange.fetch_id,
        }
        return writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            http_headers=StatusAndHeaders(
                f"{exchange.method} {exchange.url} HTTP/1.1",
                exchange.request_headers,
                is_http_request=True,
            ),
            warc_headers_dict=headers,
        )


@dataclass(frozen=True)
class StoredExchange:
    """One archived exchange as read back: the request, and the response if one came."""

    source: str
    run_id: str
    fetch_id: str
    url: str
    method: str
    request_body: bytes
    request_kind: str
    request_meta: dict[str, Any]
    fetched_at: str
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes
    error: str | None
    truncated: str | None
    warc_file: Path
    warc_offset: int


def warc_files(paths: Iterable[Path]) -> list[Path]:
    """The WARC files at ``paths`` (files, or folders searched recursively), in name order."""
    found: list[Path] = []
    for path in paths:
        found.extend([path] if path.is_file() else path.rglob("*.warc.gz"))
    return sorted(found)


GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 64 * 1024


def _inflate(view: memoryview, offset: int) -> tuple[bytes, int | None]:
    """The gzip member at ``offset`` and where the next one starts (None: cut short).

    Fed in chunks, so that neither the input nor the unused rest is copied per member.
    """
    inflater, parts, at = zlib.decompressobj(wbits=31), [], offset
    while not inflater.eof and at < len(view):
        chunk = view[at : at + _CHUNK]
        parts.append(inflater.decompress(chunk))
        at += len(chunk)
    if not inflater.eof:
        return b"", None
    return b"".join(parts), at - len(inflater.unused_data)


def _members(data: bytes, damaged: list[str], path: Path) -> Iterator[tuple[int, bytes]]:
    """Each gzip member that inflates, with its offset; a damaged one is reported and reading
    goes on at the next gzip header."""
    view, offset = memoryview(data), 0
    while offset < len(data):
        try:
            member, following = _inflate(view, offset)
            cause = "cut short (the file ends mid-record)"
        except zlib.error as exc:
            member, following, cause = b"", None, f"does not inflate ({exc})"
        if following is not None:
            yield offset, member
            offset = following
            continue
        damaged.append(f"{path}: damaged record at offset {offset}: {cause}; skipped")
        offset = data.find(GZIP_MAGIC, offset + 1)
        if offset < 0:
            return


def _record(member: bytes) -> Any | None:
    """The one WARC record in an inflated member, its payload read; None if it is not one."""
    try:
        record = next(iter(ArchiveIterator(BytesIO(member))))
        return record, record.content_stream().read()
    except Exception:
        return None


def read_exchanges(path: Path, damaged: list[str] | None = None) -> Iterator[StoredExchange]:
    """The exchanges in one WARC file, in write order, each intact one even after damage.

    Damage is appended to ``damaged`` (one line per damaged place) or, without a list, logged.
    """
    found: list[str] = [] if damaged is None else damaged
    start = len(found)
    main: dict[str, tuple[Any, bytes, int]] = {}
    for offset, member in _members(path.read_bytes(), found, path):
        read = _record(member)
        if read is None:
            found.append(f"{path}: damaged record at offset {offset}: not a WARC record; skipped")
            continue
        record, payload = read
        if record.rec_type in ("response", "metadata"):
            main[record.rec_headers.get_header("WARC-Record-ID")] = (record, payload, offset)
        elif record.rec_type == "request":
            pending = main.pop(record.rec_headers.get_header("WARC-Concurrent-To"), None)
            if pending is not None:
                yield _exchange(path, *pending, record, payload)
    if damaged is None:
        for line in found[start:]:
            log.warning("%s", line)


def _exchange(
    path: Path, record: Any, body: bytes, offset: int, request: Any, request_body: bytes
) -> StoredExchange:
    head = record.rec_headers
    described = json.loads(head.get_header("WARC-Fez-Request") or "{}")
    is_response = record.rec_type == "response"
    return StoredExchange(
        source=head.get_header("WARC-Fez-Source") or "",
        run_id=head.get_header("WARC-Fez-Run-Id") or "",
        fetch_id=head.get_header("WARC-Fez-Fetch-Id") or "",
        url=head.get_header("WARC-Target-URI") or "",
        method=request.http_headers.protocol,
        request_body=request_body,
        request_kind=described.get("kind", "list"),
        request_meta=described.get("meta", {}),
        fetched_at=head.get_header("WARC-Date") or "",
        status=int(record.http_headers.get_statuscode()) if is_response else None,
        headers=list(record.http_headers.headers) if is_response else [],
        body=body if is_response else b"",
        error=head.get_header("WARC-Fez-Error"),
        truncated=head.get_header("WARC-Truncated"),
        warc_file=path,
        warc_offset=offset,
    )

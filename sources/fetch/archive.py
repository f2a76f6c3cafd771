"""The raw archive: every request and response (errors included) as WARC records.

Files live under ``<raw>/<source>/<yyyy-mm-dd>/<run_id>.warc.gz``, one per source and run, and
are only ever appended to. Each record is its own gzip member and is flushed as soon as it is
written, so a crash mid-write leaves every earlier record readable.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(frozen=True)
class ArchivedExchange:
    """What one request and its answer look like once they are redacted."""

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


@dataclass(frozen=True)
class WarcLocation:
    path: Path
    offset: int


class WarcArchive:
    def __init__(self, root: Path, run_id: str):
        self.root = root
        self.run_id = run_id
        self._lock = threading.Lock()

    def path_for(self, source: str, fetched_at: datetime) -> Path:
        return self.root / source / fetched_at.strftime("%Y-%m-%d") / f"{self.run_id}.warc.gz"

    def write(self, source: str, exchange: ArchivedExchange) -> WarcLocation:
        path = self.path_for(source, exchange.fetched_at)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, path.open("ab") as handle:
            writer = WARCWriter(handle, gzip=True)
            offset = handle.tell()
            main = self._main_record(writer, source, exchange)
            writer.write_record(main)
            writer.write_record(self._request_record(writer, exchange, main))
            handle.flush()
        return WarcLocation(path, offset)

    def _warc_headers(self, source: str, exchange: ArchivedExchange) -> dict[str, str]:
        return {
            "WARC-Date": exchange.fetched_at.astimezone().isoformat(),
            "WARC-Fez-Source": source,
            "WARC-Fez-Run-Id": self.run_id,
            "WARC-Fez-Fetch-Id": exchange.fetch_id,
        }

    def _main_record(self, writer: WARCWriter, source: str, exchange: ArchivedExchange):
        headers = self._warc_headers(source, exchange)
        if exchange.status is None:
            payload = json.dumps({"error": exchange.error, "method": exchange.method}).encode()
            headers["WARC-Fez-Error"] = exchange.error or ""
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
        if exchange.error:
            headers["WARC-Fez-Error"] = exchange.error
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
        headers = {"WARC-Concurrent-To": main.rec_headers.get_header("WARC-Record-ID")}
        headers["WARC-Date"] = exchange.fetched_at.astimezone().isoformat()
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

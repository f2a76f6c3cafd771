"""The fetcher: one polite, archived HTTP exchange per call.

Live and replay runs share this code; ``build_session`` mounts either urllib3's retrying
adapter or the replay adapter, and nothing else differs.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sources.fetch.archive import ArchivedExchange, WarcArchive
from sources.fetch.redact import Redactor
from sources.fetch.replay import ReplayAdapter, ReplayMissError, ReplayStore
from sources.registry import RequestSpec, SourceSpec

TRANSIENT_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_body_bytes: int = 20_000_000
    retries: int = 4
    backoff_factor: float = 0.5


@dataclass
class FetchResult:
    """A fetched page (or the error in its place), already archived."""

    fetch_id: str
    source: str
    request: RequestSpec
    url: str
    method: str
    fetched_at: datetime
    duration_ms: float
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.status is not None else None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    def log_row(self, run_id: str) -> dict:
        return {
            "fetch_id": self.fetch_id,
            "run_id": run_id,
            "source": self.source,
            "method": self.method,
            "url": self.url,
            "fetched_at": self.fetched_at,
            "status": self.status,
            "bytes": len(self.body),
            "sha256": self.sha256,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "warc_file": self.warc_file,
            "warc_offset": self.warc_offset,
        }


def build_session(policy: FetchPolicy, replay: ReplayStore | None = None) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = policy.user_agent
    if replay is not None:
        adapter = ReplayAdapter(replay)
    else:
        retry = Retry(
            total=policy.retries,
            backoff_factor=policy.backoff_factor,
            backoff_jitter=0.5,
            status_forcelist=TRANSIENT_STATUSES,
            allowed_methods=None,
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class BodyTooLargeError(Exception):
    pass


class Fetcher:
    def __init__(
        self,
        session: requests.Session,
        archive: WarcArchive,
        policy: FetchPolicy,
        redactor: Redactor,
    ):
        self.session = session
        self.archive = archive
        self.policy = policy
        self.redactor = redactor

    def fetch(self, spec: SourceSpec, request: RequestSpec) -> FetchResult:
        fetch_id = uuid.uuid4().hex
        started = time.monotonic()
        fetched_at = datetime.now(UTC)
        prepared = self.session.prepare_request(
            requests.Request(request.method, request.url, params=request.params, data=request.data)
        )
        status, reason, headers, body, error = None, "", [], b"", None
        try:
            response = self.session.send(
                prepared,
                stream=True,
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            )
            status, reason = response.status_code, response.reason or ""
            headers = list(response.headers.items())
            body = self._read_capped(response)
        except ReplayMissError as exc:
            error = str(exc)
        except BodyTooLargeError as exc:
            error = str(exc)
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {self.redactor.text(str(exc))}"
        url = self.redactor.url(prepared.url or request.url)
        result = FetchResult(
            fetch_id=fetch_id,
            source=spec.name,
            request=request,
            url=url,
            method=request.method,
            fetched_at=fetched_at,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            status=status,
            headers=dict(headers),
            body=body,
            error=error if error else (f"HTTP {status}" if status and status >= 400 else None),
        )
        location = self.archive.write(
            spec.name,
            ArchivedExchange(
                method=request.method,
                url=url,
                request_headers=self.redactor.headers(prepared.headers.items()),
                request_body=self._request_body(request),
                fetched_at=fetched_at,
                fetch_id=fetch_id,
                status=status,
                reason=reason,
                response_headers=self.redactor.headers(headers),
                body=body,
                error=result.error,
            ),
        )
        result.warc_file, result.warc_offset = str(location.path), location.offset
        return result

    def _request_body(self, request: RequestSpec) -> bytes:
        if not request.data:
            return b""
        return urlencode(self.redactor.pairs(request.data.items())).encode()

    def _read_capped(self, response: requests.Response) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.policy.max_body_bytes:
                response.close()
                raise BodyTooLargeError(
                    f"body larger than the cap of {self.policy.max_body_bytes} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

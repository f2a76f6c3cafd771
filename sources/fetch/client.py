"""The fetcher: polite, archived HTTP exchanges, shared by live and replay runs.

``build_session`` mounts either a plain transport or the replay adapter. A replay keeps
every check (declared hosts, robots.txt, retries, redirects) but never waits: there is no
server to be polite to, so host intervals, crawl delays and backoff apply to live runs only.

For each request the fetcher checks the host (declared, public address), asks robots.txt,
waits for the host's turn, sends without following redirects, reads the body under the size
cap, archives the exchange, and then decides: retry a transient failure (urllib3's ``Retry``
counts the attempts; the backoff doubles from ``backoff_factor`` at the first retry on;
Retry-After wins when longer; a wait over the cap defers the host), follow a redirect to a
declared host, or answer. Every response is archived and becomes a ``FetchResult``: the final
one carries the earlier ones (robots.txt, retried attempts, redirect hops) in ``history``. A
body cut short keeps the bytes that came, marked truncated.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

from sources.fetch.archive import ArchivedExchange, WarcArchive
from sources.fetch.hosts import HostGuard, HostRefusedError
from sources.fetch.identity import request_key
from sources.fetch.politeness import HostDeferredError, HostScheduler
from sources.fetch.redact import Redactor, declared_secret_params
from sources.fetch.replay import ReplayAdapter, ReplayMissError, ReplayStore
from sources.fetch.robots import RobotsCache, RobotsRules, rules_from_answer
from sources.fetch.state import FetchState, Validators
from sources.spec import RequestSpec, SourceSpec

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class FetchPolicy:
    """How carefully to fetch; ``from_settings`` reads the run's settings."""

    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_body_bytes: int = 20_000_000
    retries: int = 4
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.5
    max_backoff: float = 120.0
    max_retry_wait: float = 600.0
    min_interval: float = 1.0
    max_in_flight_per_host: int = 1
    max_concurrency: int = 8
    max_redirects: int = 10
    obey_robots: bool = True

    @classmethod
    def from_settings(cls, settings: Any) -> FetchPolicy:
        return cls(
            user_agent=settings.user_agent,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_body_bytes=settings.max_body_bytes,
            max_retry_wait=settings.max_retry_wait,
            min_interval=settings.min_interval,
            max_in_flight_per_host=settings.max_in_flight_per_host,
            max_concurrency=settings.max_concurrency,
        )


@dataclass
class FetchResult:
    """A fetched page (or the error in its place), already archived.

    ``outcome`` is one of: ok, not_modified (304, or the same body as last time), redirect,
    http_error, network_error, truncated, too_large — all archived — and replay_miss,
    refused (undeclared or private host), disallowed (robots.txt), deferred (the host asked
    for a wait longer than the cap) — never sent, so never archived.
    """

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
    outcome: str = "ok"
    attempt: int = 1
    warning: str | None = None
    retryable: bool = False
    validators: Validators | None = None
    history: list[FetchResult] = field(default_factory=list)
    dropped: tuple[int, str | None] | None = None
    """Size and sha256 of a body dropped by ``drop_body``."""

    @property
    def sha256(self) -> str | None:
        if self.dropped is not None:
            return self.dropped[1]
        return hashlib.sha256(self.body).hexdigest() if self.status is not None else None

    @property
    def size(self) -> int:
        """The body's length in bytes, also once dropped."""
        return self.dropped[0] if self.dropped is not None else len(self.body)

    def drop_body(self) -> None:
        """Forget the body, keeping its size and sha256 (the ``fetch_log`` row): a crawl
        worker sends its results back without the bodies, which the archive holds."""
        if self.dropped is None:
            self.dropped = (self.size, self.sha256)
            self.body = b""

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.outcome == "not_modified"

    @property
    def deferred(self) -> bool:
        return self.outcome == "deferred"

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == name), None)

    def exchanges(self) -> list[FetchResult]:
        """This result after everything that led to it, each one a fetch_log row."""
        return [*self.history, self]

    def log_row(self, run_id: str) -> dict:
        """The ``raw.fetch_log`` row."""
        return {
            "fetch_id": self.fetch_id,
            "run_id": run_id,
            "source": self.source,
            "method": self.method,
            "url": self.url,
            "fetched_at": self.fetched_at,
            "status": self.status,
            "bytes": self.size,
            "sha256": self.sha256,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "warc_file": self.warc_file,
            "warc_offset": self.warc_offset,
            "request_kind": self.request.kind,
            "attempt": self.attempt,
            "outcome": self.outcome,
            "not_modified": self.not_modified,
            "deferred": self.deferred,
        }


class _NoAuth(requests.auth.AuthBase):
    """No credentials: also spares requests a ``~/.netrc`` lookup on every request."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def build_session(policy: FetchPolicy, replay: ReplayStore | None = None) -> requests.Session:
    """A session with our User-Agent; retries and redirects are the fetcher's job."""
    session = requests.Session()
    session.auth = _NoAuth()
    session.headers["User-Agent"] = policy.user_agent
    adapter = (
        ReplayAdapter(replay)
        if replay is not None
        else HTTPAdapter(pool_connections=64, pool_maxsize=max(policy.max_in_flight_per_host, 4))
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the unit robots.txt rules apply to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Fetcher:
    def __init__(
        self,
        session: requests.Session,
        archive: WarcArchive,
        policy: FetchPolicy,
        redactor: Redactor,
        *,
        state: FetchState | None = None,
    ):
        self.session = session
        self.archive = archive
        self.policy = policy
        self.redactor = redactor
        self.live = not isinstance(session.get_adapter("http://"), ReplayAdapter)
        self.state = state
        self.scheduler = HostScheduler(policy.max_concurrency)
        self.guard = HostGuard(check_addresses=self.live)
        self.robots = RobotsCache()
        self.closed = False
        self._environment: dict[str, dict[str, Any]] = {}

    def limit_concurrency(self, max_concurrency: int) -> None:
        """Lower the global limit, before any request: a crawl split over processes shares
        the run's limit out between them."""
        self.scheduler.limit(max_concurrency)

    def fetch_robots(self, spec: SourceSpec, url: str) -> list[FetchResult]:
        """Load the robots.txt of ``url``'s origin now, as ``spec``'s first request there
        would (once per origin and run); return the exchanges that took, for ``fetch_log``."""
        history: list[FetchResult] = []
        if self.policy.obey_robots:
            self._robots_rules(spec, url_origin(url), history)
        return history

    def _robots_rules(
        self, spec: SourceSpec, origin: str, history: list[FetchResult]
    ) -> RobotsRules:
        """``origin``'s rules, loaded for ``spec`` (its exchanges into ``history``) when no
        request of the run has asked yet."""
        return self.robots.rules(origin, lambda: self._load_robots(spec, origin, history))

    def close(self) -> None:
        """Close the run's archive files and connections. A crawl still running (its run was
        stopped) sees ``closed`` and asks for nothing more."""
        self.closed = True
        self.archive.close()
        self.session.close()

    def fetch(
        self, spec: SourceSpec, request: RequestSpec, *, conditional: bool = True
    ) -> FetchResult:
        """Fetch ``request`` for ``spec``. With ``conditional``, ask "changed since?" and mark
        an unchanged answer ``not_modified``."""
        prepared = self.session.prepare_request(
            requests.Request(request.method, request.url, params=request.params, data=request.data)
        )
        key = request_key(
            prepared.method or "GET", prepared.url or "", prepared.body, self.redactor
        )
        known = self.state.validators(key) if self.state and conditional else None
        if known and known.etag:
            prepared.headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            prepared.headers["If-Modified-Since"] = known.last_modified
        history: list[FetchResult] = []
        result = self._follow_redirects(spec, request, prepared, history, obey_robots=True)
        if result.ok and known and known.sha256 == result.sha256:
            result.outcome = "not_modified"
        if result.ok and self.state is not None:
            result.validators = Validators(
                key, result.header("ETag"), result.header("Last-Modified"), result.sha256
            )
        result.history = history
        return result

    def _follow_redirects(
        self,
        spec: SourceSpec,
        request: RequestSpec,
        prepared: requests.PreparedRequest,
        history: list[FetchResult],
        obey_robots: bool,
    ) -> FetchResult:
        for _ in range(self.policy.max_redirects + 1):
            result = self._fetch_url(spec, request, prepared, history, obey_robots)
            location = result.header("Location")
            if result.outcome != "redirect" or not location:
                return result
            history.append(result)
            prepared = self._redirected(prepared, result.status or 302, location)
        return self._unsent(
            spec, request, prepared, "refused", f"more than {self.policy.max_redirects} redirects"
        )

    @staticmethod
    def _redirected(
        prepared: requests.PreparedRequest, status: int, location: str
    ) -> requests.PreparedRequest:
        following = prepared.copy()
        following.prepare_url(urljoin(prepared.url or "", location), None)
        for name in ("If-None-Match", "If-Modified-Since"):
            following.headers.pop(name, None)
        if (status == 303 and prepared.method != "HEAD") or (
            status in (301, 302) and prepared.method == "POST"
        ):
            following.method, following.body = "GET", None
            for name in ("Content-Length", "Content-Type"):
                following.headers.pop(name, None)
        return following

    def _fetch_url(
        self,
        spec: SourceSpec,
        request: RequestSpec,
        prepared: requests.PreparedRequest,
        history: list[FetchResult],
        obey_robots: bool,
    ) -> FetchResult:
        url = prepared.url or ""
        try:
            self.guard.check(spec, url)
        except HostRefusedError as exc:
            prefix = "redirect refused: " if history and history[-1].outcome == "redirect" else ""
            return self._unsent(spec, request, prepared, "refused", prefix + str(exc))
        interval = (
            spec.politeness.min_interval
            if spec.politeness.min_interval is not None
            else self.policy.min_interval
        )
        pace = 1.0 if self.live else 0.0
        if obey_robots and self.policy.obey_robots:
            origin = url_origin(url)
            rules = self._robots_rules(spec, origin, history)
            if not rules.allows(url, self.policy.user_agent):
                reason = rules.closed_reason or f"disallowed by {origin}/robots.txt"
                return self._unsent(spec, request, prepared, "disallowed", reason)
            interval = max(interval, rules.crawl_delay(self.policy.user_agent))
        interval *= pace
        max_in_flight = spec.politeness.max_in_flight or self.policy.max_in_flight_per_host
        host = urlsplit(url).netloc
        retry = self._retry()
        attempt = 1
        while True:
            try:
                with self.scheduler.slot(host, interval, max_in_flight):
                    result = self._exchange(spec, request, prepared, attempt)
            except HostDeferredError as exc:
                return self._unsent(spec, request, prepared, "deferred", f"host deferred: {exc}")
            if not result.retryable:
                return result
            try:
                retry = retry.increment(prepared.method, url)
            except MaxRetryError:
                return result
            wait = max(self._backoff(retry), self._retry_after(retry, result))
            if wait > self.policy.max_retry_wait:
                reason = (
                    f"{host} asked to wait {wait:.0f} s, more than the "
                    f"{self.policy.max_retry_wait:.0f} s cap; deferred to the next run"
                )
                self.scheduler.defer(host, reason)
                result.outcome, result.error = "deferred", f"{result.error}; {reason}"
                return result
            self.scheduler.hold(host, wait * pace)
            history.append(result)
            attempt += 1

    def _retry(self) -> Retry:
        return Retry(
            total=self.policy.retries,
            backoff_factor=self.policy.backoff_factor,
            backoff_jitter=self.policy.backoff_jitter,
            backoff_max=self.policy.max_backoff,
            allowed_methods=None,
            retry_after_max=2**31,
        )

    def _backoff(self, retry: Retry) -> float:
        """``backoff_factor`` doubled per retry, from the first one (urllib3's own backoff
        waits nothing before the first retry), plus jitter, up to ``max_backoff``."""
        policy = self.policy
        grown = policy.backoff_factor * 2 ** (len(retry.history) - 1)
        return min(policy.max_backoff, grown + random.random() * policy.backoff_jitter)

    @staticmethod
    def _retry_after(retry: Retry, result: FetchResult) -> float:
        value = result.header("Retry-After")
        if not value:
            return 0.0
        try:
            return retry.parse_retry_after(value)
        except InvalidHeader:
            return 0.0

    def _load_robots(
        self, spec: SourceSpec, origin: str, history: list[FetchResult]
    ) -> RobotsRules:
        robots_url = f"{origin}/robots.txt"
        request = RequestSpec(url=robots_url, kind="robots")
        prepared = self.session.prepare_request(requests.Request("GET", robots_url))
        found: list[FetchResult] = []
        result = self._follow_redirects(spec, request, prepared, found, obey_robots=False)
        history.extend(found)
        if result.warc_file:
            history.append(result)
        if result.outcome in ("replay_miss", "refused"):
            return RobotsRules()
        rules = rules_from_answer(
            result.status,
            result.header("Content-Type") or "",
            result.body,
            result.error,
            robots_url,
        )
        result.warning = rules.warning
        return rules

    def _environment_for(self, url: str) -> dict[str, Any]:
        origin = url_origin(url)
        settings = self._environment.get(origin)
        if settings is None:
            merged = self.session.merge_environment_settings(url, {}, None, None, None)
            settings = {k: merged[k] for k in ("proxies", "verify", "cert")}
            self._environment[origin] = settings
        return settings

    def _exchange(
        self,
        spec: SourceSpec,
        request: RequestSpec,
        prepared: requests.PreparedRequest,
        attempt: int,
    ) -> FetchResult:
        fetch_id = uuid.uuid4().hex
        started = time.monotonic()
        fetched_at = datetime.now(UTC)
        status, reason, headers, body = None, "", [], b""
        error, truncated, outcome, retryable = None, None, "ok", False
        try:
            response = self.session.send(
                prepared,
                stream=True,
                allow_redirects=False,
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                **self._environment_for(prepared.url or ""),
            )
        except ReplayMissError as exc:
            error, outcome = str(exc), "replay_miss"
        except requests.RequestException as exc:
            error, outcome = self._describe(exc), "network_error"
            retryable = isinstance(exc, _TRANSIENT_ERRORS)
        else:
            status, reason = response.status_code, response.reason or ""
            headers = list(response.headers.items())
            body, error, truncated, retryable = self._read_body(response)
            if truncated:
                outcome = "too_large" if truncated == "length" else "truncated"
        if status is not None and error is None:
            outcome, retryable = self._classify(status, headers)
            error = f"HTTP {status}" if status >= 400 else None
        body = self.redactor.body(body)
        url = self.redactor.url(prepared.url or request.url)
        result = FetchResult(
            fetch_id=fetch_id,
            source=spec.name,
            request=request,
            url=url,
            method=prepared.method or request.method,
            fetched_at=fetched_at,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            status=status,
            headers=dict(headers),
            body=body,
            error=error,
            outcome=outcome,
            attempt=attempt,
            retryable=retryable,
        )
        if outcome == "replay_miss":
            return result
        location = self.archive.write(
            spec.name,
            ArchivedExchange(
                method=result.method,
                url=url,
                request_headers=self.redactor.headers(prepared.headers.items()),
                request_body=self.redactor.form(prepared.body),
                fetched_at=fetched_at,
                fetch_id=fetch_id,
                status=status,
                reason=reason,
                response_headers=self.redactor.headers(headers),
                body=body,
                error=error,
                truncated=truncated,
                request_kind=request.kind,
                request_meta=request.meta,
            ),
        )
        result.warc_file, result.warc_offset = str(location.path), location.offset
        return result

    @staticmethod
    def _classify(status: int, headers: list[tuple[str, str]]) -> tuple[str, bool]:
        if status == 304:
            return "not_modified", False
        if status in REDIRECT_STATUSES and any(k.lower() == "location" for k, _ in headers):
            return "redirect", False
        if status >= 400:
            return "http_error", status in TRANSIENT_STATUSES
        return "ok", False

    def _describe(self, exc: Exception) -> str:
        return f"{type(exc).__name__}: {self.redactor.text(str(exc))}"

    def _read_body(self, response: requests.Response) -> tuple[bytes, str | None, str | None, bool]:
        """The body (decompressed), read in chunks and abandoned past the size cap.

        Returns the body, an error, the WARC-Truncated reason and whether a retry may help.
        """
        cap = self.policy.max_body_bytes
        declared = response.headers.get("Content-Length", "")
        if (
            declared.isdigit()
            and int(declared) > cap
            and "Content-Encoding" not in response.headers
        ):
            response.close()
            return b"", f"body of {declared} bytes is larger than the cap of {cap}", "length", False
        # Read what came even when the connection drops before Content-Length: the bytes are
        # archived (marked truncated) instead of being lost in urllib3's IncompleteRead.
        response.raw.enforce_content_length = False
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > cap:
                    response.close()
                    return b"", f"body larger than the cap of {cap} bytes", "length", False
                chunks.append(chunk)
        except requests.RequestException as exc:
            response.close()
            retryable = isinstance(exc, _TRANSIENT_ERRORS)
            return b"".join(chunks), self._describe(exc), "disconnect", retryable
        body = b"".join(chunks)
        if self._has_body(response) and declared.isdigit() and len(body) < int(declared):
            return body, f"body cut short: {len(body)} of {declared} bytes", "disconnect", True
        return body, None, None, False

    @staticmethod
    def _has_body(response: requests.Response) -> bool:
        """Whether the declared Content-Length counts bytes of this answer's plain body (not
        for HEAD, 1xx, 204 and 304 answers, nor a compressed body)."""
        status, method = response.status_code, response.request.method
        no_body = method == "HEAD" or status < 200 or status in (204, 304)
        return not no_body and "Content-Encoding" not in response.headers

    def _unsent(
        self,
        spec: SourceSpec,
        request: RequestSpec,
        prepared: requests.PreparedRequest,
        outcome: str,
        reason: str,
    ) -> FetchResult:
        """A request we chose not to send: reported in the fetch log, nothing archived."""
        return FetchResult(
            fetch_id=uuid.uuid4().hex,
            source=spec.name,
            request=request,
            url=self.redactor.url(prepared.url or request.url),
            method=prepared.method or request.method,
            fetched_at=datetime.now(UTC),
            duration_ms=0.0,
            error=self.redactor.text(reason),
            outcome=outcome,
        )


def open_fetcher(
    settings: Any,
    run_id: str,
    replay: ReplayStore | None = None,
    redactor: Redactor | None = None,
    specs: list[SourceSpec] | None = None,
    archive_part: str = "",
) -> Fetcher:
    """The run's fetcher from its settings: live (with conditional-GET state) or replaying.
    Without a ``redactor``, one is made from the settings and the ``specs``' secrets;
    ``archive_part`` names its own WARC files, for a process writing beside the workers."""
    params = [*settings.secret_params, *declared_secret_params(specs or [])]
    redactor = redactor or Redactor(params, settings.secret_values())
    policy = FetchPolicy.from_settings(settings)
    # A replay keeps its own state: an answer replayed again is recognised by its sha256 and
    # not re-parsed, as live; live state never mixes with a replay's.
    state = FetchState.in_data_dir(settings.data_dir, replay=replay is not None)
    return Fetcher(
        build_session(policy, replay),
        WarcArchive(settings.raw_dir, run_id, archive_part),
        policy,
        redactor,
        state=state,
    )

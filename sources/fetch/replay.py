"""Answer HTTP requests from recorded responses instead of the network.

The replay adapter is mounted on the same ``requests.Session`` the live fetcher uses, so a
replayed run goes through the identical code path: only the transport differs. Answers come
from the bundled samples (``sources/samples/<source>/manifest.yaml``, one file per response)
or from a WARC archive written by earlier runs.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import yaml
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse
from warcio.archiveiterator import ArchiveIterator

from sources.fetch.redact import Redactor

SAMPLES_DIR = Path(__file__).parents[1] / "samples"


class ReplayMissError(requests.ConnectionError):
    """The replay source holds no answer for a request."""


@dataclass(frozen=True)
class RecordedAnswer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


def _canonical_query(query: str) -> str:
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


def replay_key(method: str, url: str, body: bytes | str | None, redactor: Redactor) -> str:
    """A request's identity for lookup: method, redacted URL with sorted query, sorted form body."""
    parts = urlsplit(redactor.url(url))
    url = urlunsplit(parts._replace(query=_canonical_query(parts.query), fragment=""))
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    form = _canonical_query(redactor.url("?" + body)[1:]) if body else ""
    return f"{method.upper()} {url} {form}".strip()


class ReplayStore:
    def __init__(self, answers: dict[str, RecordedAnswer], redactor: Redactor, origin: str):
        self.answers = answers
        self.redactor = redactor
        self.origin = origin

    @classmethod
    def from_samples(cls, redactor: Redactor, root: Path = SAMPLES_DIR) -> ReplayStore:
        answers: dict[str, RecordedAnswer] = {}
        for manifest in sorted(root.glob("*/manifest.yaml")):
            for entry in yaml.safe_load(manifest.read_text(encoding="utf-8")) or []:
                key = replay_key(entry["method"], entry["url"], entry.get("body"), redactor)
                answers[key] = RecordedAnswer(
                    status=int(entry.get("status", 200)),
                    reason=entry.get("reason", ""),
                    headers=list((entry.get("headers") or {}).items()),
                    body=(manifest.parent / entry["file"]).read_bytes()
                    if entry.get("file")
                    else b"",
                )
        return cls(answers, redactor, f"the bundled samples ({root})")

    @classmethod
    def from_warc(cls, paths: Iterable[Path], redactor: Redactor) -> ReplayStore:
        """Index WARC files; a later response to the same request replaces an earlier one."""
        answers: dict[str, RecordedAnswer] = {}
        files = sorted(
            p for path in paths for p in ([path] if path.is_file() else path.rglob("*.warc.gz"))
        )
        for path in files:
            pending: dict[str, RecordedAnswer] = {}
            with path.open("rb") as handle:
                for record in ArchiveIterator(handle):
                    if record.rec_type == "response":
                        head = record.http_headers
                        pending[record.rec_headers.get_header("WARC-Record-ID")] = RecordedAnswer(
                            status=int(head.get_statuscode()),
                            reason="",
                            headers=list(head.headers),
                            body=record.content_stream().read(),
                        )
                    elif record.rec_type == "request":
                        answer = pending.pop(
                            record.rec_headers.get_header("WARC-Concurrent-To"), None
                        )
                        if answer is None:
                            continue
                        method = record.http_headers.protocol
                        body = record.content_stream().read()
                        key = replay_key(
                            method, record.rec_headers.get_header("WARC-Target-URI"), body, redactor
                        )
                        answers[key] = answer
        return cls(answers, redactor, f"the archive ({', '.join(str(p) for p in paths)})")

    def lookup(self, request: requests.PreparedRequest) -> RecordedAnswer:
        key = replay_key(request.method or "GET", request.url or "", request.body, self.redactor)
        try:
            return self.answers[key]
        except KeyError:
            raise ReplayMissError(
                f"{request.method} {self.redactor.url(request.url or '')} is not in {self.origin}"
            ) from None


class ReplayAdapter(BaseAdapter):
    """A transport adapter that builds responses from a ``ReplayStore``."""

    def __init__(self, store: ReplayStore):
        super().__init__()
        self.store = store
        self._builder = HTTPAdapter()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        answer = self.store.lookup(request)
        raw = HTTPResponse(
            body=io.BytesIO(answer.body),
            headers=answer.headers,
            status=answer.status,
            reason=answer.reason,
            preload_content=False,
            decode_content=False,
        )
        return self._builder.build_response(request, raw)

    def close(self) -> None:
        self._builder.close()

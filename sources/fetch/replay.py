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

import requests
import yaml
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse

from sources.fetch.archive import read_exchanges, warc_files
from sources.fetch.identity import request_key
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
                key = request_key(entry["method"], entry["url"], entry.get("body"), redactor)
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
        """Index WARC files; a later answer to the same request replaces an earlier one.

        Only complete answers count: not 304s (they hold no body), not bodies cut short.
        """
        paths = list(paths)
        answers: dict[str, RecordedAnswer] = {}
        for path in warc_files(paths):
            for exchange in read_exchanges(path):
                if exchange.status is None or exchange.status == 304 or exchange.truncated:
                    continue
                key = request_key(exchange.method, exchange.url, exchange.request_body, redactor)
                answers[key] = RecordedAnswer(exchange.status, "", exchange.headers, exchange.body)
        return cls(answers, redactor, f"the archive ({', '.join(str(p) for p in paths)})")

    def lookup(self, request: requests.PreparedRequest) -> RecordedAnswer:
        key = request_key(request.method or "GET", request.url or "", request.body, self.redactor)
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


def open_replay(path: Path | None, redactor: Redactor) -> ReplayStore:
    """The answers for ``--replay [PATH]``: the bundled samples when no path is given, a
    bundle folder written by ``fez record`` (it holds ``*/manifest.yaml``), or WARC files."""
    if path is None:
        return ReplayStore.from_samples(redactor)
    if not path.exists():
        raise FileNotFoundError(f"replay source {path} does not exist")
    if path.is_dir() and any(path.glob("*/manifest.yaml")):
        return ReplayStore.from_samples(redactor, root=path)
    if not warc_files([path]):
        raise FileNotFoundError(f"replay source {path} holds no manifest.yaml and no .warc.gz file")
    return ReplayStore.from_warc([path], redactor)

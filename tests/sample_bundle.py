"""Pages from the bundled SAMPLE answers, for parser tests without a network or a key.

``replay_source`` plays a source through its planned requests and the follow-ups its parser
asks for, answering each from ``sources/samples`` as a replayed run would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

from flows.settings import DEFAULT_SECRET_PARAMS
from sources.fetch.redact import Redactor
from sources.fetch.replay import SAMPLES_DIR, ReplayStore
from sources.parsers import Page, ParseResult, get_parser
from sources.registry import RequestSpec, SourceSpec, load_sources

PLACEHOLDER_KEY = "sample-key-for-replay"
REDACTOR = Redactor(DEFAULT_SECRET_PARAMS, [PLACEHOLDER_KEY])


def spec(name: str) -> SourceSpec:
    return load_sources()[name]


def with_key(request: RequestSpec, key: str = PLACEHOLDER_KEY) -> RequestSpec:
    return request.model_copy(
        update={
            "url": request.url.replace("{api_key}", key),
            "params": {k: v.replace("{api_key}", key) for k, v in request.params.items()},
        }
    )


def bundle_page(source: str, file: str, request: RequestSpec | None = None) -> Page:
    """The page of the manifest entry whose body is ``file``."""
    folder = SAMPLES_DIR / source
    entries = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    entry = next(e for e in entries if e.get("file") == file)
    return Page(
        spec=spec(source),
        request=request or RequestSpec(url=entry["url"]),
        url=entry["url"],
        status=entry["status"],
        headers=entry["headers"],
        body=(folder / file).read_bytes(),
        fetch_id=f"sample:{file}",
    )


@dataclass
class Replayed:
    records: list[dict] = field(default_factory=list)
    results: list[tuple[RequestSpec, ParseResult]] = field(default_factory=list)


def replay_source(name: str, root: Path = SAMPLES_DIR) -> Replayed:
    source = spec(name)
    store = ReplayStore.from_samples(REDACTOR, root)
    parse = get_parser(source.parser)
    queue = [with_key(r) for r in source.requests]
    out = Replayed()
    while queue:
        request = queue.pop(0)
        prepared = requests.Request(request.method, request.url, params=request.params).prepare()
        answer = store.lookup(prepared)
        page = Page(
            spec=source,
            request=request,
            url=REDACTOR.url(prepared.url or ""),
            status=answer.status,
            headers=dict(answer.headers),
            body=answer.body,
            fetch_id=f"replay:{len(out.results)}",
        )
        result = parse(page)
        out.results.append((request, result))
        out.records.extend(result.records)
        queue.extend(result.follow)
    return out


def find(records: list[dict], **where) -> list[dict]:
    return [r for r in records if all(r.get(k) == v for k, v in where.items())]

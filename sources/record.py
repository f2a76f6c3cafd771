"""``fez record``: fetch sources live and write a replay bundle, one file per response.

The bundle has the layout of ``sources/samples/``: a folder per source with ``manifest.yaml``
(method, URL, request body, status, headers, file) and the response bodies, secrets redacted,
so a reviewer can open any page in an editor and ``--replay PATH`` can answer from it. A
folder is written beside its final place and renamed into it once complete.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import yaml

from sources.crawl import Collected, collect_many
from sources.fetch.client import Fetcher, FetchResult
from sources.fetch.identity import request_key
from sources.spec import SourceSpec

KEPT_HEADERS = ("content-type", "location", "etag", "last-modified", "retry-after")
_EXTENSIONS = {"html": ".html", "json": ".json", "xml": ".xml", "rss": ".xml", "csv": ".csv"}


class BundleExistsError(FileExistsError):
    """The bundle folder exists and overwriting was not asked for."""


def _extension(content_type: str) -> str:
    return next((ext for key, ext in _EXTENSIONS.items() if key in content_type.lower()), ".txt")


def _request_body(fetcher: Fetcher, result: FetchResult) -> str | None:
    if result.method != "POST" or not result.request.data:
        return None
    return fetcher.redactor.form(urlencode(result.request.data)).decode()


def write_bundle(fetcher: Fetcher, results: Iterable[FetchResult], folder: Path) -> int:
    """Write the last answer to each request into ``folder``; the number of responses kept."""
    last: dict[str, FetchResult] = {}
    for result in results:
        if result.status is None or result.request.kind == "robots":
            continue
        body = _request_body(fetcher, result)
        last[request_key(result.method, result.url, body, fetcher.redactor)] = result
    folder.mkdir(parents=True)
    entries = []
    for number, result in enumerate(last.values(), start=1):
        content_type = result.header("Content-Type") or ""
        name = f"{number:03d}_{result.request.kind}{_extension(content_type)}"
        (folder / name).write_bytes(result.body)
        entry = {"method": result.method, "url": result.url}
        body = _request_body(fetcher, result)
        if body:
            entry["body"] = body
        entry["status"] = result.status
        entry["headers"] = {k: v for k, v in result.headers.items() if k.lower() in KEPT_HEADERS}
        entry["file"] = name
        entries.append(entry)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = f"# Recorded by `fez record` from the live site at {stamp}; secrets redacted.\n"
    manifest = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)
    (folder / "manifest.yaml").write_text(header + manifest, encoding="utf-8")
    return len(entries)


def record_bundle(
    specs: Iterable[SourceSpec],
    fetcher: Fetcher,
    out_dir: Path,
    api_keys: Mapping[str, str | None] | None = None,
    *,
    overwrite: bool = False,
) -> dict[str, Collected]:
    """Crawl ``specs`` in full (no conditional GET) and write ``out_dir/<source>/``.

    Returns what each source's crawl collected (its errors included); requests that got no
    answer at all are not written, nor is a source that got none. An existing folder is
    replaced only with ``overwrite``.
    """
    specs = list(specs)
    taken = [s.name for s in specs if (out_dir / s.name).exists()]
    if taken and not overwrite:
        raise BundleExistsError(f"bundle folder already exists for {', '.join(taken)} in {out_dir}")
    collected = collect_many(specs, fetcher, api_keys, full=True, commit=False)
    for name, result in collected.items():
        partial = out_dir / f".{name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        if write_bundle(fetcher, result.fetches, partial) == 0:
            # No answer to keep: an empty manifest would replace a good recording.
            shutil.rmtree(partial)
            continue
        final = out_dir / name
        if final.exists():
            shutil.rmtree(final)
        partial.rename(final)
    return collected

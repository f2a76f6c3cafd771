"""Re-parse the raw archive without any network (``fez reparse``, after a parser changes).

Each archived 2xx response (robots.txt, cut-short bodies and errors left out) is mapped to
its source by the WARC-Fez-Source header, rebuilt as the ``Page`` its parser saw, and parsed
again. The same body fetched again from the same URL is parsed once: its records keep the
fetch id of the first fetch that brought it. A detail page archived as 404/410, or one that
says its post was deleted, gives the post's tombstone as the crawl did. A damaged archive
record is skipped and reported as an error of its source (so the source is not ``ok``);
every intact record of the file is still read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from sources.crawl import GONE_STATUSES, Collected, SelectorTally, tombstone
from sources.fetch.archive import StoredExchange, read_exchanges, warc_files
from sources.parsers import Page, ParseError, Parser, get_parser
from sources.spec import RequestSpec, SourceSpec


def _parsable(exchange: StoredExchange) -> bool:
    return (
        exchange.status is not None
        and 200 <= exchange.status < 300
        and not exchange.truncated
        and exchange.request_kind != "robots"
    )


def _page(spec: SourceSpec, exchange: StoredExchange) -> Page:
    form = exchange.request_body.decode("utf-8", errors="replace")
    parts = urlsplit(exchange.url)
    request = RequestSpec(
        url=urlunsplit(parts._replace(query="")),
        params=dict(parse_qsl(parts.query, keep_blank_values=True)),
        method="POST" if exchange.method.upper() == "POST" else "GET",
        data=dict(parse_qsl(form, keep_blank_values=True)) if form else None,
        kind=exchange.request_kind,
        meta=exchange.request_meta,
    )
    return Page(
        spec=spec,
        request=request,
        url=exchange.url,
        status=exchange.status or 0,
        headers=dict(exchange.headers),
        body=exchange.body,
        fetch_id=exchange.fetch_id,
    )


def reparse_archive(
    raw_dir: Path,
    specs: Mapping[str, SourceSpec],
    sources: Iterable[str] | None = None,
) -> dict[str, Collected]:
    """Records per source from every archived page under ``raw_dir`` (``<raw>/<source>/…``)."""
    names = sorted(sources) if sources is not None else sorted(specs)
    out: dict[str, Collected] = {}
    for name in names:
        spec = specs[name]
        collected = out[name] = Collected(name)
        parse: Parser = get_parser(spec.parser)
        done: set[bytes] = set()
        tally = SelectorTally()
        for path in warc_files([raw_dir / name]) if (raw_dir / name).is_dir() else []:
            damaged: list[str] = []
            for exchange in read_exchanges(path, damaged):
                gone = _gone(exchange)
                if gone is not None:
                    collected.removed.append(
                        tombstone(spec, gone, exchange.fetch_id, f"HTTP {exchange.status}")
                    )
                    continue
                if not _parsable(exchange):
                    continue
                identity = hashlib.sha256(
                    b"\0".join(
                        [
                            exchange.method.encode(),
                            exchange.url.encode(),
                            exchange.request_body,
                            exchange.body,
                        ]
                    )
                ).digest()
                if identity in done:
                    continue
                done.add(identity)
                try:
                    parsed = parse(_page(spec, exchange))
                except ParseError as exc:
                    collected.errors.append(f"{exchange.url} ({exchange.fetch_id}): {exc}")
                    continue
                for record in parsed.records:
                    record["fetch_id"] = exchange.fetch_id
                collected.records.extend(parsed.records)
                collected.warnings.extend(parsed.warnings)
                collected.removed.extend(
                    tombstone(spec, post_id, exchange.fetch_id, "deleted post page")
                    for post_id in parsed.removed
                )
                tally.add(parsed.selectors)
            collected.errors.extend(damaged)
        collected.warnings.extend(tally.warnings(name))
        if not done and not collected.removed:
            collected.errors.append(f"no archived page to re-parse under {raw_dir / name}")
    return out


def _gone(exchange: StoredExchange) -> str | None:
    """The post id of a detail page archived as gone (404/410), else None."""
    if exchange.request_kind != "detail" or exchange.status not in GONE_STATUSES:
        return None
    meta = exchange.request_meta
    post_id = meta.get("post_id") or (meta.get("record") or {}).get("post_id")
    return str(post_id) if post_id is not None else None

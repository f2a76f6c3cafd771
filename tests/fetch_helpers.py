"""Small builders shared by the fetch tests: a board source pointed at a local server, a
fetcher with short waits, and SAMPLE list pages in the pms.gtp.or.kr shape (invented rows)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from sources.fetch.archive import StoredExchange, WarcArchive, read_exchanges, warc_files
from sources.fetch.client import Fetcher, FetchPolicy, build_session
from sources.fetch.redact import Redactor
from sources.fetch.replay import ReplayStore
from sources.fetch.state import FetchState
from sources.registry import SourceSpec
from tests.httpserver import LocalServer, html

SECRET = "S3cr3t-Key-0042"

# Board-reader options for the list pages `board_page` writes (GTP-like markup: no posting
# date, so a source reading them declares `lacks: [posted_date]`).
GTP_LIKE_LIST: dict[str, Any] = {
    "rows": "table.t01 tbody tr",
    "fields": {"title": "td.subject a", "category": "td:nth-of-type(3)", "period": "td.last"},
    "id_pattern": r"fn_goView\(\s*'?(\d+)'?\s*\)",
}


def board_spec(*servers: LocalServer, path: str = "/board", **fields: Any) -> SourceSpec:
    """A board source on the first server, declaring every given server's host."""
    declared: dict[str, Any] = {
        "name": "test_board",
        "title": "Test board",
        "description": "A board served by the tests' local server.",
        "institution": "gtp",
        "licence": "test",
        "kind": "html_board",
        "parser": "board",
        "record_type": "announcement",
        "hosts": [s.netloc for s in servers],
        "politeness": {"min_interval": 0.0},
        "requests": [{"url": servers[0].url(path)}],
        "options": {**GTP_LIKE_LIST, "url": servers[0].url("/view?id={id}")},
        "lacks": ["posted_date"],
    }
    declared.update(fields)
    return SourceSpec(**declared)


def paged(spec_fields: dict | None = None, pages: int = 4) -> dict:
    """Source fields for a numbered board of ``pages`` pages, plus ``spec_fields``."""
    fields: dict[str, Any] = {"paging": {"param": "page", "max_pages": pages}}
    fields.update(spec_fields or {})
    return fields


def serve_pages(server: LocalServer, path: str = "/board") -> None:
    """An endless board at ``path``: page N lists posts N0, N1, N2 and links page N+1."""

    def answer(seen: Any) -> Any:
        number = int(seen.query.split("page=")[1]) if "page=" in seen.query else 1
        return html(board_page([number * 10 + i for i in range(3)], next_page=number + 1))

    server.route(path, answer)


def paced_boards(
    servers: Sequence[LocalServer], pages: int, min_interval: float = 0.1
) -> list[SourceSpec]:
    """One paged board per server (``board_0``, ``board_1`` …), each asking ``min_interval``
    seconds between requests to its host."""
    specs = []
    for number, server in enumerate(servers):
        serve_pages(server)
        fields = {"name": f"board_{number}", "politeness": {"min_interval": min_interval}}
        specs.append(board_spec(server, **paged(fields, pages=pages)))
    return specs


def policy(**overrides: Any) -> FetchPolicy:
    values: dict[str, Any] = {
        "user_agent": "fez-test/1.0 (+https://example.invalid/fez)",
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "retries": 3,
        "backoff_factor": 0.01,
        "backoff_jitter": 0.0,
        "min_interval": 0.0,
        "max_retry_wait": 5.0,
    }
    values.update(overrides)
    return FetchPolicy(**values)


def fetcher(
    tmp_path: Path,
    replay: ReplayStore | None = None,
    state: bool = False,
    run_id: str = "run1",
    archive_part: str = "",
    **overrides: Any,
) -> Fetcher:
    chosen = policy(**overrides)
    return Fetcher(
        build_session(chosen, replay),
        WarcArchive(tmp_path / "raw", run_id, archive_part),
        chosen,
        redactor(),
        state=FetchState(tmp_path / "state" / "fetch_state.sqlite") if state else None,
    )


def redactor() -> Redactor:
    return Redactor(["serviceKey", "apiKey"], [SECRET])


def archived(tmp_path: Path) -> list[StoredExchange]:
    return [e for p in warc_files([tmp_path / "raw"]) for e in read_exchanges(p)]


def responses(tmp_path: Path) -> list[StoredExchange]:
    return [e for e in archived(tmp_path) if e.status is not None]


def board_page(ids: Iterable[int], next_page: int | None = None) -> str:
    """A SAMPLE list page in the pms.gtp.or.kr markup, one invented call per id."""
    rows = "".join(
        f"""<tr><td>{i}</td>
<td class="subject"><a href="#none" onclick="fn_goView('{i}'); return false;"
 title="2026년 시험 공고 {i}">2026년 시험 공고 {i}</a></td>
<td>기술</td><td></td><td>안산시</td>
<td class="last">2026-11-16 09:00 <br>~ 2026-12-04 18:00</td></tr>"""
        for i in ids
    )
    paging = f'<a href="?page={next_page}">다음</a>' if next_page else ""
    return (
        "<!-- SAMPLE page for tests, not a real capture -->"
        '<html><head><meta charset="utf-8"><title>사업공고</title></head><body>'
        f'<table class="t01"><tbody>{rows}</tbody></table>'
        f'<div class="paging">{paging}</div></body></html>'
    )


def write_overlay(tmp_path: Path, **sources: dict) -> Path:
    """An overlay file (``--sources-overlay``) of ``{source: {field: value}}``."""
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(sources), encoding="utf-8")
    return path


def on_server(server: LocalServer, path: str = "/board", **fields: Any) -> dict:
    """Overlay fields pointing a board at the local server, without waits between requests."""
    return {
        "hosts": [server.netloc],
        "allow_private_hosts": True,
        "politeness": {"min_interval": 0},
        "requests": [{"url": server.url(path)}],
        **fields,
    }

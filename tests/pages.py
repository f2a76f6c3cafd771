"""Helpers for parser tests: pages built from bytes, sample files, a board of no institution."""

from __future__ import annotations

from pathlib import Path

from sources.fetch.replay import SAMPLES_DIR
from sources.parsers import Page
from sources.registry import RequestSpec, SourceSpec

FIXTURES = Path(__file__).parent / "fixtures"


def page_fetches(collected) -> list:
    """The fetches of a crawl that asked for pages (robots.txt look-ups left out)."""
    return [f for f in collected.fetches if not f.url.endswith("/robots.txt")]


SECRET_PARAMS = ["serviceKey", "apiKey", "crtfcKey", "authKey"]


def make_page(spec, body: bytes | str, url: str, **request) -> Page:
    """A fetched page as the crawler hands it to a parser (no network involved)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = request.pop("headers", {"Content-Type": "text/html;charset=UTF-8"})
    return Page(spec, RequestSpec(url=url, **request), url, 200, headers, body, "fetch-1")


def sample_bytes(source: str, name: str) -> bytes:
    return (SAMPLES_DIR / source / name).read_bytes()


def board_spec(**options) -> SourceSpec:
    """A board source attributed to no real institution, for reader tests."""
    return SourceSpec(
        name="example_board",
        title="예시 게시판",
        description="A board used by tests.",
        institution="example",
        licence="test fixture",
        kind="html_board",
        parser="board",
        record_type="announcement",
        hosts=["board.example"],
        options=options,
    )

"""Parsers: pure functions from one fetched page to typed records and further requests.

Each module here exposes ``parse(page: Page) -> ParseResult``; a source's YAML names its
module in ``parser:``. Re-parsing the archive with the same parser gives the same records.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sources.fetch.charset import decode
from sources.registry import RequestSpec, SourceSpec


@dataclass(frozen=True)
class Page:
    spec: SourceSpec
    request: RequestSpec
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetch_id: str

    @cached_property
    def text(self) -> str:
        content_type = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        return decode(self.body, content_type, self.spec.encoding)


@dataclass
class ParseResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    follow: list[RequestSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Parser = Callable[[Page], ParseResult]


class ParseError(ValueError):
    """A page that does not have the shape its parser expects."""


def get_parser(name: str) -> Parser:
    module = importlib.import_module(f"sources.parsers.{name}")
    return module.parse

"""Parsers: pure functions from one fetched page to typed records and further requests.

Each module here exposes ``parse(page: Page) -> ParseResult``; a source's YAML names its
module in ``parser:``. Re-parsing the archive with the same parser gives the same records.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from sources.parsers.charset import decode
from sources.registry import RequestSpec, SourceSpec, first_error


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
    """What one page gave: records, requests to follow, warnings, and how it ended.

    ``outcome`` is ``"parsed"`` for an ordinary page (even one without records) and
    ``"no_data"`` when the source said it holds nothing for the request.
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    follow: list[RequestSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outcome: Literal["parsed", "no_data"] = "parsed"


Parser = Callable[[Page], ParseResult]


class ParseError(ValueError):
    """A page that does not have the shape its parser expects."""


Options = TypeVar("Options", bound=BaseModel)


def parse_options(spec: SourceSpec, model: type[Options]) -> Options:
    """A source's ``options`` checked against its parser's model; a bad key is a one-line
    ``ParseError`` naming the source and the key."""
    try:
        return model.model_validate(spec.options)
    except ValidationError as exc:
        raise ParseError(f"{spec.name}: options.{first_error(exc)}") from exc


def get_parser(name: str) -> Parser:
    module = importlib.import_module(f"sources.parsers.{name}")
    return module.parse


def plan_requests(spec: SourceSpec) -> list[RequestSpec]:
    """The requests a source's parser plans from its ``options``; [] for most parsers.

    A parser module may define ``plan(spec) -> list[RequestSpec]`` to turn configuration
    (tables, items, periods, series) into requests, e.g. split so that no answer exceeds an
    API's size limit. ``load_sources`` appends them to the declared ``requests``; they may
    hold ``{api_key}`` like declared ones.
    """
    module = importlib.import_module(f"sources.parsers.{spec.parser}")
    plan = getattr(module, "plan", None)
    return plan(spec) if plan else []

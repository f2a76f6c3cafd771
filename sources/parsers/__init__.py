"""Parsers: pure functions from one fetched page to typed records and further requests.

Each module here exposes ``parse(page: Page) -> ParseResult``; a source's YAML names its
module in ``parser:``. Re-parsing the archive with the same parser gives the same records.
A module may also define ``Options`` (a pydantic model of its ``options``, checked when the
sources load) and ``plan(spec)`` (requests planned from the options).

Parsers only read bytes: a list page reports its posts (``ListedPost``) and how each is
completed; the crawler decides what to request next and what counts as seen.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from sources.parsers.charset import decode
from sources.spec import RequestSpec, SourceSpec, first_error


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


@dataclass(frozen=True)
class ListedPost:
    """One post as a list page shows it, and how it is completed: by the ``record`` read
    from the list, by its ``detail`` page, or by nothing (a post the source filters out)."""

    post_id: str
    pinned: bool = False
    record: dict[str, Any] | None = None
    detail: RequestSpec | None = None


@dataclass
class ParseResult:
    """What one page gave: records, requests to follow, warnings, and how it ended.

    ``outcome`` is ``"parsed"`` for an ordinary page (even one without records) and
    ``"no_data"`` when the source said it holds nothing for the request. A list page of
    posts sets ``posts`` (then ``records`` and ``follow`` stay empty: the crawler takes them
    from the posts). ``removed`` holds post ids the page says were deleted; ``selectors``
    says, for each declared selector the page was read with, whether it matched anything.
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    follow: list[RequestSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outcome: Literal["parsed", "no_data"] = "parsed"
    posts: list[ListedPost] | None = None
    removed: list[str] = field(default_factory=list)
    selectors: dict[str, bool] = field(default_factory=dict)


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


def check_options(spec: SourceSpec) -> None:
    """Check ``spec.options`` against its parser's ``Options`` model (``ParseError`` if bad);
    a parser without options accepts none."""
    model = getattr(importlib.import_module(f"sources.parsers.{spec.parser}"), "Options", None)
    if model is not None:
        parse_options(spec, model)
    elif spec.options:
        keys = ", ".join(sorted(spec.options))
        raise ParseError(f"{spec.name}: parser {spec.parser} takes no options (given: {keys})")


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

"""What a source declaration holds: the pydantic models of ``sources/<publisher>/*.yaml``.

Parsers and the fetch layer use these types; ``sources.registry`` loads the files into them.
Kept apart from the registry so that the registry may import the parsers (to check their
options at load) without an import circle.
"""

from __future__ import annotations

import codecs
import importlib.util
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class RequestSpec(BaseModel):
    """One request the crawler makes; parsers return more of them to follow links."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    method: Literal["GET", "POST"] = "GET"
    params: dict[str, str] = Field(default_factory=dict)
    data: dict[str, str] | None = None
    kind: str = "list"
    meta: dict[str, Any] = Field(default_factory=dict)


class Politeness(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    min_interval: float | None = Field(None, ge=0)
    max_in_flight: int | None = Field(None, ge=1)


class Paging(BaseModel):
    """Numbered list pages: ``param`` counts from ``start`` up to ``max_pages`` pages a run."""

    model_config = ConfigDict(extra="forbid")

    param: str = Field(min_length=1)
    start: int = Field(1, ge=0)
    max_pages: int = Field(1, ge=1)
    in_body: bool = False


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    description: str
    institution: str
    licence: str
    kind: Literal["html_board", "json_api", "xml_api", "rss", "curated_csv"]
    parser: str
    record_type: Literal["announcement", "observation"]
    hosts: list[str]
    allow_private_hosts: bool = False
    homepage: str | None = None
    verified: bool = True
    cadence: str = "daily"
    api_key: str | None = None
    secret_params: list[str] = Field(default_factory=list)
    encoding: str | None = None
    politeness: Politeness = Field(default_factory=Politeness)
    paging: Paging | None = None
    requests: list[RequestSpec] = Field(default_factory=list)
    options: dict[str, Any] = Field(default_factory=dict)
    lacks: list[Literal["posted_date", "text"]] = Field(default_factory=list)
    """Fields the source does not publish (a board that lists no posting date, an API with
    reception dates only, a list with no detail page): the parser does not take their
    absence for a layout change, and the completeness suite does not expect them."""
    file: Path | None = None

    @field_validator("parser")
    @classmethod
    def _parser_exists(cls, name: str) -> str:
        if not name.isidentifier() or importlib.util.find_spec(f"sources.parsers.{name}") is None:
            raise ValueError(f"no parser {name!r} in sources/parsers")
        return name

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                codecs.lookup(name)
            except LookupError:
                raise ValueError(f"unknown encoding {name!r}") from None
        return name

    @field_validator("requests")
    @classmethod
    def _absolute_urls(cls, requests: list[RequestSpec]) -> list[RequestSpec]:
        for request in requests:
            parts = urlsplit(request.url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{request.url!r} is not an http(s) URL")
        return requests


def first_error(exc: ValidationError, within: str = "") -> str:
    """The first validation error as one line: ``within.field.sub: message (got value)``."""
    first = exc.errors()[0]
    given = first.get("input")
    shown = "" if isinstance(given, dict | list) else f" (got {given!r})"
    message = first["msg"].removeprefix("Value error, ")
    where = ".".join([within] * bool(within) + [str(p) for p in first["loc"]])
    return f"{where}: {message}{shown}"

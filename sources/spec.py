"""What a source declaration holds: the pydantic models of ``sources/<publisher>/*.yaml``.

Parsers and the fetch layer use these types; ``sources.registry`` loads the files into them.
Kept apart from the registry so that the registry may import the parsers (to check their
options at load) without an import circle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


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
    model_config = ConfigDict(extra="forbid")

    min_interval: float | None = None
    max_in_flight: int | None = None


class Paging(BaseModel):
    """Numbered list pages: ``param`` counts from ``start`` up to ``max_pages`` pages a run."""

    model_config = ConfigDict(extra="forbid")

    param: str
    start: int = 1
    max_pages: int = 1
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
    file: Path | None = None


def first_error(exc: ValidationError) -> str:
    """The first validation error as one line: ``field.sub: message``."""
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"

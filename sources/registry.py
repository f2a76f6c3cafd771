"""Source declarations: one YAML file per source under ``sources/<publisher>/``.

A declaration is data (URLs, hosts, paging, politeness, parser options); the parser it names
is code in ``sources/parsers``. ``--sources-overlay`` files are merged over the declarations,
so the same sources can be pointed at a mirror or a test server without editing them. Each
source's parser options are checked when the sources load, so a bad key fails the run
before any request, naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sources.parsers import ParseError, check_options, plan_requests
from sources.spec import Paging, Politeness, RequestSpec, SourceSpec, first_error

__all__ = [
    "Paging",
    "Politeness",
    "RequestSpec",
    "SourceDeclarationError",
    "SourceSpec",
    "UnknownSourceError",
    "first_error",
    "load_sources",
    "select_sources",
]

SOURCES_DIR = Path(__file__).parent


class UnknownSourceError(KeyError):
    """A source name that no declaration has."""

    def __init__(self, unknown: list[str], known: list[str]):
        super().__init__(unknown)
        self.unknown, self.known = unknown, known

    def __str__(self) -> str:
        return f"unknown source {', '.join(self.unknown)}; known sources: {', '.join(self.known)}"


class SourceDeclarationError(ValueError):
    """A YAML declaration that does not follow the schema."""


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceDeclarationError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise SourceDeclarationError(f"{path}: expected a mapping at the top level")
    return data


def _checked(spec: SourceSpec, path: Path) -> SourceSpec:
    """The spec with its parser's options checked, and the requests its parser plans from
    them appended to the declared ones."""
    try:
        check_options(spec)
        planned = plan_requests(spec)
    except ParseError as exc:
        raise SourceDeclarationError(f"{path}: {exc}") from exc
    if not planned:
        return spec
    return spec.model_copy(update={"requests": [*spec.requests, *planned]})


def load_sources(overlay: Path | None = None, root: Path = SOURCES_DIR) -> dict[str, SourceSpec]:
    """All declared sources by name, with the overlay (``{name: {field: value}}``) applied."""
    overrides = _read_yaml(overlay) if overlay else {}
    specs: dict[str, SourceSpec] = {}
    for path in sorted(root.glob("*/*.yaml")):
        if path.parent.name == "samples" or path.name.startswith("_"):
            continue
        raw = _read_yaml(path)
        raw = _merge(raw, overrides.get(raw.get("name"), {}))
        try:
            spec = SourceSpec(**raw, file=path)
        except ValidationError as exc:
            raise SourceDeclarationError(f"{path}: {first_error(exc)}") from exc
        specs[spec.name] = _checked(spec, path)
    unknown = sorted(set(overrides) - set(specs))
    if unknown:
        raise UnknownSourceError(unknown, sorted(specs))
    return specs


def has_bundled_samples(spec: SourceSpec) -> bool:
    return (SOURCES_DIR / "samples" / spec.name / "manifest.yaml").is_file()


def select_sources(
    specs: dict[str, SourceSpec], names: list[str] | None, *, samples: bool = False
) -> list[SourceSpec]:
    """The named sources; without names, every verified source, and when replaying the
    bundled samples also the unverified ones that have samples (API sources whose codes are
    still to be confirmed; unverified boards have no invented pages, so they stay out)."""
    if not names:
        return [s for s in specs.values() if s.verified or (samples and has_bundled_samples(s))]
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise UnknownSourceError(unknown, sorted(specs))
    return [specs[n] for n in names]

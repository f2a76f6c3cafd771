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
    "OverlayError",
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


def shown(name: object) -> str:
    """A name as a one-line message shows it: quoted when it holds anything but plain text."""
    text = str(name)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


class UnknownSourceError(KeyError):
    """A source name that no declaration has."""

    def __init__(self, unknown: list[str], known: list[str], where: str = ""):
        super().__init__(unknown)
        self.unknown, self.known, self.where = unknown, known, where

    def __str__(self) -> str:
        where = f" in {self.where}" if self.where else ""
        names = ", ".join(shown(name) for name in self.unknown)
        return f"unknown source {names}{where}; known sources: {', '.join(self.known)}"


class SourceDeclarationError(ValueError):
    """A YAML declaration that does not follow the schema."""


class OverlayError(SourceDeclarationError):
    """A mistake in a ``--sources-overlay`` file; the message names the file and the key."""


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(
    path: Path, error: type[SourceDeclarationError] = SourceDeclarationError
) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise error(f"{path}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top level")
    return data


def read_overlay(path: Path) -> dict[str, dict[str, Any]]:
    """An overlay file's entries, each ``{field: value}`` for one source."""
    overrides = _read_yaml(path, OverlayError)
    for name, entry in overrides.items():
        if not isinstance(name, str):
            raise OverlayError(f"{path}: {name!r}: a source name must be text")
        if not isinstance(entry, dict):
            kind = "nothing" if entry is None else repr(entry)
            raise OverlayError(f"{path}: {shown(name)}: expected a mapping of fields, got {kind}")
        if "file" in entry:
            raise OverlayError(f"{path}: {shown(name)}.file: set by the loader, not an overlay")
    return overrides


def _checked(spec: SourceSpec, path: Path, overlay: Path | None) -> SourceSpec:
    """The spec with its parser's options checked, and the requests its parser plans from
    them appended to the declared ones. A bad option is blamed on ``overlay`` when the
    overlay set the options, else on the declaration at ``path``."""
    try:
        check_options(spec)
        planned = plan_requests(spec)
    except ParseError as exc:
        if overlay is not None:
            raise OverlayError(f"{overlay}: {exc}") from None
        raise SourceDeclarationError(f"{path}: {exc}") from None
    if not planned:
        return spec
    return spec.model_copy(update={"requests": [*spec.requests, *planned]})


def load_sources(overlay: Path | None = None, root: Path = SOURCES_DIR) -> dict[str, SourceSpec]:
    """All declared sources by name, with the overlay (``{name: {field: value}}``) applied."""
    overrides = read_overlay(overlay) if overlay else {}
    specs: dict[str, SourceSpec] = {}
    for path in sorted(root.glob("*/*.yaml")):
        if path.parent.name == "samples" or path.name.startswith("_"):
            continue
        raw = _read_yaml(path)
        entry = overrides.get(raw.get("name"), {})
        try:
            spec = SourceSpec.model_validate({**_merge(raw, entry), "file": path})
        except ValidationError as exc:
            field = next(iter(exc.errors()[0]["loc"]), None)
            if field in entry or (field is None and entry):
                raise OverlayError(f"{overlay}: {first_error(exc, raw['name'])}") from None
            raise SourceDeclarationError(f"{path}: {first_error(exc)}") from None
        specs[spec.name] = _checked(spec, path, overlay if "options" in entry else None)
    unknown = sorted(set(overrides) - set(specs))
    if unknown:
        raise UnknownSourceError(unknown, sorted(specs), where=str(overlay))
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

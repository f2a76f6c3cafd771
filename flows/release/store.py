"""The ``published/`` folder: releases, the ``latest`` link, retention, rollback, leftovers.

Layout::

    published/latest -> releases/<release_id>     (a symlink, replaced atomically)
    published/releases/<release_id>/             (complete releases; never modified)
    published/releases/.<release_id>.partial/    (a release being written)
    published/docs/<sha256>/                      (docs sites, shared by the releases that link
                                                   them as docs/<name>, e.g. docs/dbt)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
PARTIAL = ".partial"


class PublishError(RuntimeError):
    """Publishing failed; the message is one line and says which release stays latest."""


class ReleaseNotFoundError(PublishError):
    pass


@dataclass
class ReleaseInfo:
    release_id: str
    path: Path
    manifest: dict[str, Any]
    is_latest: bool


def releases_dir(published: Path) -> Path:
    return published / "releases"


def latest_id(published: Path) -> str | None:
    """The release ``latest`` points to, or None before the first release."""
    link = published / "latest"
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def read_manifest(release: Path) -> dict[str, Any]:
    return json.loads((release / MANIFEST).read_text(encoding="utf-8"))


def list_releases(published: Path) -> list[ReleaseInfo]:
    """Complete releases, oldest first (release ids sort by time)."""
    root = releases_dir(published)
    if not root.is_dir():
        return []
    latest = latest_id(published)
    found = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not (path / MANIFEST).is_file():
            continue
        found.append(ReleaseInfo(path.name, path, read_manifest(path), path.name == latest))
    return found


def switch_latest(published: Path, release_id: str) -> None:
    """Point ``latest`` at a release: a new symlink renamed over the old one (atomic)."""
    temporary = published / f".latest.{release_id}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path("releases") / release_id)
    os.replace(temporary, published / "latest")


def find_release(published: Path, release_id: str) -> ReleaseInfo:
    """The complete release ``release_id``; ``ReleaseNotFoundError`` naming the newest ones."""
    for info in list_releases(published):
        if info.release_id == release_id:
            return info
    known = ", ".join(i.release_id for i in list_releases(published)[-5:]) or "none"
    raise ReleaseNotFoundError(f"no complete release {release_id} (latest releases: {known})")


def rollback(published: Path, release_id: str) -> ReleaseInfo:
    """Point ``latest`` back at an earlier complete release."""
    info = find_release(published, release_id)
    switch_latest(published, release_id)
    info.is_latest = True
    return info


def remove_leftovers(published: Path) -> list[str]:
    """Remove what a killed or failed publish left: ``.partial`` releases and docs, stray
    temporary links. Call it holding the run lock (no other publish is writing)."""
    removed = []
    for folder in (releases_dir(published), published / "docs"):
        if folder.is_dir():
            for path in folder.glob(f".*{PARTIAL}"):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
    if published.is_dir():
        for path in published.glob(".latest.*"):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def prune(published: Path, keep: int) -> list[str]:
    """Keep the newest ``keep`` releases and the one ``latest`` points to; remove docs no
    remaining release links. Returns the removed release ids."""
    releases = list_releases(published)
    removed = []
    for info in releases[: max(0, len(releases) - keep)]:
        if info.is_latest:
            continue
        shutil.rmtree(info.path)
        removed.append(info.release_id)
    docs = published / "docs"
    if docs.is_dir():
        linked = {
            digest
            for info in list_releases(published)
            for digest in (info.manifest.get("docs") or {}).values()
        }
        for path in docs.iterdir():
            if not path.name.startswith(".") and path.name not in linked:
                shutil.rmtree(path)
    return removed


def free_bytes(path: Path) -> int:
    """Free space on the file system holding ``path`` (or its nearest existing parent)."""
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def store_docs(
    published: Path, docs_dir: Path, prepare: Callable[[Path], object] | None = None
) -> str:
    """Copy a docs site into ``published/docs/<sha256 of its files>/`` unless that copy
    exists already; returns the hash the release links to. ``prepare`` finishes the copy
    before it becomes visible (the offline rewrite): the hash names the generated site, and
    the same site always gives the same finished copy."""
    from flows.release.files import sha256_file

    files = sorted(p for p in docs_dir.rglob("*") if p.is_file())
    listing = "\n".join(f"{p.relative_to(docs_dir)} {sha256_file(p)}" for p in files)
    digest = hashlib.sha256(listing.encode()).hexdigest()
    target = published / "docs" / digest
    if not target.exists():
        staging = published / "docs" / f".{digest}{PARTIAL}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copytree(docs_dir, staging)
            if prepare is not None:
                prepare(staging)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return digest


def link_docs(
    published: Path,
    docs_dir: Path,
    release: Path,
    name: str,
    prepare: Callable[[Path], object] | None = None,
) -> str:
    """Store a docs site once (``store_docs``) and link it from the release being written as
    ``docs/<name>``; returns the hash to record under ``manifest["docs"][name]``, which keeps
    the site from being pruned while a release links it."""
    digest = store_docs(published, docs_dir, prepare)
    (release / "docs").mkdir(exist_ok=True)
    (release / "docs" / name).symlink_to(Path("..") / ".." / ".." / "docs" / digest)
    return digest

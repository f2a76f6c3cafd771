"""Publish the marts as a versioned release and switch ``latest`` to it atomically.

A release is written in full under ``published/releases/.<release_id>.partial/``, renamed to
``releases/<release_id>/``, then ``latest`` is replaced (``os.replace`` of a symlink is
atomic), so a reader never sees a half-written release. A run whose datasets hash the same
as the latest release's cuts no release. A dataset the run did not touch (a run of some
sources only) is carried from the latest release, or published empty with its schema when
there is none. Any write error (a full disk) removes the ``.partial`` folder and leaves
``latest`` as it was; the next run removes what a killed run left.

Publishing is two steps so the caller can close the warehouse in between (dbt generates the
docs only for a release that will be cut): ``stage_release`` writes the datasets,
``finish_release`` adds changes, data package, docs, the site builders' files and the
manifest, then switches ``latest``.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.release.changes import dataset_changes, no_changes
from flows.release.datasets import DATASETS, Dataset
from flows.release.files import FORMATS, content_hash, read_dataset, sha256_file, write_dataset
from flows.release.package import Descriptions, data_package, readme, resource, source_entry
from flows.release.store import (
    MANIFEST,
    PARTIAL,
    PublishError,
    free_bytes,
    latest_id,
    link_docs,
    prune,
    read_manifest,
    releases_dir,
    remove_leftovers,
    switch_latest,
)
from flows.site.offline_docs import make_dbt_docs_offline, make_gx_docs_offline

KST = timezone(timedelta(hours=9))
logger = logging.getLogger("fez")


@dataclass
class ReleaseDraft:
    """A release being written: what a site builder gets. ``path`` is the ``.partial``
    folder holding the datasets' files, ``datapackage.json`` and ``changes.json``;
    ``manifest`` is the manifest so far (without the checksums, computed after the
    builders ran); ``previous`` is the release ``latest`` points to, if any."""

    release_id: str
    path: Path
    manifest: dict[str, Any]
    previous: Path | None


SiteBuilder = Callable[[ReleaseDraft], None]


def site_builders() -> list[SiteBuilder]:
    """Steps that add files to a release (portal, feeds) before ``latest`` switches to it.

    Each gets the draft and writes into ``draft.path``; the manifest's checksums cover
    what they write."""
    from flows.site import build_site

    return [build_site]


@dataclass
class Release:
    release_id: str
    path: Path
    tables: dict[str, int]
    new: bool = True
    datasets: dict[str, str] = field(default_factory=dict)
    pruned: list[str] = field(default_factory=list)


@dataclass
class Staged:
    """The datasets of a release written into its ``.partial`` folder."""

    release_id: str
    published: Path
    path: Path
    previous: Path | None
    previous_manifest: dict[str, Any] | None
    datasets: tuple[Dataset, ...]
    schemas: dict[str, pa.Schema]
    rows: dict[str, int]
    content: dict[str, str]
    status: dict[str, str]
    carried_from: dict[str, str]
    samples: bool

    @property
    def unchanged(self) -> bool:
        """The same datasets with the same content (and samples flag) as ``latest``."""
        previous = self.previous_manifest
        if previous is None:
            return False
        held = {
            name: entry.get("content_sha256")
            for name, entry in previous.get("datasets", {}).items()
        }
        return held == self.content and previous.get("samples") == self.samples


def now_kst() -> str:
    return datetime.now(KST).isoformat(timespec="seconds")


def _failure(exc: OSError, release_id: str, published: Path) -> PublishError:
    latest = latest_id(published)
    kept = f"release {latest} stays latest" if latest else "no release exists yet"
    cause = "disk full" if exc.errno in {errno.ENOSPC, errno.EDQUOT} else "write error"
    where = f" ({exc.filename})" if exc.filename else ""
    detail = exc.strerror or str(exc)
    return PublishError(f"{cause} while publishing release {release_id}: {detail}{where}; {kept}")


@contextmanager
def _removed_on_error(release_id: str, published: Path, *paths: Path) -> Iterator[None]:
    """On any write error: remove the partial folders, raise a one-line PublishError."""
    try:
        yield
    except OSError as exc:
        for path in paths:
            if path.is_symlink():
                path.unlink()
            else:
                shutil.rmtree(path, ignore_errors=True)
        remove_leftovers(published)
        raise _failure(exc, release_id, published) from None


def prepare_publish(published: Path, min_free_bytes: int) -> None:
    """At the start of a run (holding the run lock): remove what a killed publish left, then
    fail with one line when the disk is too full to publish."""
    remove_leftovers(published)
    free = free_bytes(published)
    if free < min_free_bytes:
        latest = latest_id(published)
        kept = f"release {latest} stays latest" if latest else "no release exists yet"
        raise PublishError(
            f"disk full: {free // 2**20} MB free for {published}, need {min_free_bytes // 2**20}"
            f" MB (FEZ_MIN_FREE_MB); {kept}"
        )


def _carry(dataset: Dataset, previous: Path, staging: Path) -> pa.Schema:
    for suffix in FORMATS:
        shutil.copyfile(previous / f"{dataset.name}.{suffix}", staging / f"{dataset.name}.{suffix}")
    return pq.read_schema(staging / f"{dataset.name}.parquet")


def stage_release(
    con: duckdb.DuckDBPyConnection,
    published: Path,
    release_id: str,
    *,
    datasets: tuple[Dataset, ...] = DATASETS,
    touched: set[str] | None = None,
    samples: bool = False,
) -> Staged:
    """Write every dataset into the release's ``.partial`` folder. ``touched``: the datasets
    this run changed (None: all); the others are carried from ``latest``."""
    releases = releases_dir(published)
    if (releases / release_id).exists():
        raise FileExistsError(f"release {release_id} already exists in {releases}")
    latest = latest_id(published)
    previous = releases / latest if latest else None
    previous_manifest = read_manifest(previous) if previous else None
    held = (previous_manifest or {}).get("datasets", {})
    staging = releases / f".{release_id}{PARTIAL}"
    # The warehouse keeps what a samples replay loaded: once a release says samples, the
    # releases after it built on the same warehouse do too.
    samples = samples or bool((previous_manifest or {}).get("samples"))
    staged = Staged(
        release_id, published, staging, previous, previous_manifest, datasets,
        {}, {}, {}, {}, {}, samples,
    )  # fmt: skip
    with _removed_on_error(release_id, published, staging):
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for dataset in datasets:
            name, entry = dataset.name, held.get(dataset.name)
            untouched = touched is not None and name not in touched
            if untouched and previous and entry and entry.get("content_sha256"):
                staged.schemas[name] = _carry(dataset, previous, staging)
                staged.rows[name] = entry["rows"]
                staged.content[name] = entry["content_sha256"]
                staged.status[name] = "empty" if entry.get("status") == "empty" else "carried"
                staged.carried_from[name] = entry.get("from_release") or previous.name
                continue
            empty = untouched and previous is None
            table = read_dataset(con, dataset, empty=empty)
            write_dataset(table, staging, name)
            staged.schemas[name] = table.schema
            staged.rows[name] = table.num_rows
            staged.content[name] = content_hash(table)
            same = entry is not None and entry.get("content_sha256") == staged.content[name]
            staged.status[name] = "empty" if empty else ("unchanged" if same else "changed")
    return staged


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.path, ignore_errors=True)


def _source_ids(staged: Staged) -> set[str]:
    found: set[str] = set()
    for name, schema in staged.schemas.items():
        if "source_id" in schema.names:
            column = pq.read_table(staged.path / f"{name}.parquet", columns=["source_id"])
            found.update(v for v in pc.unique(column.column(0)).to_pylist() if v)
    return found


def _files(directory: Path) -> dict[str, tuple[int, str]]:
    """Every regular file of the release → (bytes, sha256); not the shared docs sites behind
    their links (``rglob`` does not follow a symlinked folder)."""
    found = {}
    for path in sorted(directory.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        found[path.relative_to(directory).as_posix()] = (path.stat().st_size, sha256_file(path))
    return found


def _dataset_entries(staged: Staged) -> dict[str, dict[str, Any]]:
    entries = {}
    for name, rows in staged.rows.items():
        entry = {
            "status": staged.status[name],
            "rows": rows,
            "content_sha256": staged.content[name],
        }
        if name in staged.carried_from:
            entry["from_release"] = staged.carried_from[name]
        entries[name] = entry
    return entries


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def finish_release(
    staged: Staged,
    *,
    docs_dir: Path | None = None,
    gx_docs_dir: Path | None = None,
    descriptions: Descriptions | None = None,
    sources: Iterable[Any] = (),
    source_health: Any = None,
    quality: Any = None,
    builders: Sequence[SiteBuilder] = (),
    keep: int = 30,
) -> Release:
    """Add ``changes.json``, ``datapackage.json``, the README, the docs links, the site
    builders' files and the manifest; then switch ``latest`` and prune to ``keep`` releases.
    ``sources``: the declared sources (``SourceSpec``); those in the release are listed."""
    descriptions = descriptions or Descriptions()
    published, staging, release_id = staged.published, staged.path, staged.release_id
    created = now_kst()
    with _removed_on_error(release_id, published, staging):
        changes = {}
        for dataset in staged.datasets:
            name = dataset.name
            if staged.status[name] in {"carried", "unchanged"}:
                changes[name] = no_changes()
                continue
            old = staged.previous / f"{name}.parquet" if staged.previous else None
            known = old if old is not None and old.exists() else None
            changes[name] = dataset_changes(dataset, staging / f"{name}.parquet", known)
        previous_id = staged.previous.name if staged.previous else None
        _write_json(
            staging / "changes.json",
            {"release_id": release_id, "previous_release": previous_id, "datasets": changes},
        )
        files = _files(staging)
        resources = [
            resource(d, staged.schemas[d.name], files, descriptions, staged.status[d.name])
            for d in staged.datasets
        ]
        in_release = _source_ids(staged)
        source_entries = [source_entry(s) for s in sources if s.name in in_release]
        package = data_package(release_id, created, staged.samples, resources, source_entries)
        _write_json(staging / "datapackage.json", package)
        (staging / "README.md").write_text(
            readme(release_id, created, staged.samples, staged.rows), encoding="utf-8"
        )
        docs: dict[str, str] = {}
        if docs_dir is not None:
            docs["dbt"] = link_docs(published, docs_dir, staging, "dbt", make_dbt_docs_offline)
        if gx_docs_dir is not None:
            docs["gx"] = link_docs(published, gx_docs_dir, staging, "gx", make_gx_docs_offline)
        manifest: dict[str, Any] = {
            "release_id": release_id,
            "published_at": created,
            "previous_release": previous_id,
            "samples": staged.samples,
            "tables": staged.rows,
            "datasets": _dataset_entries(staged),
            "docs": docs,
            "sources": source_health,
            "quality": quality,
        }
        draft = ReleaseDraft(release_id, staging, manifest, staged.previous)
        for build in builders:
            build(draft)
        manifest["sha256"] = {name: sha for name, (_, sha) in _files(staging).items()}
        _write_json(staging / MANIFEST, manifest)
        target = releases_dir(published) / release_id
        staging.rename(target)
    with _removed_on_error(release_id, published, target):
        switch_latest(published, release_id)
    try:
        pruned = prune(published, keep)
    except OSError as exc:
        logger.warning("could not remove old releases: %s", exc)
        pruned = []
    return Release(release_id, target, staged.rows, True, staged.status, pruned)


def unchanged_release(staged: Staged) -> Release:
    """Discard a staged release whose content equals ``latest``'s; ``latest`` stays."""
    discard(staged)
    assert staged.previous is not None and staged.previous_manifest is not None
    return Release(
        staged.previous.name,
        staged.previous,
        dict(staged.previous_manifest.get("tables", {})),
        new=False,
        datasets={name: "unchanged" for name in staged.rows},
    )


def publish(
    con: duckdb.DuckDBPyConnection,
    published_dir: Path,
    release_id: str,
    docs_dir: Path | None = None,
    datasets: tuple[Dataset, ...] = DATASETS,
    *,
    touched: set[str] | None = None,
    samples: bool = False,
    keep: int = 30,
    **finish: Any,
) -> Release:
    """Stage and finish a release in one call (the warehouse stays open throughout);
    returns the release that stays latest, with ``new`` False when nothing changed."""
    staged = stage_release(
        con, published_dir, release_id, datasets=datasets, touched=touched, samples=samples
    )
    if staged.unchanged:
        return unchanged_release(staged)
    return finish_release(staged, docs_dir=docs_dir, keep=keep, **finish)


def publish_run(
    settings: Any,
    run_id: str,
    *,
    samples: bool = False,
    quality: Any = None,
    source_health: Any = None,
    builders: Sequence[SiteBuilder] | None = None,
) -> Release:
    """The flow's publish step: stage the datasets (carrying those the run did not touch),
    close the warehouse, and only when the content changed generate the dbt docs and finish
    the release. ``settings`` is ``flows.settings.Settings``."""
    from flows.dbt_extras import generate_docs
    from flows.release.datasets import touched_datasets
    from flows.warehouse import connect
    from sources.registry import load_sources

    specs = load_sources()
    published = settings.published_dir
    prepare_publish(published, settings.min_free_mb * 2**20)
    con = connect(settings.warehouse)
    try:
        record_types = {name: spec.record_type for name, spec in specs.items()}
        touched = touched_datasets(con, run_id, record_types)
        staged = stage_release(con, published, run_id, touched=touched, samples=samples)
    finally:
        con.close()
    if staged.unchanged:
        return unchanged_release(staged)
    try:
        docs = generate_docs(
            settings.warehouse, settings.data_dir, settings.data_dir / "dbt" / "docs"
        )
    except BaseException:
        discard(staged)
        raise
    gx_docs = settings.data_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
    return finish_release(
        staged,
        docs_dir=docs,
        gx_docs_dir=gx_docs if gx_docs.is_dir() else None,
        descriptions=Descriptions.from_dbt_manifest(docs / "manifest.json"),
        sources=specs.values(),
        source_health=source_health,
        quality=quality,
        builders=site_builders() if builders is None else builders,
        keep=settings.keep_releases,
    )

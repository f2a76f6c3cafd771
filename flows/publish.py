"""Publish the marts as a versioned release and switch ``latest`` to it atomically.

A release is written in full under ``published/releases/<release_id>/`` before the ``latest``
symlink is replaced (``os.replace`` of a symlink is atomic), so a reader never sees a
half-written release. CSV files carry a UTF-8 byte-order mark so Excel shows Hangul.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_TABLES = {
    "announcements": "main.fct_announcement",
    "open_calls": "main.mart_open_calls",
    "indicator_observations": "main.fct_indicator_observation",
    "zone_monthly": "main.mart_zone_monthly",
    "industrial_complex_monthly": "main.mart_industrial_complex_monthly",
    "institutions": "main.dim_institution",
    "regions": "main.dim_region",
    "indicators": "main.dim_indicator",
}


@dataclass
class Release:
    release_id: str
    path: Path
    tables: dict[str, int]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publish(
    con: duckdb.DuckDBPyConnection,
    published_dir: Path,
    release_id: str,
    docs_dir: Path | None = None,
    tables: dict[str, str] = PUBLISHED_TABLES,
) -> Release:
    """Write every published table, the dbt docs site (when given) and a manifest, then
    switch ``latest``."""
    releases = published_dir / "releases"
    target = releases / release_id
    staging = releases / f".{release_id}.partial"
    if target.exists():
        raise FileExistsError(f"release {release_id} already exists in {releases}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts, files = {}, {}
    for name, relation in tables.items():
        frame = con.sql(f"select * from {relation}").df()
        counts[name] = len(frame)
        con.sql(f"copy {relation} to '{staging / (name + '.parquet')}' (format parquet)")
        frame.to_csv(staging / f"{name}.csv", index=False, encoding="utf-8-sig")
        for suffix in ("parquet", "csv"):
            files[f"{name}.{suffix}"] = _sha256(staging / f"{name}.{suffix}")
    if docs_dir is not None:
        shutil.copytree(docs_dir, staging / "docs")
    manifest = {
        "release_id": release_id,
        "published_at": datetime.now(UTC).isoformat(),
        "tables": counts,
        "sha256": files,
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    staging.rename(target)
    link = published_dir / "latest"
    temporary = published_dir / f".latest.{release_id}"
    temporary.symlink_to(Path("releases") / release_id)
    os.replace(temporary, link)
    return Release(release_id, target, counts)

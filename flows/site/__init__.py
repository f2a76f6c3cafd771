"""What a release offers people besides its data files: Atom feeds, a portal, offline docs.

``build_site`` is the site builder publish runs on the release being written (the
``.partial`` folder, before ``latest`` switches to it); it reads only that folder (the
datasets' Parquet files and the docs it links) and the manifest being written, and writes
into the folder, so the manifest's checksums cover what it wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.site.feeds import write_feeds
from flows.site.offline_docs import write_offline_docs
from flows.site.portal import write_portal

if TYPE_CHECKING:
    from flows.publish import ReleaseDraft


def write_site(release_dir: Path, manifest: dict[str, Any] | None = None) -> list[Path]:
    """Make the release's docs offline, then write its feeds and its portal (which links
    both); ``manifest`` defaults to the release's ``manifest.json``."""
    written = write_offline_docs(release_dir)
    written += write_feeds(release_dir, manifest)
    written.append(write_portal(release_dir, manifest))
    return written


def build_site(draft: ReleaseDraft) -> None:
    """The site builder publish runs (``flows.publish.site_builders``)."""
    write_site(draft.path, draft.manifest)

"""What a release offers people besides its data files: Atom feeds, a portal, offline docs.

``write_site(release_dir)`` is called by publish on the finished release directory, before
``latest`` is switched to it; it reads only that directory (the datasets' Parquet files and
``manifest.json``) and writes into it.
"""

from __future__ import annotations

from pathlib import Path

from flows.site.feeds import write_feeds
from flows.site.offline_docs import write_offline_docs
from flows.site.portal import write_portal


def write_site(release_dir: Path) -> list[Path]:
    """Make the release's docs offline, then write its feeds and its portal (which links both)."""
    written = write_offline_docs(release_dir)
    written += write_feeds(release_dir)
    written.append(write_portal(release_dir))
    return written

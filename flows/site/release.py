"""Read a finished release directory: its manifest and its datasets, as the site builders need.

Only the release directory is read (never the warehouse), so the feeds, the portal and the
offline docs are functions of what the release publishes. Optional manifest keys may be
missing; a dataset file may be missing too (an empty or not yet published dataset).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

KST = ZoneInfo("Asia/Seoul")
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class ReleaseView:
    """A release as the site builders read it."""

    path: Path
    manifest: dict[str, Any]
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    @classmethod
    def open(cls, release_dir: Path, manifest: dict[str, Any] | None = None) -> ReleaseView:
        """The release in ``release_dir``; its manifest as given (publish passes the one it
        is writing), else read from ``manifest.json``."""
        if manifest is None:
            manifest_file = release_dir / "manifest.json"
            if not manifest_file.exists():
                raise FileNotFoundError(f"no manifest.json in release {release_dir}")
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        return cls(release_dir, manifest)

    @property
    def release_id(self) -> str:
        return str(self.manifest["release_id"])

    @property
    def published_at(self) -> datetime:
        return to_kst(self.manifest["published_at"])

    @property
    def samples(self) -> bool:
        return bool(self.manifest.get("samples", False))

    def table(self, name: str, columns: tuple[str, ...] = ()) -> pd.DataFrame:
        """The dataset ``name``, with ``columns`` added as nulls where it lacks them (empty
        when the release has no Parquet file for it)."""
        if name not in self._frames:
            file = self.path / f"{name}.parquet"
            self._frames[name] = pd.read_parquet(file) if file.exists() else pd.DataFrame()
        frame = self._frames[name]
        missing = [c for c in columns if c not in frame.columns]
        return frame.assign(**dict.fromkeys(missing)) if missing else frame


def to_kst(value: Any) -> datetime | None:
    """A timestamp (aware, naive UTC or ISO text) in KST; None for a missing value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(KST).to_pydatetime()


def clean_text(value: Any) -> str:
    """Scraped text as a string XML can hold: control characters removed, None as empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return _XML_INVALID.sub("", str(value)).strip()


def web_link(value: Any) -> str | None:
    """A scraped URL when it is an http(s) address, else None (never a ``javascript:`` link)."""
    text = clean_text(value)
    return text if re.match(r"https?://[^\s/]+", text, re.IGNORECASE) else None


def days_left(value: Any) -> int | None:
    """Days left to a call's deadline; None for a rolling call (상시, 소진 시까지)."""
    if value is None or pd.isna(value):
        return None
    return int(value)


def days_label(days: int | None, status: str) -> str:
    """The call's countdown as the boards write it: D-5, 오늘 마감, 접수 예정, 상시 접수."""
    if days is None:
        return "상시 접수"
    if status == "upcoming":
        return f"접수 예정 · D-{days}"
    return "오늘 마감" if days == 0 else f"D-{days}"


def deadline_text(value: Any) -> str:
    """A deadline date as ISO text; empty for a rolling call."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).date().isoformat()

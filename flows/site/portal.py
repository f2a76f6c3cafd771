"""The release's portal: one static ``index.html`` that works from ``file://``.

It shows the catalog (row counts and downloads), source health and freshness, the open calls
with days left, charts of the zone's indicators, the quality gate's result and links to the
dbt docs, the Data Docs and the feeds. It loads nothing: no script, no font, no image file
(charts are inline SVG from ``flows.site.charts``), and its Content-Security-Policy forbids
any request, so it opens offline and a scraped ``<script>`` stays text (Jinja2 autoescape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from flows.release.datasets import DATASETS
from flows.release.files import FORMATS
from flows.site.charts import Series, line_chart
from flows.site.feeds import OPEN_CALL_COLUMNS
from flows.site.release import (
    ReleaseView,
    clean_text,
    days_label,
    days_left,
    deadline_text,
    to_kst,
    web_link,
)

ZONE_CITY = "41270"  # Ansan-si: the zone's charts show it and its districts
DATASET_ORDER = tuple(dataset.name for dataset in DATASETS)
SERIES_COLUMNS = ("indicator_id", "month", "value", "unit")
# Where a docs site sits in a release: publish links each as docs/<name> (the manifest
# records the stored copy's hash under docs/<name>); older releases held dbt's in docs/.
DOCS_CANDIDATES = {
    "dbt": ("docs/dbt/static_index.html", "docs/static_index.html", "docs/dbt/index.html"),
    "gx": ("docs/gx/index.html",),
}

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Chart:
    title: str
    svg: Markup


def _size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def _catalog(release: ReleaseView) -> list[dict[str, Any]]:
    tables: dict[str, int] = release.manifest.get("tables", {})
    states: dict[str, str] = release.manifest.get("datasets", {}) or {}
    names = [n for n in DATASET_ORDER if n in tables] + sorted(set(tables) - set(DATASET_ORDER))
    rows = []
    for name in names:
        files = [
            {"format": fmt, "href": f"{name}.{fmt}", "size": _size(release.path / f"{name}.{fmt}")}
            for fmt in FORMATS
            if (release.path / f"{name}.{fmt}").is_file()
        ]
        state = states.get(name)
        if isinstance(state, dict):  # {"status": changed|unchanged|carried|empty, ...}
            state = state.get("status")
        rows.append({"name": name, "rows": tables[name], "state": state, "files": files})
    return rows


def _kst_text(value: Any) -> str:
    stamp = to_kst(value) if value not in (None, "") else None
    return stamp.strftime("%Y-%m-%d %H:%M KST") if stamp else ""


def _seen_per_source(release: ReleaseView) -> dict[str, tuple[Any, Any]]:
    """Per source: when the pipeline last saw any of its rows and first saw its newest row,
    over the announcements and the observations (DuckDB reads only those columns)."""
    seen: dict[str, tuple[Any, Any]] = {}
    for name in ("announcements", "indicator_observations"):
        file = release.path / f"{name}.parquet"
        if not file.is_file():
            continue
        columns = set(pq.read_schema(file).names)
        if not {"source_id", "last_seen_at", "first_seen_at"} <= columns:
            continue
        with duckdb.connect() as con:
            rows = con.execute(
                "select source_id, max(last_seen_at), max(first_seen_at) "
                "from read_parquet(?) group by source_id",
                [file.as_posix()],
            ).fetchall()
        for source, last, first in rows:
            held = seen.get(str(source), (None, None))
            seen[str(source)] = (
                max((v for v in (held[0], last) if v is not None), default=None),
                max((v for v in (held[1], first) if v is not None), default=None),
            )
    return seen


def _sources(release: ReleaseView) -> list[dict[str, Any]]:
    """Each source's health in the run that cut the release (when recorded) and the freshness
    of its data in the release."""
    health = {
        clean_text(item.get("source")): item
        for item in release.manifest.get("sources") or []
        if isinstance(item, dict)
    }
    seen = _seen_per_source(release)
    published = release.published_at
    rows = []
    for source in sorted(set(health) | set(seen)):
        item = health.get(source, {})
        last, newest = seen.get(source, (None, None))
        last_kst = to_kst(last)
        rows.append(
            {
                "source": source,
                "status": clean_text(item.get("status")) or "not in this run",
                "records": item.get("records"),
                "new_records": item.get("new_records"),
                "quarantined": item.get("quarantined"),
                "message": clean_text(item.get("message")),
                "last_seen": _kst_text(last),
                "newest": _kst_text(newest),
                "age_days": (published - last_kst).days if last_kst else None,
            }
        )
    return rows


def _open_calls(release: ReleaseView) -> list[dict[str, Any]]:
    frame = release.table("open_calls", OPEN_CALL_COLUMNS)
    if frame.empty:
        return []
    frame = frame.sort_values(
        ["days_left", "deadline_date", "announcement_id"], kind="stable", na_position="last"
    )
    return [
        {
            "title": clean_text(row.get("title")),
            "url": web_link(row.get("url")),
            "institution": clean_text(row.get("institution_name_ko"))
            or clean_text(row.get("institution_id")),
            "department": clean_text(row.get("department")),
            "deadline": deadline_text(row["deadline_date"]),
            "days_left": days_left(row["days_left"]),
            "label": days_label(days_left(row["days_left"]), str(row.get("status"))),
        }
        for row in frame.to_dict("records")
    ]


def _names(frame: pd.DataFrame, key: str) -> dict[str, str]:
    if frame.empty:
        return {}
    return {
        str(row[key]): clean_text(row.get("name_ko")) or str(row[key])
        for row in frame.to_dict("records")
    }


def _district_codes(regions: pd.DataFrame) -> list[str]:
    if regions.empty or "parent_code" not in regions.columns:
        return []
    return sorted(regions.loc[regions["parent_code"] == ZONE_CITY, "region_code"].astype(str))


def _chart(title: str, frame: pd.DataFrame, line: str, labels: dict[str, str]) -> Chart | None:
    units = frame["unit"].dropna().astype(str)
    unit = clean_text(units.iloc[0]) if not units.empty else ""
    series = [
        Series(
            labels.get(str(key), str(key)),
            [(str(m), float(v)) for m, v in zip(part["month"], part["value"], strict=True)],
        )
        for key, part in frame.sort_values("month").groupby(line, sort=True)
    ]
    svg = line_chart(title, unit, series)
    return Chart(title, Markup(svg)) if svg else None


def _zone_charts(release: ReleaseView) -> list[Chart]:
    """Per indicator: Ansan-si alone, then its districts together (their scales differ)."""
    zone = release.table("zone_monthly", (*SERIES_COLUMNS, "region_code"))
    if zone.empty:
        return []
    zone = zone.dropna(subset=["value"]).astype({"region_code": str})
    regions = release.table("regions", ("region_code", "name_ko", "parent_code"))
    districts = _district_codes(regions)
    names = _names(release.table("indicators", ("indicator_id", "name_ko")), "indicator_id")
    region_names = _names(regions, "region_code")
    city = region_names.get(ZONE_CITY, ZONE_CITY)
    charts = []
    for indicator, rows in zone.groupby("indicator_id", sort=True):
        name = names.get(str(indicator), str(indicator))
        parts = (
            (f"{name} — {city}", rows[rows["region_code"] == ZONE_CITY]),
            (f"{name} — 구별", rows[rows["region_code"].isin(districts)]),
        )
        for title, part in parts:
            chart = _chart(title, part, "region_code", region_names) if len(part) else None
            if chart:
                charts.append(chart)
    return charts


def _complex_charts(release: ReleaseView) -> list[Chart]:
    """Per measure, one line per industrial complex, named as the indicator names it."""
    complexes = release.table(
        "industrial_complex_monthly", (*SERIES_COLUMNS, "measure_id", "complex_code")
    )
    if complexes.empty:
        return []
    complexes = complexes.dropna(subset=["value"])
    names = _names(release.table("indicators", ("indicator_id", "name_ko")), "indicator_id")
    charts = []
    for measure, rows in complexes.groupby("measure_id", sort=True):
        labels, title = {}, str(measure)
        pairs = sorted(set(zip(rows["indicator_id"], rows["complex_code"], strict=True)))
        for indicator, code in pairs:
            # "가동업체수 (반월국가산업단지)": the measure, then the complex in brackets
            found = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", names.get(str(indicator), ""))
            if found:
                title, labels[str(code)] = found.group(1), found.group(2)
        chart = _chart(title, rows, "complex_code", labels)
        if chart:
            charts.append(chart)
    return charts


def _docs_links(release: ReleaseView) -> dict[str, str | None]:
    links: dict[str, str | None] = {}
    for site, candidates in DOCS_CANDIDATES.items():
        links[site] = next((c for c in candidates if (release.path / c).is_file()), None)
    return links


def _quality(release: ReleaseView) -> dict[str, Any] | None:
    """The gate's suites (a list, or ``{"passed", "suites"}``); it passed when no critical
    suite failed."""
    quality = release.manifest.get("quality")
    if quality is None:
        return None
    listed = quality.get("suites", []) if isinstance(quality, dict) else quality
    suites = [
        {
            "suite": clean_text(s.get("suite") or s.get("name")),
            "critical": bool(s.get("critical", False)),
            "success": bool(s.get("success", False)),
            "failed": [clean_text(f) for f in s.get("failed", [])],
        }
        for s in listed
    ]
    passed = not any(s["critical"] and not s["success"] for s in suites)
    if isinstance(quality, dict) and "passed" in quality:
        passed = bool(quality["passed"])
    return {"passed": passed, "suites": suites}


def _feeds(release: ReleaseView) -> list[dict[str, str]]:
    feeds = []
    if (release.path / "feed.xml").is_file():
        feeds.append({"title": "모든 공고 (all announcements)", "href": "feed.xml"})
    if (release.path / "feeds" / "open-calls.xml").is_file():
        feeds.append({"title": "모집 중인 공모 (open calls)", "href": "feeds/open-calls.xml"})
    names = _names(release.table("institutions", ("institution_id", "name_ko")), "institution_id")
    for path in sorted((release.path / "feeds" / "institutions").glob("*.xml")):
        feeds.append(
            {"title": names.get(path.stem, path.stem), "href": f"feeds/institutions/{path.name}"}
        )
    return feeds


def write_portal(release_dir: Path, manifest: dict[str, Any] | None = None) -> Path:
    """Render ``index.html`` into the release directory from its manifest and datasets."""
    release = ReleaseView.open(release_dir, manifest)
    page = _env.get_template("portal.html.j2").render(
        release_id=release.release_id,
        published_at=release.published_at.strftime("%Y-%m-%d %H:%M KST"),
        samples=release.samples,
        catalog=_catalog(release),
        sources=_sources(release),
        open_calls=_open_calls(release),
        zone_charts=_zone_charts(release),
        complex_charts=_complex_charts(release),
        quality=_quality(release),
        docs=_docs_links(release),
        feeds=_feeds(release),
    )
    target = release_dir / "index.html"
    target.write_text(page, encoding="utf-8")
    return target

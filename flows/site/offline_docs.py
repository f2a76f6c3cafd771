"""Make the docs sites of a release work offline: no CDN, no tracker, no context-id beacon.

Great Expectations' Data Docs pages load jQuery, Bootstrap, Font Awesome, vega and more from
CDNs and show a logo fetched from GX's bucket with the data context id in its URL (even with
analytics off). Here each page is pointed at the pinned copies in ``flows/site/vendor/``
(copied into the site's ``_vendor/``), the logo at the copy GX itself writes into
``static/images``, and tracking parameters are cut from links. An outside script or
stylesheet this module does not know (a new GX version) is dropped with a warning, so the
site stays offline. dbt's docs inline their scripts; only the Snowplow tracker is disabled
(its loader and collector addresses removed, usage statistics off in the inlined manifest).
Rewriting is idempotent (running it on a site it already rewrote changes nothing) and each
file is replaced atomically, so a site shared by releases can be rewritten in place.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

VENDOR_DIR = Path(__file__).parent / "vendor"
VENDOR_NAME = "_vendor"
# Each CDN address GX's Data Docs templates name -> the vendored file (VENDOR.md).
ASSETS = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap-4.3.1/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap-4.3.1/js/bootstrap.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js-1.12.9/umd/popper.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    # GX names the 1.19.0 filter-control styles (minified on one page, plain on others)
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome-free-6.6.0/css/all.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-dark-1.1.0/css/bootstrap-prefers-dark.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}
GX_LOGO = "static/images/logo-long.png"
_GX_BUCKET = re.compile(r"https?://great-expectations-web-assets\.[^\"')\s]+")
_OUTSIDE = r"(?:https?:)?//[^\"'\s>]+"
_OUTSIDE_SCRIPT = re.compile(rf"<script\b[^>]*\bsrc=[\"']{_OUTSIDE}[\"'][^>]*>\s*</script>\s*")
_OUTSIDE_LINK = re.compile(rf"<link\b[^>]*\bhref=[\"']{_OUTSIDE}[\"'][^>]*>\s*")
_SRI = re.compile(r"\s+(?:integrity|crossorigin)=\"[^\"]*\"")
# GX's own files under static/, named from a page by a relative path (GX miscounts the depth
# of validation pages, so their favicon link misses)
_GX_STATIC = re.compile(r"(?P<attr>(?:href|src)=\")(?:\.\./)*static/(?P<rest>[^\"]+)\"")
_TRACKED_LINK = re.compile(r"(href=\"https?://[^\"?#]+)\?[^\"]*utm_[^\"]*\"")
# dbt docs: the Snowplow loader and collector addresses, the "fuzzed" page URLs it reports
_DBT_TRACKER = re.compile(
    r"\"(?:(?:https?:)?//[^\"]*(?:cloudfront\.net/[^\"]*sp\.js|getdbt\.com/)"
    r"|[a-z0-9.-]*sinter-collect\.com)\""
)
_DBT_STATS_ON = re.compile(r"(\"send_anonymous_usage_stats\":\s*)true")
# dbt-docs build slips that make file:// requests for paths that do not exist: a favicon link
# left as a webpack template, and SVG icons whose address is set before Angular fills it in
_DBT_BROKEN_FAVICON = re.compile(r"<link rel=\"shortcut icon\" href=\"\$\{require\([^>]*>")
_DBT_EARLY_ICON = 'xlink:href="{{'


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def _rewrite(path: Path, text: str) -> bool:
    """Replace the file's text atomically (a docs site may be shared by a live release)."""
    if path.read_text(encoding="utf-8") == text:
        return False
    temporary = path.with_name(f".{path.name}.offline")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return True


def _copy_vendor(target: Path) -> None:
    """Copy the vendored files the site lacks (each folder is one pinned package version)."""
    for source in sorted(VENDOR_DIR.rglob("*")):
        if source.is_file() and source.suffix != ".md":
            copy = target / source.relative_to(VENDOR_DIR)
            if not copy.exists():
                copy.parent.mkdir(parents=True, exist_ok=True)
                temporary = copy.with_name(f".{copy.name}.offline")
                shutil.copyfile(source, temporary)
                os.replace(temporary, copy)


def _offline_gx_page(site: Path, page: Path) -> bool:
    text = original = page.read_text(encoding="utf-8")
    vendor = _relative(site / VENDOR_NAME, page)
    for url, local in ASSETS.items():
        text = text.replace(f'"{url}"', f'"{vendor}/{local}"')
    # subresource-integrity and CORS attributes make Chromium refuse file:// scripts
    text = re.sub(
        rf"<(?:script|link)\b[^>]*{re.escape(vendor)}/[^>]*>",
        lambda tag: _SRI.sub("", tag.group(0)),
        text,
    )
    text = _GX_BUCKET.sub(_relative(site / GX_LOGO, page), text)
    text = _GX_STATIC.sub(
        lambda m: f'{m["attr"]}{_relative(site / "static" / m["rest"], page)}"', text
    )
    text = _TRACKED_LINK.sub(r'\1"', text)
    for pattern in (_OUTSIDE_SCRIPT, _OUTSIDE_LINK):
        for dropped in pattern.findall(text):
            logger.warning("docs: %s: dropped an outside asset: %s", page.name, dropped.strip())
        text = pattern.sub("", text)
    return text != original and _rewrite(page, text)


def make_gx_docs_offline(site: Path) -> list[Path]:
    """Point every page of a GX Data Docs site at vendored assets; return the files changed."""
    _copy_vendor(site / VENDOR_NAME)
    changed = []
    for page in sorted(site.rglob("*.html")):
        if VENDOR_NAME not in page.relative_to(site).parts and _offline_gx_page(site, page):
            changed.append(page)
    for sheet in sorted((site / "static").rglob("*.css")):
        text = _GX_BUCKET.sub(_relative(site / GX_LOGO, sheet), sheet.read_text(encoding="utf-8"))
        if _rewrite(sheet, text):
            changed.append(sheet)
    return changed


def make_dbt_docs_offline(site: Path) -> list[Path]:
    """Disable the dbt docs' tracker and fix its broken local references; return files changed."""
    changed = []
    for page in sorted(site.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        text = _DBT_STATS_ON.sub(r"\1false", _DBT_TRACKER.sub('""', text))
        text = _DBT_BROKEN_FAVICON.sub("", text)
        text = text.replace(f" {_DBT_EARLY_ICON}", f" ng-attr-{_DBT_EARLY_ICON}")
        if _rewrite(page, text):
            changed.append(page)
    manifest = site / "manifest.json"
    if manifest.is_file():
        text = _DBT_STATS_ON.sub(r"\1false", manifest.read_text(encoding="utf-8"))
        if _rewrite(manifest, text):
            changed.append(manifest)
    return changed


def docs_sites(release_dir: Path) -> tuple[list[Path], list[Path]]:
    """The dbt docs sites and the GX Data Docs sites of the release: ``docs/`` itself or a
    folder in it (``docs/dbt``, ``docs/gx``), each resolved (publish links shared copies)."""
    docs = release_dir / "docs"
    if not docs.is_dir():
        return [], []
    folders = [docs, *sorted(p for p in docs.iterdir() if p.is_dir())]
    dbt = [f.resolve() for f in folders if (f / "static_index.html").is_file()]
    gx = [
        f.resolve() for f in folders if (f / "static/styles/data_docs_default_styles.css").is_file()
    ]
    return dbt, gx


def write_offline_docs(release_dir: Path) -> list[Path]:
    """Make every docs site under ``<release>/docs`` work offline; return the files changed."""
    dbt_sites, gx_sites = docs_sites(release_dir)
    changed = []
    for site in dbt_sites:
        changed += make_dbt_docs_offline(site)
    for site in gx_sites:
        changed += make_gx_docs_offline(site)
    return changed

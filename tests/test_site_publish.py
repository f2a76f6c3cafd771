"""publish() runs the site builders on the release before ``latest`` points at it."""

from __future__ import annotations

import json

import duckdb
import feedparser
import lxml.html

from flows.publish import publish, site_builders
from flows.release.datasets import DATASETS
from flows.site.offline_docs import write_offline_docs
from tests.site_release import SCRIPT_TITLE, make_release

GX_PAGE = (
    '<html><head><script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
    "</head><body>Data Docs</body></html>"
)


def _gx_site(path):
    (path / "static" / "styles").mkdir(parents=True)
    (path / "static" / "styles" / "data_docs_default_styles.css").write_text("a {}")
    (path / "index.html").write_text(GX_PAGE)
    return path


def _dbt_site(path):
    path.mkdir()
    (path / "index.html").write_text("<html>dbt docs</html>")
    (path / "static_index.html").write_text(
        '<html><script>i.src="//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js"</script></html>'
    )
    return path


def test_a_published_release_carries_feeds_portal_and_offline_docs(tmp_path):
    source = make_release(tmp_path / "source")
    con = duckdb.connect()
    for dataset in DATASETS:
        file = source / f"{dataset.name}.parquet"
        if file.exists():
            con.execute(f"create table {dataset.relation} as select * from '{file}'")
    published = tmp_path / "published"
    datasets = tuple(d for d in DATASETS if (source / f"{d.name}.parquet").exists())

    release = publish(
        con,
        published,
        "r1",
        docs_dir=_dbt_site(tmp_path / "dbt_docs"),
        gx_docs_dir=_gx_site(tmp_path / "gx_site"),
        datasets=datasets,
        builders=site_builders(),
    )

    latest = published / "latest"
    feed = feedparser.parse((latest / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 4
    portal = lxml.html.parse(str(latest / "index.html")).getroot()
    assert portal.xpath("//td[@class='call-title']//text()")[1] == SCRIPT_TITLE
    assert portal.xpath("//a[@id='dbt-docs']/@href") == ["docs/dbt/static_index.html"]
    assert portal.xpath("//a[@id='gx-docs']/@href") == ["docs/gx/index.html"]
    # the docs are stored once, linked from the release, and made offline there
    manifest = json.loads((release.path / "manifest.json").read_text())
    assert set(manifest["docs"]) == {"dbt", "gx"}
    gx = published / "docs" / manifest["docs"]["gx"]
    assert 'src="_vendor/jquery-3.7.1/jquery.min.js"' in (gx / "index.html").read_text()
    assert (gx / "_vendor" / "jquery-3.7.1" / "jquery.min.js").is_file()
    assert "cloudfront" not in (latest / "docs" / "dbt" / "static_index.html").read_text()
    # the manifest's checksums cover what the builders wrote
    assert {"index.html", "feed.xml", "feeds/open-calls.xml"} <= set(manifest["sha256"])


def test_docs_are_stored_offline_before_any_release_links_them(tmp_path):
    con = duckdb.connect()
    release = publish(
        con,
        tmp_path / "published",
        "r1",
        docs_dir=_dbt_site(tmp_path / "dbt_docs"),
        gx_docs_dir=_gx_site(tmp_path / "gx_site"),
        datasets=(),
        builders=[],
    )
    # no site builder ran, yet the shared copies are finished: nothing is left to rewrite
    assert write_offline_docs(release.path) == []
    gx = release.path / "docs" / "gx"
    assert 'src="_vendor/jquery-3.7.1/jquery.min.js"' in (gx / "index.html").read_text()

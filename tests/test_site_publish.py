"""publish() builds the site into the release before ``latest`` points at it."""

from __future__ import annotations

import duckdb
import feedparser
import lxml.html

from flows.publish import publish
from tests.site_release import DATASETS, SCRIPT_TITLE, make_release


def test_a_published_release_carries_feeds_portal_and_offline_docs(tmp_path):
    source = make_release(tmp_path / "source")
    con = duckdb.connect()
    for name in DATASETS:
        con.execute(f"create table {name} as select * from '{source / name}.parquet'")
    gx_docs = tmp_path / "gx_site"
    (gx_docs / "static" / "styles").mkdir(parents=True)
    (gx_docs / "static" / "styles" / "data_docs_default_styles.css").write_text("a {}")
    (gx_docs / "index.html").write_text(
        '<html><head><script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        "</head><body>Data Docs</body></html>"
    )

    publish(con, tmp_path / "published", "r1", tables={n: n for n in DATASETS}, gx_docs_dir=gx_docs)

    latest = tmp_path / "published" / "latest"
    feed = feedparser.parse((latest / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 4
    portal = lxml.html.parse(str(latest / "index.html")).getroot()
    assert portal.xpath("//td[@class='call-title']//text()")[1] == SCRIPT_TITLE
    assert portal.xpath("//a[@id='gx-docs']/@href") == ["docs/gx/index.html"]
    gx_page = (latest / "docs" / "gx" / "index.html").read_text()
    assert 'src="_vendor/jquery-3.7.1/jquery.min.js"' in gx_page
    assert (latest / "docs" / "gx" / "_vendor" / "jquery-3.7.1" / "jquery.min.js").is_file()

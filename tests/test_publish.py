"""Releases: written in full, then `latest` switched; earlier releases stay readable."""

import pandas as pd
import pytest

from flows.publish import publish as publish_all
from flows.warehouse import connect

TABLES = {
    "announcements": "main.fct_announcement",
    "indicator_observations": "main.fct_indicator_observation",
}


def publish(con, published, release_id):
    return publish_all(con, published, release_id, tables=TABLES)


@pytest.fixture
def con(tmp_path):
    connection = connect(tmp_path / "w.duckdb")
    connection.execute(
        "create table main.fct_announcement as select 'gtp_business:1' as announcement_id, "
        "'안산 기술사업화 지원사업' as title"
    )
    connection.execute(
        "create table main.fct_indicator_observation as "
        "select '41270' as region_code, 619310.0 as value"
    )
    yield connection
    connection.close()


def test_latest_points_at_the_newest_complete_release(con, tmp_path):
    published = tmp_path / "published"
    publish(con, published, "r1")
    con.execute("update main.fct_indicator_observation set value = 619402")
    publish(con, published, "r2")
    latest = pd.read_parquet(published / "latest" / "indicator_observations.parquet")
    first = pd.read_parquet(published / "releases" / "r1" / "indicator_observations.parquet")
    assert latest["value"].tolist() == [619402.0]
    assert first["value"].tolist() == [619310.0]
    assert (published / "latest").resolve() == (published / "releases" / "r2").resolve()
    assert not list((published / "releases").glob(".*partial"))


def test_csv_opens_in_excel_with_hangul_intact(con, tmp_path):
    release = publish(con, tmp_path / "published", "r1")
    raw = (release.path / "announcements.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "안산 기술사업화 지원사업" in raw.decode("utf-8-sig")


def test_a_release_id_is_never_overwritten(con, tmp_path):
    publish(con, tmp_path / "published", "r1")
    with pytest.raises(FileExistsError):
        publish(con, tmp_path / "published", "r1")

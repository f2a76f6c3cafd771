"""`fez quarantine`: held records with their archived response; --release after a rule fix."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from click.testing import CliRunner

import expectations.contract
import flows.warehouse
from expectations.rows import validate_records
from flows.cli import app
from flows.settings import Settings
from flows.warehouse import connect, load_source

SOON = (date.today() + timedelta(days=20)).isoformat()


def _post(post_id: str, **fields) -> dict:
    return {
        "source": "gtp_business",
        "institution": "gtp",
        "post_id": post_id,
        "url": f"https://pms.gtp.or.kr/view?b_idx={post_id}",
        "title": f"공고 {post_id}",
        "fetch_id": f"f{post_id}",
        **fields,
    }


def _fetch(fetch_id: str, offset: int) -> dict:
    return {
        "fetch_id": fetch_id,
        "run_id": "r1",
        "source": "gtp_business",
        "url": f"https://pms.gtp.or.kr/list?page={offset}",
        "fetched_at": datetime.now(UTC),
        "warc_file": "raw/r1-gtp.warc.gz",
        "warc_offset": offset,
    }


def _seed(warehouse) -> None:
    records = [_post("1"), _post("2", posted_date=SOON), _post("3", url="javascript:go(3)")]
    validated = validate_records("announcement", records)
    con = connect(warehouse)
    try:
        load_source(
            con,
            run_id="r1",
            record_type="announcement",
            good=validated.good,
            quarantined=validated.quarantined,
            fetch_rows=[_fetch("f2", 512), _fetch("f3", 2048)],
            loaded_at=datetime.now(UTC),
        )
    finally:
        con.close()


def _count(warehouse, sql: str) -> int:
    con = connect(warehouse)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_lists_held_records_by_source_and_rule_with_their_warc_record(data_dir):
    _seed(Settings().warehouse)
    result = CliRunner().invoke(app, ["quarantine"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "gtp_business  posted_date_not_future  1 held" in result.output
    assert "fetch f2 → raw/r1-gtp.warc.gz@512" in result.output
    assert "gtp_business  url:str_matches  1 held" in result.output
    assert "fetch f3 → raw/r1-gtp.warc.gz@2048" in result.output
    only = CliRunner().invoke(app, ["quarantine", "--rule", "url:str_matches"])
    assert "posted_date_not_future" not in only.output and "@2048" in only.output


def test_release_loads_what_passes_the_fixed_rule_once_and_keeps_the_rest(data_dir, monkeypatch):
    warehouse = Settings().warehouse
    _seed(warehouse)
    assert _count(warehouse, "select count(*) from raw.announcements") == 1
    monkeypatch.setattr(expectations.contract, "POSTED_DATE_SLACK", timedelta(days=60))
    result = CliRunner().invoke(app, ["quarantine", "--release"])
    assert result.exit_code == 0, result.output
    assert "posted_date_not_future  1 loaded" in result.output
    assert "url:str_matches  1 still failing" in result.output
    assert _count(warehouse, "select count(*) from raw.announcements") == 2
    assert _count(warehouse, "select count(*) from raw.quarantine where released_at is null") == 1
    assert _count(warehouse, "select count(*) from raw.source_runs where status = 'released'") == 1
    again = CliRunner().invoke(app, ["quarantine", "--release"])
    assert "1 loaded" not in again.output
    assert _count(warehouse, "select count(*) from raw.announcements") == 2
    listed = CliRunner().invoke(app, ["quarantine"])
    assert "posted_date_not_future" not in listed.output


def test_a_release_stopped_halfway_leaves_every_record_held_and_loads_them_once_later(
    data_dir, monkeypatch
):
    warehouse = Settings().warehouse
    _seed(warehouse)
    monkeypatch.setattr(expectations.contract, "POSTED_DATE_SLACK", timedelta(days=60))

    def disk_full(con, row):
        raise OSError("No space left on device")

    with monkeypatch.context() as broken:
        broken.setattr(flows.warehouse, "record_source_run", disk_full)
        failed = CliRunner().invoke(app, ["quarantine", "--release"])
    assert failed.exit_code != 0, failed.output
    assert _count(warehouse, "select count(*) from raw.announcements") == 1
    assert _count(warehouse, "select count(*) from raw.quarantine where released_at is null") == 2
    assert _count(warehouse, "select count(*) from raw.source_runs") == 0
    result = CliRunner().invoke(app, ["quarantine", "--release"])
    assert "posted_date_not_future  1 loaded" in result.output
    assert _count(warehouse, "select count(*) from raw.announcements") == 2
    assert _count(warehouse, "select sum(new_records) from raw.source_runs") == 1


def test_no_warehouse_yet_is_one_line_and_fails(data_dir):
    result = CliRunner().invoke(app, ["quarantine"])
    assert result.exit_code == 1
    assert "no warehouse yet" in result.output
    assert not Settings().warehouse.exists()

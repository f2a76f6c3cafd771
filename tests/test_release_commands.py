"""`fez releases`, `fez rollback`, `fez query`, and which datasets a run touched."""

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from flows.cli import app
from flows.publish import publish
from flows.release.datasets import Dataset, touched_datasets
from flows.release.store import latest_id
from flows.warehouse import connect, record_source_run

DATASETS = (
    Dataset("announcements", "main.fct_announcement", ("announcement_id",), "announcement"),
    Dataset("regions", "main.dim_region", ("region_code",)),
)


@pytest.fixture
def published(data_dir):
    """Two releases in the data dir: r1 with three regions, r2 (latest) with two."""
    con = connect(data_dir / "warehouse.duckdb")
    con.execute(
        "create table main.fct_announcement as "
        "select 'gtp_business:1' as announcement_id, '안산 기술사업화 지원사업' as title"
    )
    con.execute(
        "create table main.dim_region as select * from (values "
        "('41270', '안산시'), ('00000', '전국'), ('41000', '경기도')) as t(region_code, name_ko)"
    )
    publish(con, data_dir / "published", "r1", datasets=DATASETS)
    con.execute("delete from main.dim_region where region_code = '41000'")
    publish(con, data_dir / "published", "r2", datasets=DATASETS)
    con.close()
    return data_dir / "published"


def _invoke(*args):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_releases_lists_row_counts_and_marks_latest(published):
    result = _invoke("releases")
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line for line in result.output.splitlines() if "│ r" in line
    }
    assert set(rows) == {"r1", "r2"}
    assert "latest" in rows["r2"] and "latest" not in rows["r1"]
    assert [c.strip() for c in rows["r1"].split("│")[5:7]] == ["1", "3"]
    assert [c.strip() for c in rows["r2"].split("│")[5:7]] == ["1", "2"]


def test_releases_before_the_first_says_none_exists(data_dir):
    result = _invoke("releases")
    assert result.exit_code == 1
    assert "no release exists yet" in result.output


def test_rollback_switches_latest_and_rejects_an_unknown_release(published):
    result = _invoke("rollback", "r1")
    assert result.exit_code == 0, result.output
    assert latest_id(published) == "r1"
    unknown = _invoke("rollback", "r9")
    assert unknown.exit_code == 1
    assert "no complete release r9" in unknown.output and "Traceback" not in unknown.output
    assert latest_id(published) == "r1"


def test_rollback_on_a_fresh_data_dir_says_so_and_writes_nothing(data_dir):
    result = _invoke("rollback", "r1")
    assert result.exit_code == 1
    assert "no complete release r1 (latest releases: none)" in result.output
    assert not data_dir.exists() or list(data_dir.iterdir()) == []


def test_rollback_waits_for_a_writer_then_gives_up_in_one_line(published, monkeypatch):
    from flows.locking import run_lock

    monkeypatch.setenv("FEZ_WRITER_WAIT", "0")
    with run_lock(published.parent / "warehouse.duckdb"):
        result = _invoke("rollback", "r1")
    assert result.exit_code == 1
    assert "another fez run" in result.output and "Traceback" not in result.output
    assert latest_id(published) == "r2"


def test_query_reads_the_latest_release_by_dataset_name(published):
    result = _invoke("query", "--csv", "select region_code, name_ko from regions order by 1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["region_code,name_ko", "00000,전국", "41270,안산시"]


def test_query_cannot_write_files_or_the_warehouse(published, tmp_path):
    target = tmp_path / "out.csv"
    copy = _invoke("query", f"copy regions to '{target}'")
    assert copy.exit_code == 1 and not target.exists()
    assert "disabled by configuration" in copy.output
    delete = _invoke("query", "--warehouse", "delete from main.dim_region")
    assert delete.exit_code == 1 and "read-only" in delete.output
    count = _invoke("query", "--warehouse", "--csv", "select count(*) as n from main.dim_region")
    assert count.output.splitlines() == ["n", "2"]


def test_touched_datasets_follow_the_sources_this_run_loaded(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    now = datetime.now(UTC)
    run = {"started_at": now, "finished_at": now, "status": "ok", "fetched": 1}
    record_source_run(con, {**run, "run_id": "run-1", "source": "gtp_business"})
    record_source_run(con, {**run, "run_id": "run-0", "source": "kosis_population"})
    kinds = {"gtp_business": "announcement", "kosis_population": "observation"}
    assert touched_datasets(con, "run-1", kinds) == {
        "announcements", "open_calls", "institutions", "regions", "indicators",
        "announcement_categories",
    }  # fmt: skip
    assert touched_datasets(con, "run-2", kinds) is None
    con.close()


def test_manifest_marks_samples_and_passes_health_and_gate_through(data_dir):
    con = connect(data_dir / "warehouse.duckdb")
    con.execute("create table main.dim_region as select '41270' as region_code")
    health = [{"source": "gtp_business", "status": "ok"}]
    gate = [{"suite": "fct_announcement", "success": True, "critical": True}]
    release = publish(
        con, data_dir / "published", "r1", datasets=DATASETS[1:], samples=True,
        source_health=health, quality=gate,
    )  # fmt: skip
    con.close()
    manifest = json.loads((release.path / "manifest.json").read_text())
    assert manifest["samples"] is True
    assert manifest["sources"] == health and manifest["quality"] == gate
    assert manifest["published_at"].endswith("+09:00")
    assert manifest["datasets"]["regions"]["status"] == "changed"


def test_a_blocked_run_says_which_release_stays_or_that_none_exists(tmp_path, capsys):
    from flows.cli import _print_summary
    from flows.pipeline import RunSummary

    blocked = RunSummary(run_id="run-1", replay=None, blocked=["fct_announcement"])
    _print_summary(blocked, tmp_path / "published")
    assert "release blocked by fct_announcement; no release exists yet" in capsys.readouterr().out
    con = connect(tmp_path / "w.duckdb")
    con.execute("create table main.dim_region as select '41270' as region_code")
    publish(con, tmp_path / "published", "r1", datasets=DATASETS[1:])
    con.close()
    _print_summary(blocked, tmp_path / "published")
    assert "release blocked by fct_announcement; release r1 stays latest" in capsys.readouterr().out
    same = RunSummary(run_id="run-2", replay=None, release="r1", release_new=False)
    _print_summary(same, tmp_path / "published")
    assert "no change, release r1 stays latest" in capsys.readouterr().out

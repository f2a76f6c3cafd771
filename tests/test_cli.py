"""The command line's answers to bad input: one line, a cause, an exit code, no traceback."""

import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from click.testing import CliRunner

from flows.cli import app
from tests.httpserver import html, local_servers


def test_unknown_source_lists_known_names_and_exits_2(data_dir):
    result = CliRunner().invoke(app, ["run", "--replay", "--source", "no_such_board"])
    assert result.exit_code == 2
    assert "unknown source no_such_board" in result.output
    assert "gtp_business" in result.output
    assert "Traceback" not in result.output


def test_an_as_of_day_that_is_not_a_date_is_refused_before_anything_runs(data_dir):
    result = CliRunner().invoke(app, ["run", "--replay", "--as-of", "2026-13-01"])
    assert result.exit_code == 2
    assert "'--as-of'" in result.output and "2026-13-01" in result.output
    assert not data_dir.exists()


def test_data_dir_that_cannot_be_created_is_named(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FEZ_DATA_DIR", str(blocker / "data"))
    result = CliRunner().invoke(app, ["fetch", "--replay"])
    assert result.exit_code == 1
    assert "cannot create the data dir" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_locked_warehouse_names_the_holder_and_writes_nothing(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    data_dir.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(warehouse)!r})
                print("ready", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = CliRunner().invoke(app, ["fetch", "--replay"])
    finally:
        holder.communicate("")
    assert result.exit_code == 1
    assert f"locked by process {holder.pid}" in result.output
    assert "Traceback" not in result.output
    assert not (data_dir / "raw").exists()


def test_doctor_reports_versions_and_missing_keys(data_dir, monkeypatch):
    monkeypatch.delenv("FEZ_KOSIS_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "dbt-core" in result.output and "1.11." in result.output
    assert "FEZ_KOSIS_API_KEY" in result.output and "not set" in result.output
    assert "warehouse lock" in result.output


def test_probe_reads_an_unverified_board_with_the_generic_reader(data_dir, tmp_path):
    page = (Path(__file__).parent / "fixtures" / "board_egov_table.html").read_text()
    with local_servers(1) as (server,):
        server.route("/notices", html(page))
        overlay = tmp_path / "overlay.yaml"
        overlay.write_text(
            yaml.safe_dump(
                {
                    "ggfez_notices": {
                        "hosts": [server.netloc],
                        "allow_private_hosts": True,
                        "requests": [{"url": server.url("/notices")}],
                    }
                }
            )
        )
        result = CliRunner().invoke(
            app, ["probe", "ggfez_notices", "--sources-overlay", str(overlay)]
        )
    assert result.exit_code == 0, result.output
    assert "generic" in result.output
    assert "confidence" in result.output

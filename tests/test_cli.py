"""The command line's answers to bad input: one line, a cause, an exit code, no traceback."""

import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from flows import exit_codes
from flows.cli import app
from tests.fetch_helpers import on_server, write_overlay
from tests.httpserver import Reply, html, local_servers

TEXT = {"Content-Type": "text/plain"}


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


def test_locked_warehouse_names_the_holder_and_writes_nothing(data_dir, prefect_api, monkeypatch):
    monkeypatch.setenv("FEZ_WRITER_WAIT", "0")
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


@pytest.fixture
def without_prefect(monkeypatch):
    """Run the flow's steps without Prefect's temporary server (the same steps, faster)."""
    monkeypatch.setattr("flows.cli.prefect_api_reachable", lambda: False)


@pytest.mark.parametrize(
    ("sources", "code"),
    [(["fez_survey", "gtp_business"], exit_codes.PARTIAL), (["gtp_business"], exit_codes.FAILED)],
)
def test_a_fetch_whose_sources_fail_finishes_the_others_then_exits_non_zero(
    data_dir, tmp_path, without_prefect, sources, code
):
    with local_servers(1) as (server,):
        overlay = write_overlay(tmp_path, gtp_business=on_server(server, "/gone"))
        args = ["fetch", "--sources-overlay", str(overlay)]
        result = CliRunner().invoke(app, [*args, *(a for s in sources for a in ("-s", s))])
    assert result.exit_code == code, result.output
    assert "gtp_business │ failing" in result.output.replace("  ", "")
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    with con:
        statuses = dict(con.execute("select source, status from raw.source_runs").fetchall())
    assert statuses == {s: "ok" if s == "fez_survey" else "failing" for s in sources}


def test_probe_exits_1_when_robots_txt_keeps_the_page_closed(data_dir, tmp_path):
    with local_servers(1) as (server,):
        server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /\n", TEXT))
        overlay = write_overlay(tmp_path, gtp_business=on_server(server))
        result = CliRunner().invoke(app, ["probe", "gtp_business", "--sources-overlay", overlay])
    assert result.exit_code == exit_codes.FAILED, result.output
    assert "robots.txt" in result.output


def test_record_without_any_answer_exits_1_and_keeps_the_earlier_bundle(data_dir, tmp_path):
    earlier = tmp_path / "bundle" / "gtp_business"
    earlier.mkdir(parents=True)
    (earlier / "manifest.yaml").write_text("- {method: GET, url: 'https://x.invalid/'}\n")
    with local_servers(1) as (server,):
        # The request's host is not declared: it is refused before anything is sent.
        overlay = write_overlay(tmp_path, gtp_business=on_server(server, hosts=["pms.gtp.or.kr"]))
        result = CliRunner().invoke(
            app,
            ["record", "-s", "gtp_business", "--out", str(tmp_path / "bundle"), "--overwrite",
             "--sources-overlay", str(overlay)],
        )  # fmt: skip
        assert server.requests == []
    assert result.exit_code == exit_codes.FAILED, result.output
    assert "not declared" in result.output or "refused" in result.output
    assert "x.invalid" in (earlier / "manifest.yaml").read_text()


def test_doctor_writes_nothing_on_a_fresh_data_dir(data_dir):
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == exit_codes.OK, result.output
    assert "not created yet" in result.output and "no warehouse yet" in result.output
    assert not data_dir.exists()


def test_doctor_names_a_data_dir_that_cannot_be_created(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FEZ_DATA_DIR", str(blocker / "data"))
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == exit_codes.FAILED
    assert "cannot be created" in result.output and "Traceback" not in result.output


def _read_only(data_dir: Path, command: list[str]) -> list[str] | None:
    """``command`` run with ``data_dir`` read-only: a read-only bind mount for root (whom no
    file mode stops), the directory's mode for anyone else; None when neither can be had."""
    if os.geteuid() != 0:
        data_dir.chmod(0o555)
        return command
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        return None
    path = shlex.quote(str(data_dir))
    remount = f"mount --bind {path} {path} && mount -o remount,ro,bind {path}"
    return ["unshare", "-m", "sh", "-c", f"{remount} && exec {shlex.join(command)}"]


def test_doctor_on_a_read_only_data_dir_says_so_and_writes_nothing(data_dir):
    from flows.warehouse import connect

    connect(data_dir / "warehouse.duckdb").close()
    before = sorted(p.name for p in data_dir.iterdir())
    command = _read_only(data_dir, [str(Path(sys.executable).with_name("fez")), "doctor"])
    if command is None:
        pytest.skip("no way to make a read-only directory here")
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}
        )
    finally:
        data_dir.chmod(0o755)
    assert result.returncode == exit_codes.FAILED, result.stdout + result.stderr
    assert f"{data_dir} is not writable" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert sorted(p.name for p in data_dir.iterdir()) == before


def test_doctor_sees_a_run_holding_the_run_lock(data_dir):
    from flows.locking import run_lock

    warehouse = data_dir / "warehouse.duckdb"
    with run_lock(warehouse):
        held = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    free = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert f"held by a fez run (process {os.getpid()})" in held.output
    assert "run lock" in free.output and "held by" not in free.output
    assert held.exit_code == free.exit_code == exit_codes.OK


def test_doctor_sees_a_process_writing_to_the_warehouse(data_dir):
    data_dir.mkdir()
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    finally:
        con.close()
    assert f"open for writing by process {os.getpid()}" in result.output

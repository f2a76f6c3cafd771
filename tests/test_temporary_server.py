"""Prefect's temporary server, started before a command's imports when no API is configured."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import psutil

from flows.cli import warm_modules
from flows.temporary_server import (
    _creates_database,
    import_while_starting,
    launch_temporary_server,
)

FEZ = str(Path(sys.executable).parent / "fez")


class _Starting:
    """A server start that finishes after ``polls`` looks at ``ready``."""

    def __init__(self, polls: int) -> None:
        self.polls = polls

    @property
    def ready(self) -> bool:
        self.polls -= 1
        return self.polls < 0


def test_modules_are_imported_in_order_only_while_the_server_starts(monkeypatch):
    imported: list[str] = []
    monkeypatch.setattr("importlib.import_module", imported.append)
    import_while_starting(_Starting(polls=1), ["first", "second", "third"])
    assert imported == ["first"]


def test_a_fetching_run_warms_the_gates_import_only_while_the_server_creates_its_database(
    tmp_path, monkeypatch
):
    """On an existing database the server serves before Great Expectations' 3 s import would
    end: the rest would delay every run, the ones with nothing new to judge too. A command
    that always judges still warms it."""
    monkeypatch.delenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", raising=False)
    monkeypatch.delenv("PREFECT_API_DATABASE_CONNECTION_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    assert _creates_database()
    (tmp_path / "prefect.db").touch()
    assert not _creates_database()
    (tmp_path / "prefect.db").unlink()
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", "postgresql+asyncpg://db/prefect")
    assert not _creates_database()
    run = ["fetch", "transform", "check", "publish"]
    creating = SimpleNamespace(creates_database=True)
    existing = SimpleNamespace(creates_database=False)
    assert warm_modules(run, creating) == ["dbt.cli.main", "great_expectations"]
    assert warm_modules(run, existing) == ["dbt.cli.main"]
    assert warm_modules(["check"], existing) == ["great_expectations"]
    assert warm_modules(["check", "publish"], existing) == ["great_expectations"]
    assert warm_modules(["transform"], existing) == ["dbt.cli.main"]
    assert warm_modules(["fetch"], creating) == []


def test_no_server_is_started_when_an_api_is_configured(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert launch_temporary_server() is None


def _servers_of(prefect_home: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if "prefect.server.api.server:create_app" not in (process.info["cmdline"] or []):
                continue
            if process.environ().get("PREFECT_HOME") == str(prefect_home):
                found.append(process)
        except psutil.Error:
            continue
    return found


def test_a_command_without_an_api_runs_on_its_own_temporary_server_and_stops_it(tmp_path):
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"FEZ_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    result = subprocess.run(
        [FEZ, "fetch", "--replay", "-s", "fez_survey"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "fez_survey" in result.stdout and "Traceback" not in output
    assert "temporary server" not in output
    assert (data_dir / "prefect" / "prefect.db").is_file(), "the run's history is in its data dir"
    assert _servers_of(data_dir / "prefect") == []
    # No heartbeats: they let a lasting server see a run's process die, this one dies with
    # it, and a flow's end would wait up to a second for the heartbeat thread.
    events = _events(data_dir / "prefect" / "prefect.db")
    assert "prefect.flow-run.Completed" in events
    assert "prefect.flow-run.heartbeat" not in events


def _events(database: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(database)) as con:
        return {name for (name,) in con.execute("select distinct event from events")}


def test_a_server_named_by_a_prefect_profile_is_used_and_the_temporary_one_stopped(
    tmp_path, monkeypatch
):
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    server = launch_temporary_server()
    assert server is not None
    named = "http://127.0.0.1:4200/api"
    with temporary_settings(updates={PREFECT_API_URL: named}), server.serving():
        assert PREFECT_API_URL.value() == named
        assert get_current_settings().flows.heartbeat_frequency is not None
    assert server.process.poll() is not None

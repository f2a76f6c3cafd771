"""The run context every writing run enters: data dir, writer lock (bounded wait), and
SIGTERM/SIGINT honoured mid-run with the lock released."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from flows.locking import RunLock, RunLockedError, run_lock
from flows.run_context import run_context
from flows.runtime import DataDirError
from flows.settings import Settings
from flows.warehouse import WarehouseLockedError
from tests.fetch_helpers import write_overlay
from tests.httpserver import html, local_servers

FEZ = str(Path(sys.executable).parent / "fez")


def test_a_data_dir_that_cannot_be_created_stops_the_run_before_the_lock(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = Settings(_env_file=None, data_dir=blocker / "data")
    with pytest.raises(DataDirError, match="cannot create the data dir"), run_context(settings):
        pass


def test_a_second_run_waits_a_bounded_time_then_names_the_holder(data_dir):
    settings = Settings(_env_file=None)
    with run_context(settings, wait=0):
        with pytest.raises(RunLockedError) as raised, run_context(settings, wait=0.3):
            pass
        assert f"(process {os.getpid()})" in str(raised.value)
        assert "(waited 0.3 s)" in str(raised.value)
    with run_context(settings, wait=0):
        pass


def test_the_lock_is_released_when_the_run_ends_with_an_error(data_dir):
    settings = Settings(_env_file=None)
    with pytest.raises(ZeroDivisionError), run_context(settings):
        raise ZeroDivisionError
    with run_lock(settings.warehouse):
        pass


@pytest.fixture
def duckdb_holder(data_dir):
    """Another process with the warehouse open (DuckDB's own lock); ``stop()`` closes it."""
    warehouse = Settings(_env_file=None).warehouse
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    script = (
        f"import duckdb, sys; con = duckdb.connect({str(warehouse)!r}); "
        "print('ready', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "ready"
    yield holder
    if holder.poll() is None:
        holder.communicate("")


def test_a_warehouse_held_by_another_process_is_waited_for_then_named(duckdb_holder):
    named = f"locked by process {duckdb_holder.pid}"
    with pytest.raises(WarehouseLockedError, match=named), run_context(wait=0.3):
        pass
    with run_lock(Settings(_env_file=None).warehouse):
        pass


class _Heard(logging.Handler):
    """Sets ``waiting`` when the run says it waits."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.waiting = threading.Event()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if "waiting up to" in record.getMessage():
            self.waiting.set()


def test_a_run_waits_for_a_process_that_lets_go_of_the_warehouse(duckdb_holder):
    heard, logger = _Heard(), logging.getLogger("fez")
    logger.addHandler(heard)
    logger.setLevel(logging.INFO)
    entered = threading.Event()

    def run() -> None:
        with run_context(wait=120):
            entered.set()

    runner = threading.Thread(target=run)
    try:
        runner.start()
        assert heard.waiting.wait(60)
        assert not entered.is_set()
        duckdb_holder.communicate("")
        runner.join(60)
    finally:
        logger.removeHandler(heard)
        logger.setLevel(logging.NOTSET)
    assert entered.is_set()
    assert f"locked by process {duckdb_holder.pid}" in heard.lines[0]


@pytest.mark.parametrize(
    ("signum", "stuck"),
    [(signal.SIGTERM, True), (signal.SIGINT, False)],
    ids=["SIGTERM-with-a-request-that-never-ends", "SIGINT"],
)
def test_a_signal_mid_fetch_stops_the_run_and_releases_the_lock(
    signum, stuck, data_dir, prefect_api, tmp_path
):
    """The lock goes at once and the run says so in one line; a stuck request cannot hold
    the process past ``FEZ_EXIT_GRACE``."""
    arrived, release = threading.Event(), threading.Event()

    def hold(seen):
        arrived.set()
        release.wait(60)
        return html("<html><body>late</body></html>")

    with local_servers(1) as (server,):
        server.route("/board", hold)
        board = {
            "hosts": [server.netloc],
            "allow_private_hosts": True,
            "requests": [{"url": server.url("/board")}],
        }
        overlay = write_overlay(tmp_path, gtp_business=board)
        env = {**os.environ, "PREFECT_API_URL": prefect_api, "COLUMNS": "200"}
        env["FEZ_EXIT_GRACE"] = "2"
        process = subprocess.Popen(
            [FEZ, "fetch", "-s", "gtp_business", "--sources-overlay", str(overlay)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert arrived.wait(180), "the run never reached the board"
            warehouse = Settings(_env_file=None).warehouse
            with pytest.raises(RunLockedError):
                RunLock(warehouse).acquire(0)
            process.send_signal(signum)
            if not stuck:
                release.set()
            _, stderr = process.communicate(timeout=60)
        finally:
            release.set()
            if process.poll() is None:
                process.kill()
    name = signal.Signals(signum).name
    assert f"{name}: run stopped, the writer lock is released" in stderr, stderr
    # Ended by the signal itself once Prefect has recorded the crash, or by the watchdog.
    assert process.returncode in (-signum, 128 + signum), stderr
    assert "Traceback" not in stderr
    lock = RunLock(warehouse)
    lock.acquire(0)
    lock.release()

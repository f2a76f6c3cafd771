"""Prefect's temporary API server for a ``fez`` command run without ``PREFECT_API_URL``,
launched first thing instead of when the first flow call needs it.

Prefect launches its temporary server (uvicorn serving its API app with its temporary-server
flags) the first time a flow needs the API: only after this process has imported Prefect,
the pipeline and Prefect's whole server app, and the server then spends seconds of its own
importing and, on a fresh data dir, migrating its database. Launched here with the same
command, before those imports, the server's start-up runs on one core while this process
imports what the run needs on the other. The flow runs with it as its ``PREFECT_API_URL``
(worker processes of the run report to it too); it keeps its database in ``PREFECT_HOME``
(inside the data dir) and is stopped when the process exits, as Prefect stops its own.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

SERVER_APP = "prefect.server.api.server:create_app"
# Prefect's own settings for its temporary server: no UI, only the services it needs.
TEMPORARY_SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
PORT_TAKEN = 3  # uvicorn's exit status when its port was taken meanwhile
POLL_SECONDS = 0.1
STOP_SECONDS = 5.0


class TemporaryServerError(RuntimeError):
    """Prefect's temporary server did not start."""


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def _site_packages() -> str:
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None
    return str(Path(spec.origin).parents[1])


def _creates_database() -> bool:
    """Whether the server will create its SQLite database in ``PREFECT_HOME``: its migrations
    then take most of its start (13 s on 2 cores, against about 5 s on an existing one)."""
    names = ("PREFECT_SERVER_DATABASE_CONNECTION_URL", "PREFECT_API_DATABASE_CONNECTION_URL")
    if any(os.environ.get(name) for name in names):
        return False
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    return not (home / "prefect.db").exists()


class TemporaryServer:
    """The server process, launched at once; ``wait`` until it answers its health check."""

    def __init__(self, startup_timeout: float) -> None:
        self.creates_database = _creates_database()
        self.port = _free_port()
        self.startup_timeout = startup_timeout
        self.process = self._launch()
        atexit.register(self.stop)
        self._error: TemporaryServerError | None = None
        self._started = threading.Thread(target=self._await_health, daemon=True)
        self._started.start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ready(self) -> bool:
        return not self._started.is_alive()

    def _launch(self) -> subprocess.Popen:
        command = [
            sys.executable, "-m", "uvicorn", "--app-dir", _site_packages(),
            "--factory", SERVER_APP, "--host", "127.0.0.1", "--port", str(self.port),
            "--log-level", "error", "--lifespan", "on",
        ]  # fmt: skip
        return subprocess.Popen(command, env={**os.environ, **TEMPORARY_SERVER_ENV})

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _await_health(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            status = self.process.poll()
            if status == PORT_TAKEN:
                self.port = _free_port()
                self.process = self._launch()
            elif status is not None:
                self._error = TemporaryServerError(
                    f"Prefect's temporary server exited with status {status} while starting"
                )
                return
            elif self._healthy():
                return
            time.sleep(POLL_SECONDS)
        self._error = TemporaryServerError(
            f"Prefect's temporary server did not answer within {self.startup_timeout:.0f} s "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
        )

    def wait(self) -> None:
        """Block until the server serves; raise ``TemporaryServerError`` if it never will."""
        self._started.join()
        if self._error is not None:
            self.stop()
            raise self._error

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """Point Prefect at this server for the block, once it serves. Stopped at exit, after
        Prefect's log and event workers (registered later) have sent what they hold.

        Flow-run heartbeats are off on it: they let a lasting server see a run's process die,
        but this one dies with the process, and the flow's end waits up to a second for the
        heartbeat thread to wake."""
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            temporary_settings,
        )

        if PREFECT_API_URL.value():  # a Prefect profile names a server: that one is used
            self.stop()
            yield
            return
        self.wait()
        own = {PREFECT_API_URL: self.api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        with temporary_settings(updates=own):
            yield

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def launch_temporary_server() -> TemporaryServer | None:
    """Launch the temporary server when this process would need one (no ``PREFECT_API_URL``
    and temporary servers allowed), before Prefect is imported; else ``None``."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    allowed = os.environ.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "true").lower()
    if allowed not in {"1", "true", "yes", "on"}:
        return None
    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
    return TemporaryServer(timeout)


def import_while_starting(server: TemporaryServer | None, modules: Sequence[str]) -> None:
    """Import ``modules`` in order while ``server`` is still starting; stop once it serves."""
    if server is None:
        return
    for module in modules:
        if server.ready:
            return
        importlib.import_module(module)

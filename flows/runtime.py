"""Process environment that keeps Prefect, dbt and Great Expectations quiet and offline.

It must be applied before any of them is imported: they read these variables at import time.
Values already set by the user win, except where a default would phone home.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

QUIET_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_ENABLED": "true",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "INFO",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "TQDM_DISABLE": "1",
}


class DataDirError(RuntimeError):
    """The data dir cannot be created or written."""


def check_data_dir(data_dir: Path) -> None:
    """Create the data dir if needed; raise ``DataDirError`` naming why it cannot be used."""
    data_dir = data_dir.absolute()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(f"cannot create the data dir {data_dir}: {exc.strerror}") from None
    if not os.access(data_dir, os.W_OK):
        raise DataDirError(f"the data dir {data_dir} is not writable (set FEZ_DATA_DIR)")


class TemporaryServerNotes(logging.Filter):
    """Drops Prefect's own notes about its temporary server ("Starting temporary server on
    …, see …", "Stopping temporary server"): start-up chatter of every local run that a
    successful ``fez run`` must not show. Only records of the ``prefect`` logger itself below
    WARNING; flow and task run logs (its child loggers) are untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or "temporary server" not in record.getMessage()


def configure_environment(data_dir: Path) -> None:
    """Point Prefect's home into the data dir, switch off telemetry everywhere and quiet
    Prefect's temporary-server notes."""
    os.environ.setdefault("PREFECT_HOME", str(data_dir.absolute() / "prefect"))
    for name, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    prefect_logger = logging.getLogger("prefect")
    if not any(isinstance(f, TemporaryServerNotes) for f in prefect_logger.filters):
        prefect_logger.addFilter(TemporaryServerNotes())


def prefect_api_reachable() -> bool:
    """Whether a Prefect API can serve this run: a configured URL, or a usable loopback.

    Without ``PREFECT_API_URL`` Prefect starts a temporary server on 127.0.0.1, which needs
    the loopback interface (absent in a namespace without network, e.g. ``unshare -n``).
    """
    if os.environ.get("PREFECT_API_URL"):
        return True
    try:
        with socket.create_server(("127.0.0.1", 0)) as server:
            socket.create_connection(server.getsockname(), timeout=2).close()
    except OSError:
        return False
    return True


def new_run_id() -> str:
    """A run's id: its UTC start time, sortable and readable."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")

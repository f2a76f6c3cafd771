"""The process environment every fez command sets up: quiet, offline tools."""

from __future__ import annotations

import logging

import pytest

from flows.runtime import configure_environment


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def prefect_records(tmp_path):
    configure_environment(tmp_path / "data")
    collect = _Collect()
    prefect, level = logging.getLogger("prefect"), logging.getLogger("prefect").level
    prefect.setLevel(logging.INFO)  # as Prefect's logging settings leave it for a run
    prefect.addHandler(collect)  # flow run records reach it by propagation, as in a run
    yield collect
    prefect.removeHandler(collect)
    prefect.setLevel(level)


def test_temporary_server_notes_are_dropped_and_run_logs_kept(prefect_records):
    prefect = logging.getLogger("prefect")
    prefect.info("Starting temporary server on http://127.0.0.1:8172\nSee https://www.prefect.io")
    prefect.info("Stopping temporary server on http://127.0.0.1:8172")
    prefect.warning("temporary server did not start in time")
    logging.getLogger("prefect.fez_tests").info("Beginning flow run 'x' for flow 'fez-pipeline'")

    assert prefect_records.messages == [
        "temporary server did not start in time",
        "Beginning flow run 'x' for flow 'fez-pipeline'",
    ]


def test_the_filter_is_added_once_however_often_the_environment_is_set(tmp_path):
    configure_environment(tmp_path / "a")
    configure_environment(tmp_path / "b")
    filters = [
        f
        for f in logging.getLogger("prefect").filters
        if type(f).__name__ == "TemporaryServerNotes"
    ]
    assert len(filters) == 1

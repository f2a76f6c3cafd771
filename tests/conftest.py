"""Shared fixtures: sources collected from the bundled SAMPLE replay pages, parsers fed bytes,
and one Prefect server for every flow test of the session."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from flows.runtime import configure_environment
from sources.crawl import Collected, collect
from sources.fetch.archive import WarcArchive
from sources.fetch.client import Fetcher, FetchPolicy, build_session
from sources.fetch.redact import Redactor
from sources.fetch.replay import ReplayStore
from sources.registry import load_sources
from tests.pages import SECRET_PARAMS

# Before any test module imports Prefect (none of the imports above does): its home and the
# quiet, offline environment for the session.
configure_environment(Path(tempfile.mkdtemp(prefix="fez-tests-")))


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh data dir for the pipeline, set through its environment variable."""
    path = tmp_path / "data"
    monkeypatch.setenv("FEZ_DATA_DIR", str(path))
    monkeypatch.delenv("FEZ_WAREHOUSE_PATH", raising=False)
    configure_environment(path)
    return path


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """The URL of one Prefect server for the whole session; flow tests run against it and
    pass it to the ``fez`` processes they start (``PREFECT_API_URL``), so no test starts a
    temporary server of its own."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


@pytest.fixture(scope="session")
def specs():
    return load_sources()


@pytest.fixture(scope="session")
def replay_fetcher(tmp_path_factory) -> Fetcher:
    redactor = Redactor(SECRET_PARAMS)
    policy = FetchPolicy(user_agent="asv-fez-pipeline tests")
    session = build_session(policy, ReplayStore.from_samples(redactor))
    archive = WarcArchive(tmp_path_factory.mktemp("raw"), "test-run")
    return Fetcher(session, archive, policy, redactor)


@pytest.fixture(scope="session")
def collected(specs, replay_fetcher):
    """``collected(name)``: the source crawled from its sample pages (cached per session)."""
    cache: dict[str, Collected] = {}

    def run(name: str) -> Collected:
        if name not in cache:
            cache[name] = collect(specs[name], replay_fetcher, api_key="sample-key")
        return cache[name]

    return run

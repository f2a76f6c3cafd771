import pytest

from flows.runtime import configure_environment


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh data dir for the pipeline, set through its environment variable."""
    path = tmp_path / "data"
    monkeypatch.setenv("FEZ_DATA_DIR", str(path))
    monkeypatch.delenv("FEZ_WAREHOUSE_PATH", raising=False)
    configure_environment(path)
    return path

"""Documentation kept true by tests: every setting in the README, every entrypoint real."""

import importlib
import re
from pathlib import Path

import yaml

from flows.settings import Settings

ROOT = Path(__file__).parents[1]


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(FEZ_[A-Z_]+)`", readme))
    settings = {f"FEZ_{name.upper()}" for name in Settings.model_fields}
    assert settings - documented == set()
    assert documented - settings == set()


def test_every_prefect_entrypoint_imports_a_flow():
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    for deployment in config["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert getattr(module, name).name == "fez-pipeline"
        assert all(s["timezone"] == "Asia/Seoul" for s in deployment["schedules"])


def test_every_source_is_listed_in_the_readme():
    from sources.registry import load_sources

    readme = (ROOT / "README.md").read_text()
    missing = [name for name in load_sources() if f"| `{name}` |" not in readme]
    assert missing == []

"""Statistics sources as a whole: keys, the replay bundle, seeds and values."""

from __future__ import annotations

import csv
import gzip

import pytest
import yaml

from flows.settings import Settings
from sources.crawl import collect
from sources.fetch.archive import WarcArchive
from sources.fetch.client import Fetcher, FetchPolicy, build_session
from sources.fetch.replay import SAMPLES_DIR, ReplayStore
from sources.keys import missing_key_message
from sources.parsers.observations import split_value
from sources.parsers.regions import REGION_CODES_CSV
from sources.registry import load_sources
from tests.sample_bundle import PLACEHOLDER_KEY, REDACTOR, replay_source

STATS_SOURCES = [
    "kosis_population", "kosis_households", "kosis_migration", "kosis_businesses",
    "kicox_complex_stats", "kicox_operating_rate_by_industry", "ecos_macro",
]  # fmt: skip
SEEDS = REGION_CODES_CSV.parent


@pytest.fixture
def no_keys(monkeypatch):
    for name in ("KOSIS_API_KEY", "DATAGOKR_SERVICE_KEY", "ECOS_API_KEY"):
        monkeypatch.delenv(f"FEZ_{name}", raising=False)
    return Settings(_env_file=None)


def test_sources_without_their_key_are_skipped_with_one_line(no_keys):
    specs = load_sources()
    messages = {name: missing_key_message(specs[name], no_keys) for name in STATS_SOURCES}
    assert messages["kosis_population"] == (
        "kosis_population: skipped, no API key (set FEZ_KOSIS_API_KEY)"
    )
    assert messages["ecos_macro"].endswith("(set FEZ_ECOS_API_KEY)")
    assert messages["kicox_complex_stats"].endswith("(set FEZ_DATAGOKR_SERVICE_KEY)")
    assert all(m and "\n" not in m for m in messages.values())
    assert missing_key_message(specs["fez_survey"], no_keys) is None


@pytest.mark.usefixtures("no_keys")
def test_a_source_with_its_key_is_not_skipped():
    with_key = Settings(_env_file=None, kosis_api_key="k")
    assert missing_key_message(load_sources()["kosis_population"], with_key) is None
    blank = Settings(_env_file=None, ecos_api_key="  ")
    assert missing_key_message(load_sources()["ecos_macro"], blank) is not None


@pytest.mark.parametrize("name", STATS_SOURCES)
def test_every_planned_request_has_a_sample_answer(name):
    replayed = replay_source(name)
    assert replayed.records
    regions = {r["region_code"] for r in replayed.records}
    assert regions <= {"00000", "41000", "41270", "41271", "41273"}


@pytest.mark.parametrize("name", STATS_SOURCES)
def test_the_bundle_holds_no_key_and_answers_robots_txt(name):
    manifest = (SAMPLES_DIR / name / "manifest.yaml").read_text(encoding="utf-8")
    assert PLACEHOLDER_KEY not in manifest
    assert "SAMPLE" in manifest and "INVENTED" in manifest
    hosts = load_sources()[name].hosts
    urls = {entry["url"] for entry in yaml.safe_load(manifest)}
    assert {f"https://{host}/robots.txt" for host in hosts} <= urls


def test_every_declared_indicator_is_in_the_indicator_seed():
    with (SEEDS / "indicators.csv").open(encoding="utf-8") as handle:
        seeded = {row["indicator_id"]: row for row in csv.DictReader(handle)}
    produced = {
        (r["indicator_id"], r["source"])
        for name in STATS_SOURCES
        for r in replay_source(name).records
    }
    assert {i for i, _ in produced} <= set(seeded)
    assert all(seeded[i]["source"] == s for i, s in produced)


def test_region_codes_point_into_the_region_seed():
    with (SEEDS / "regions.csv").open(encoding="utf-8") as handle:
        regions = {row["region_code"] for row in csv.DictReader(handle)}
    with REGION_CODES_CSV.open(encoding="utf-8") as handle:
        targets = {row["region_code"] for row in csv.DictReader(handle)}
    assert regions == {"00000", "41000", "41270", "41271", "41273"}
    assert targets <= regions


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("1,234", "명", (1234.0, "명")),
        ("72.5%", None, (72.5, "%")),
        ("12,345백만원", None, (12345.0, "백만원")),
        ("0", "명", (0.0, "명")),
        ("-", "명", (None, "명")),
        ("", "%", (None, "%")),
        ("n/a", "%", ("n/a", "%")),
    ],
)
def test_values_become_numbers_with_their_unit(raw, unit, expected):
    assert split_value(raw, unit) == expected


def test_a_replayed_crawl_archives_redacted_in_place_of_the_key(tmp_path):
    """Through the real fetcher: neither ECOS's key in the path nor KOSIS's apiKey is archived."""
    policy = FetchPolicy(user_agent="test")
    store = ReplayStore.from_samples(REDACTOR)
    fetcher = Fetcher(build_session(policy, store), WarcArchive(tmp_path, "run"), policy, REDACTOR)
    for name in ("ecos_macro", "kosis_population"):
        collected = collect(load_sources()[name], fetcher, PLACEHOLDER_KEY)
        assert collected.errors == []
        assert collected.records
    archived = b"".join(gzip.decompress(p.read_bytes()) for p in tmp_path.rglob("*.warc.gz"))
    assert b"StatisticSearch/REDACTED/json" in archived
    assert PLACEHOLDER_KEY.encode() not in archived

"""The whole pipeline on the bundled samples, as a user runs it: `fez run --replay`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

FEZ = str(Path(sys.executable).parent / "fez")
AS_OF = "2026-11-20"


def _fez(*args: str, data_dir: Path, api: str) -> subprocess.CompletedProcess:
    """``fez`` as a user runs it, against the session's Prefect server (``api``)."""
    env = {**os.environ, "FEZ_DATA_DIR": str(data_dir), "COLUMNS": "200", "PREFECT_API_URL": api}
    env.pop("PREFECT_HOME", None)
    return subprocess.run(
        [FEZ, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def replay_run(tmp_path_factory, prefect_api):
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    # The samples' calls are dated November 2026: statuses are computed for a day among them.
    first = _fez("run", "--replay", "--as-of", AS_OF, data_dir=data_dir, api=prefect_api)
    return data_dir, first


def test_run_succeeds_without_errors_or_tracebacks(replay_run):
    _, result = replay_run
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ERROR" not in output
    assert "Traceback" not in output


def test_published_announcements_hold_the_sample_posts(replay_run):
    data_dir, _ = replay_run
    latest = data_dir / "published" / "latest"
    frame = pd.read_parquet(latest / "announcements.parquet")
    post = frame.set_index("announcement_id").loc["gtp_business:172330"]
    assert post["title"] == "2026년 안산사이언스밸리 입주기업 기술사업화 지원사업 공고"
    assert post["department"] == "기업성장본부 기업지원팀"
    assert post["apply_end"].isoformat() == "2026-12-04T18:00:00+09:00"
    csv = pd.read_csv(latest / "announcements.csv", encoding="utf-8-sig")
    assert "안산시 중소기업 해외 전시회 참가 지원사업 공고" in set(csv["title"])


def test_open_calls_are_computed_for_the_as_of_day_and_csv_times_carry_kst(replay_run):
    data_dir, _ = replay_run
    latest = data_dir / "published" / "latest"
    calls = pd.read_parquet(latest / "open_calls.parquet").set_index("announcement_id")
    call = calls.loc["gtp_business:172330"]
    assert (call["status"], call["days_left"]) == ("open", 14)
    assert call["status_as_of"].isoformat() == "2026-11-20T00:00:00+09:00"
    assert list(call["links"]) == [call["url"]]
    assert calls.loc["kicox_netzero_loans:PB_2026_0031", "days_left"] == 8
    csv = pd.read_csv(latest / "announcements.csv", encoding="utf-8-sig", dtype=str)
    row = csv.set_index("announcement_id").loc["gtp_business:172330"]
    assert row["apply_end"] == "2026-12-04T18:00:00+09:00"
    assert row["status_as_of"] == "2026-11-20T00:00:00+09:00"
    links = pd.read_csv(latest / "open_calls.csv", encoding="utf-8-sig")["links"]
    assert links.str.startswith("['https://").all()
    categories = pd.read_csv(latest / "announcement_categories.csv", encoding="utf-8-sig")
    assert set(categories["name_en"]) >= {"Call for proposals", "Tender", "Notice"}


def test_published_observations_hold_ansan_population(replay_run):
    data_dir, _ = replay_run
    frame = pd.read_parquet(data_dir / "published" / "latest" / "indicator_observations.parquet")
    ansan = frame[
        (frame.indicator_id == "population")
        & (frame.region_code == "41270")
        & (frame.period == "2026-09")
    ]
    assert ansan["value"].tolist() == [619310.0]
    assert ansan["unit"].tolist() == ["명"]


def test_release_manifest_checksums_match_files(replay_run):
    data_dir, _ = replay_run
    latest = data_dir / "published" / "latest"
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["tables"]["announcements"] == 38
    import hashlib

    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((latest / name).read_bytes()).hexdigest() == digest


def test_the_release_is_a_valid_data_package_marked_as_samples(replay_run):
    from frictionless import validate

    data_dir, _ = replay_run
    latest = data_dir / "published" / "latest"
    report = validate(str(latest / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "type", "note"])[:5]
    package = json.loads((latest / "datapackage.json").read_text())
    assert package["samples"] is True
    sources = {s["name"]: s for s in package["sources"]}
    assert sources["kosis_population"]["licenses"][0]["name"] == "KOGL-Type1"
    zone = next(r for r in package["resources"] if r["name"] == "zone_monthly")
    described = {f["name"]: f.get("description", "") for f in zone["schema"]["fields"]}
    assert "percentage points" in described["mom_change"]


def test_publishing_the_same_content_again_cuts_no_release(replay_run, monkeypatch):
    from flows.publish import publish_run
    from flows.settings import Settings

    data_dir, _ = replay_run
    monkeypatch.setenv("FEZ_DATA_DIR", str(data_dir))
    latest = (data_dir / "published" / "latest").resolve().name
    release = publish_run(Settings(), "publish-again")
    assert not release.new and release.release_id == latest
    assert [p.name for p in (data_dir / "published" / "releases").iterdir()] == [latest]


def test_second_replay_adds_no_rows(replay_run, prefect_api):
    data_dir, _ = replay_run
    second = _fez("fetch", "--replay", data_dir=data_dir, api=prefect_api)
    assert second.returncode == 0, second.stdout + second.stderr
    lines = [line for line in second.stdout.splitlines() if "gtp_business" in line]
    assert lines and lines[0].split("│")[5].strip() == "0"


def test_run_without_any_network_publishes_the_same_rows(tmp_path):
    """Under `unshare -n` there is no loopback for Prefect's server: the run goes on without it."""
    if (
        shutil.which("unshare") is None
        or subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode
    ):
        pytest.skip("network namespaces are not available here")
    data_dir = tmp_path / "data"
    env = {**os.environ, "FEZ_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    result = subprocess.run(
        ["unshare", "-n", FEZ, "run", "--replay"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output and "ERROR" not in output
    frame = pd.read_parquet(data_dir / "published" / "latest" / "indicator_observations.parquet")
    assert 619310.0 in frame["value"].tolist()


def test_sources_lists_health_after_a_run(replay_run, prefect_api):
    data_dir, _ = replay_run
    result = _fez("sources", data_dir=data_dir, api=prefect_api)
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert "│ ok " in rows["gtp_business"]
    assert "│ ok " in rows["kosis_population"]


def test_reparse_rebuilds_the_same_records_from_the_archive_without_network(
    replay_run, prefect_api
):
    data_dir, _ = replay_run
    result = _fez("reparse", data_dir=data_dir, api=prefect_api)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split("│") for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(rows) >= 15
    assert {row[2].strip() for row in rows} == {"ok"}
    assert {row[5].strip() for row in rows} == {"0"}, "re-parsing the same pages adds nothing"

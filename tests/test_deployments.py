"""The deployments: prefect.yaml loads, every entrypoint imports, each schedule fires when
KST says it should, two writers never overlap, and `fez serve` serves the same file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from prefect.server.schemas.schedules import CronSchedule

from flows.cli import app
from flows.pipeline import SCOPES, RunOptions
from flows.serve import PREFECT_YAML, declared_deployments, load_entrypoint, runner_deployments

KST = ZoneInfo("Asia/Seoul")
# 2026-12-02 00:10 UTC is 09:10 KST, a Wednesday.
NOW = datetime(2026, 12, 2, 0, 10, tzinfo=UTC)


def _next_runs(declared: dict, count: int) -> list[datetime]:
    (schedule,) = declared["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    return [d.astimezone(KST) for d in asyncio.run(cron.get_dates(count, start=NOW))]


@pytest.fixture(scope="module")
def deployments() -> dict[str, dict]:
    return {d["name"]: d for d in declared_deployments()}


def test_prefect_yaml_is_what_prefect_deploy_reads():
    from prefect.cli.deploy._models import PrefectYamlModel

    model = PrefectYamlModel.model_validate(yaml.safe_load(PREFECT_YAML.read_text()))
    assert [d.name for d in model.deployments] == ["announcements", "statistics", "full-refresh"]
    for deployment in model.deployments:
        assert deployment.concurrency_limit.limit == 1
        assert deployment.concurrency_limit.collision_strategy == "CANCEL_NEW"


def test_the_three_deployments_run_the_pipeline_flow(deployments):
    assert set(deployments) == {"announcements", "statistics", "full-refresh"}
    for declared in deployments.values():
        assert load_entrypoint(declared["entrypoint"]).name == "fez-pipeline"
        options = RunOptions(**declared["parameters"])
        assert options.scope in SCOPES
        assert declared["work_pool"]["name"] == "fez-local"
    assert deployments["announcements"]["parameters"] == {"scope": "announcements"}
    assert deployments["statistics"]["parameters"] == {"scope": "statistics"}
    assert deployments["full-refresh"]["parameters"] == {"full": True}


def test_no_deployment_runs_twice_at_once(deployments):
    for declared in deployments.values():
        assert declared["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}


def test_announcements_run_every_hour_at_half_past_in_kst(deployments):
    runs = _next_runs(deployments["announcements"], 3)
    assert [r.isoformat() for r in runs] == [
        "2026-12-02T09:30:00+09:00",
        "2026-12-02T10:30:00+09:00",
        "2026-12-02T11:30:00+09:00",
    ]


def test_statistics_run_at_six_in_the_morning_kst(deployments):
    runs = _next_runs(deployments["statistics"], 2)
    assert [r.isoformat() for r in runs] == [
        "2026-12-03T06:00:00+09:00",
        "2026-12-04T06:00:00+09:00",
    ]
    assert runs[0].astimezone(UTC).hour == 21, "06:00 KST is 21:00 UTC the day before"


def test_the_full_refresh_runs_weekly_on_sunday_night_kst(deployments):
    runs = _next_runs(deployments["full-refresh"], 2)
    assert [r.isoformat() for r in runs] == [
        "2026-12-06T03:00:00+09:00",
        "2026-12-13T03:00:00+09:00",
    ]
    assert runs[0].strftime("%A") == "Sunday"


def test_fez_serve_serves_every_declared_deployment_with_its_schedule_and_limit(deployments):
    served = {d.name: d for d in runner_deployments()}
    assert set(served) == set(deployments)
    for name, deployment in served.items():
        declared = deployments[name]
        (schedule,) = deployment.schedules
        assert schedule.schedule.cron == declared["schedules"][0]["cron"]
        assert schedule.schedule.timezone == "Asia/Seoul"
        assert deployment.parameters == declared["parameters"]
        assert deployment.concurrency_limit == 1
        assert deployment.concurrency_options.collision_strategy.value == "CANCEL_NEW"


def test_fez_serve_without_a_server_says_what_to_start(data_dir, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "prefect server start" in result.output
    assert len(result.output.strip().splitlines()) == 1

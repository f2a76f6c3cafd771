"""Source health over runs, and notifications to a loopback webhook that carry no secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

import flows.pipeline as pipeline
from flows import cli, notify
from flows.cli import app
from flows.health import source_health
from flows.settings import Settings
from flows.warehouse import connect, record_source_run
from tests.fetch_helpers import on_server, write_overlay
from tests.httpserver import Reply, html, local_servers

T0 = datetime(2026, 12, 1, tzinfo=UTC)
TOKEN = "hook-T0ken-9f8e7d"
KEY = "ecos-S3cret-0042"


def _runs(con, source: str, statuses: list[str]) -> None:
    for number, status in enumerate(statuses):
        at = T0 + timedelta(hours=number)
        record_source_run(
            con,
            {"run_id": f"r{number}", "source": source, "started_at": at, "finished_at": at,
             "status": status},
        )  # fmt: skip


def test_health_counts_the_failures_since_the_last_success(data_dir):
    con = connect(Settings(_env_file=None).warehouse)
    try:
        _runs(con, "broken", ["ok", "failing", "layout_changed", "failing"])
        _runs(con, "recovered", ["failing", "failing", "failing", "ok"])
        _runs(con, "keyless", ["failing", "failing", "skipped", "skipped"])
        _runs(con, "wobbly", ["partial", "failing", "no_data"])
        health = source_health(con, unhealthy_after=3)
        two = source_health(con, unhealthy_after=2)
    finally:
        con.close()
    assert {name: (h.health, h.failures_in_a_row) for name, h in health.items()} == {
        "broken": ("unhealthy", 3),
        "recovered": ("healthy", 0),
        "keyless": ("healthy", 2),
        "wobbly": ("healthy", 0),
    }
    assert health["broken"].last_success == T0
    assert health["keyless"].last_success is None
    assert two["keyless"].health == "unhealthy", "a skipped run does not reset the count"


@pytest.fixture
def webhook():
    """A loopback server standing in for Slack/Teams: apprise's json:// posts land here."""
    with local_servers(1) as (server,):
        server.route(f"/hook/{TOKEN}", Reply(200, b"{}", {"Content-Type": "application/json"}))
        yield server


def _posted(server) -> list[dict]:
    return [json.loads(seen.body) for seen in server.seen(f"/hook/{TOKEN}")]


def _broken_board_overlay(tmp_path, server) -> str:
    served = iter(range(1000))
    server.route(
        "/board", lambda seen: html(f"<html><body><p>maintenance #{next(served)}</p></body></html>")
    )
    overlay = write_overlay(tmp_path, gtp_business=on_server(server))
    return str(overlay)


def test_a_source_failing_three_runs_turns_unhealthy_once_and_recovers(
    data_dir, tmp_path, webhook, monkeypatch
):
    monkeypatch.setenv("FEZ_NOTIFY_URLS", json.dumps([f"json://{webhook.netloc}/hook/{TOKEN}"]))
    monkeypatch.setenv("FEZ_ECOS_API_KEY", KEY)
    broken = pipeline.RunOptions(
        steps=("fetch",),
        sources=("gtp_business",),
        sources_overlay=_broken_board_overlay(tmp_path, webhook),
    )
    summaries = [pipeline.run_without_prefect(broken) for _ in range(4)]
    assert [s.sources[0].status for s in summaries] == ["layout_changed"] * 4
    assert [s.unhealthy for s in summaries] == [[], [], ["gtp_business"], ["gtp_business"]]
    (message,) = _posted(webhook)
    assert "turned unhealthy" in message["title"]
    assert "gtp_business" in message["message"]
    assert TOKEN not in json.dumps(message) and KEY not in json.dumps(message)

    monkeypatch.setattr(cli.console, "width", 250)  # fixed when flows.cli was imported
    listed = CliRunner().invoke(app, ["sources"])
    rows = [line for line in listed.output.splitlines() if "│ gtp_business " in line]
    assert rows, listed.output
    row = rows[0]
    assert "│ unhealthy " in row

    fixed = pipeline.RunOptions(steps=("fetch",), sources=("gtp_business",), replay="samples")
    assert pipeline.run_without_prefect(fixed).unhealthy == []


def test_a_failed_run_is_notified_without_the_keys_in_its_error(data_dir, webhook, monkeypatch):
    monkeypatch.setenv("FEZ_NOTIFY_URLS", json.dumps([f"json://{webhook.netloc}/hook/{TOKEN}"]))
    monkeypatch.setenv("FEZ_ECOS_API_KEY", KEY)

    def fail(*args):
        raise RuntimeError(f"GET https://ecos.bok.or.kr/api/{KEY}/json failed; hook {TOKEN}")

    monkeypatch.setattr(pipeline, "_steps", fail)
    with pytest.raises(RuntimeError):
        pipeline.run_without_prefect(pipeline.RunOptions(steps=("fetch",)))
    (message,) = _posted(webhook)
    assert message["title"].startswith("fez run ") and message["title"].endswith(" failed")
    assert "RuntimeError: GET https://ecos.bok.or.kr/api/" in message["message"]
    assert KEY not in json.dumps(message) and TOKEN not in json.dumps(message)


def test_without_urls_nothing_is_sent(data_dir, webhook, monkeypatch):
    monkeypatch.delenv("FEZ_NOTIFY_URLS", raising=False)
    assert notify.send(Settings(_env_file=None), "title", "body") is False
    assert _posted(webhook) == []


def test_new_open_calls_match_the_keywords(data_dir):
    con = connect(Settings(_env_file=None).warehouse)
    try:
        con.execute(
            "create table main.mart_open_calls "
            "(announcement_id varchar, title varchar, url varchar, deadline_date date)"
        )
        for post, title, first_seen in [
            ("1", "수소 모빌리티 실증 지원사업 공고", T0 + timedelta(hours=1)),
            ("2", "반도체 장비 국산화 과제 모집", T0 + timedelta(hours=1)),
            ("3", "수소 충전소 구축 지원 (재공고)", T0 - timedelta(days=3)),
        ]:
            con.execute(
                "insert into raw.announcements (source, post_id, content_hash, url, title, "
                "apply_rolling, apply_extended, first_seen, last_seen, run_id) "
                "values ('gtp_business', ?, 'h', 'u', ?, false, false, ?, ?, 'r')",
                [post, title, first_seen, first_seen],
            )
            con.execute(
                "insert into main.mart_open_calls values (?, ?, ?, date '2026-12-20')",
                [f"gtp_business:{post}", title, f"https://pms.gtp.or.kr/{post}"],
            )
        calls = notify.matching_open_calls(con, T0, ["수소"])
    finally:
        con.close()
    assert calls == [("수소 모빌리티 실증 지원사업 공고", "https://pms.gtp.or.kr/1", "2026-12-20")]
    title, body = notify.open_calls_message(calls)
    assert "1 new open call" in title and "deadline 2026-12-20" in body

"""Every bad value a person can type gets one line naming it, a non-zero exit code and no
file written: each setting, each overlay field, a missing replay source, and every command
run too early on a fresh data dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from flows import exit_codes
from flows.cli import app
from flows.settings import Settings
from sources.registry import Paging, Politeness, RequestSpec, SourceSpec

# (variable, bad value, what the line must say besides the variable's name)
BAD_SETTINGS = [
    ("FEZ_MIN_INTERVAL", "abc", "valid number"),
    ("FEZ_MIN_INTERVAL", "-5", "greater than or equal to 0"),
    ("FEZ_MIN_INTERVAL", "nan", "finite"),
    ("FEZ_MAX_IN_FLIGHT_PER_HOST", "0", "greater than or equal to 1"),
    ("FEZ_MAX_IN_FLIGHT_PER_HOST", "two", "valid integer"),
    ("FEZ_MAX_CONCURRENCY", "0", "greater than or equal to 1"),
    ("FEZ_MAX_CONCURRENCY", "-1", "greater than or equal to 1"),
    ("FEZ_MAX_CONCURRENCY", "1.5", "valid integer"),
    ("FEZ_FETCH_PROCESSES", "0", "greater than or equal to 1"),
    ("FEZ_FETCH_PROCESSES", "many", "valid integer"),
    ("FEZ_KEEP_RELEASES", "0", "greater than or equal to 1"),
    ("FEZ_KEEP_RELEASES", "all", "valid integer"),
    ("FEZ_MIN_FREE_MB", "-1", "greater than or equal to 0"),
    ("FEZ_MIN_FREE_MB", "1e3", "valid integer"),
    ("FEZ_CONNECT_TIMEOUT", "0", "greater than 0"),
    ("FEZ_CONNECT_TIMEOUT", "inf", "finite"),
    ("FEZ_READ_TIMEOUT", "-1", "greater than 0"),
    ("FEZ_READ_TIMEOUT", "soon", "valid number"),
    ("FEZ_MAX_BODY_BYTES", "0", "greater than or equal to 1"),
    ("FEZ_MAX_BODY_BYTES", "20MB", "valid integer"),
    ("FEZ_MAX_RETRY_WAIT", "-1", "greater than or equal to 0"),
    ("FEZ_MAX_RETRY_WAIT", "forever", "valid number"),
    ("FEZ_SECRET_PARAMS", "notjson", "not valid JSON"),
    ("FEZ_SECRET_PARAMS", "[1, 2]", "valid string"),
    ("FEZ_SECRET_PARAMS", '{"a": 1}', "valid list"),
    ("FEZ_USER_AGENT", "", "at least 1 character"),
    ("FEZ_WRITER_WAIT", "-1", "greater than or equal to 0"),
    ("FEZ_WRITER_WAIT", "a while", "valid number"),
    ("FEZ_EXIT_GRACE", "0", "greater than 0"),
    ("FEZ_EXIT_GRACE", "3600", "less than or equal to 600"),
    ("FEZ_UNHEALTHY_AFTER", "0", "greater than or equal to 1"),
    ("FEZ_UNHEALTHY_AFTER", "three", "valid integer"),
    ("FEZ_TASK_RUNNER", "ray", "'threads', 'processes' or 'dask'"),
    ("FEZ_NOTIFY_URLS", "slack://T/B/C", "not valid JSON"),
    ("FEZ_NOTIFY_KEYWORDS", "수소", "not valid JSON"),
]


def _numeric_settings() -> set[str]:
    return {
        f"FEZ_{name.upper()}"
        for name, field in Settings.model_fields.items()
        if field.annotation in (int, float)
    }


def _one_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_every_number_among_the_settings_has_a_bound_and_a_bad_value_in_the_table():
    tried = {variable for variable, _, _ in BAD_SETTINGS}
    assert _numeric_settings() - tried == set()
    for name in _numeric_settings():
        field = Settings.model_fields[name.removeprefix("FEZ_").lower()]
        assert any(hasattr(m, "ge") or hasattr(m, "gt") for m in field.metadata), name


@pytest.mark.parametrize(("variable", "value", "says"), BAD_SETTINGS)
def test_a_bad_setting_is_one_line_naming_the_variable_and_writes_nothing(
    data_dir, monkeypatch, variable, value, says
):
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["fetch", "--replay"])
    assert result.exit_code == exit_codes.USAGE
    line = _one_line(result)
    assert line.startswith(f"error: {variable}: ") and says in line
    assert not data_dir.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--replay"],
        ["reparse"],
        ["record", "-s", "gtp_business"],
        ["transform"],
        ["check"],
        ["publish"],
        ["probe", "gtp_business"],
        ["sources"],
        ["doctor"],
        ["releases"],
        ["rollback", "20260101T000000Z"],
        ["query", "select 1"],
    ],
)
def test_every_command_refuses_a_bad_setting_the_same_way(data_dir, monkeypatch, command):
    monkeypatch.setenv("FEZ_MAX_CONCURRENCY", "0")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == exit_codes.USAGE
    assert "FEZ_MAX_CONCURRENCY" in _one_line(result)
    assert not data_dir.exists()


def test_a_key_given_a_bad_value_is_not_echoed(data_dir, monkeypatch):
    monkeypatch.setenv("FEZ_SECRET_PARAMS", "[1]")
    monkeypatch.setenv("FEZ_KOSIS_API_KEY", "s3cr3t-value")
    result = CliRunner().invoke(app, ["doctor"])
    assert "s3cr3t-value" not in result.output


# (overlay YAML, the key the line must name, what it must say)
BAD_OVERLAYS = [
    ("gtp_business: 5", "gtp_business", "expected a mapping of fields, got 5"),
    ("gtp_business:", "gtp_business", "got nothing"),
    ("gtp_business: [1, 2]", "gtp_business", "expected a mapping"),
    ("- gtp_business", "", "expected a mapping at the top level"),
    (
        "gtp_business: {paging: {max_pages: -3}}",
        "gtp_business.paging.max_pages",
        "than or equal to 1",
    ),
    ("gtp_business: {paging: {start: -1}}", "gtp_business.paging.start", "than or equal to 0"),
    ("gtp_business: {paging: {param: ''}}", "gtp_business.paging.param", "at least 1"),
    ("gtp_business: {paging: {in_body: maybe}}", "gtp_business.paging.in_body", "boolean"),
    ("gtp_business: {paging: {every: 2}}", "gtp_business.paging.every", "Extra inputs"),
    ("gtp_business: {paging: 7}", "gtp_business.paging", "dictionary"),
    (
        "gtp_business: {politeness: {min_interval: -5}}",
        "politeness.min_interval",
        "than or equal to 0",
    ),
    ("gtp_business: {politeness: {min_interval: .nan}}", "politeness.min_interval", "finite"),
    ("gtp_business: {politeness: {min_interval: slow}}", "politeness.min_interval", "number"),
    (
        "gtp_business: {politeness: {max_in_flight: 0}}",
        "politeness.max_in_flight",
        "than or equal to 1",
    ),
    ("gtp_business: {politeness: fast}", "gtp_business.politeness", "dictionary"),
    ("gtp_business: {name: [1]}", "gtp_business.name", "valid string"),
    ("gtp_business: {title: {a: 1}}", "gtp_business.title", "valid string"),
    ("gtp_business: {description: 5}", "gtp_business.description", "valid string"),
    ("gtp_business: {institution: [x]}", "gtp_business.institution", "valid string"),
    ("gtp_business: {licence: 5}", "gtp_business.licence", "valid string"),
    ("gtp_business: {kind: website}", "gtp_business.kind", "html_board"),
    ("gtp_business: {parser: nope}", "gtp_business.parser", "no parser 'nope'"),
    ("gtp_business: {parser: ../x}", "gtp_business.parser", "no parser"),
    ("gtp_business: {record_type: post}", "gtp_business.record_type", "announcement"),
    ("gtp_business: {hosts: example.org}", "gtp_business.hosts", "valid list"),
    ("gtp_business: {allow_private_hosts: perhaps}", "allow_private_hosts", "boolean"),
    ("gtp_business: {homepage: [1]}", "gtp_business.homepage", "valid string"),
    ("gtp_business: {verified: perhaps}", "gtp_business.verified", "boolean"),
    ("gtp_business: {cadence: [daily]}", "gtp_business.cadence", "valid string"),
    ("gtp_business: {api_key: 5}", "gtp_business.api_key", "valid string"),
    ("gtp_business: {secret_params: serviceKey}", "gtp_business.secret_params", "valid list"),
    ("gtp_business: {encoding: klingon}", "gtp_business.encoding", "unknown encoding"),
    ("gtp_business: {requests: x}", "gtp_business.requests", "valid list"),
    ("gtp_business: {requests: [{url: /relative}]}", "gtp_business.requests", "http(s) URL"),
    ("gtp_business: {requests: [{method: PUT, url: 'https://a.b/'}]}", "requests.0.method", "GET"),
    ("gtp_business: {requests: [{url: 'https://a.b/', params: 5}]}", "requests.0.params", "dict"),
    ("gtp_business: {requests: [{url: 'https://a.b/', data: 5}]}", "requests.0.data", "dict"),
    ("gtp_business: {requests: [{url: 'https://a.b/', kind: [1]}]}", "requests.0.kind", "string"),
    ("gtp_business: {requests: [{url: 'https://a.b/', meta: 5}]}", "requests.0.meta", "dict"),
    ("gtp_business: {requests: [{url: 5}]}", "gtp_business.requests.0.url", "valid string"),
    ("gtp_business: {options: 5}", "gtp_business.options", "dictionary"),
    ("gtp_business: {options: {detail: {boddy: x}}}", "options.detail.boddy", "boddy"),
    ("gtp_business: {lacks: [date]}", "gtp_business.lacks.0", "'posted_date' or 'text'"),
    ("gtp_business: {lacks: text}", "gtp_business.lacks", "valid list"),
    ("gtp_business: {file: other.yaml}", "gtp_business.file", "set by the loader"),
    ("gtp_business: {colour: blue}", "gtp_business.colour", "Extra inputs"),
    ("gtp_business: {1: 2}", "gtp_business.1", "strings"),
    ("{1: {}}", "1", "source name must be text"),
    ('gtp_business: {"\\ud800": 1}', "gtp_business", "unicode string"),
    ("no_such_source: {verified: true}", "no_such_source", "known sources"),
    ("gtp_business: {kind: [", "", "not valid YAML"),
]


def test_every_overlay_field_has_a_bad_value_in_the_table():
    declared = set(SourceSpec.model_fields)
    for name, model in (("politeness", Politeness), ("paging", Paging), ("requests", RequestSpec)):
        declared |= {f"{name}.{field}" for field in model.model_fields}
    tried = {
        key.removeprefix("gtp_business.").replace("requests.0.", "requests.")
        for _, key, _ in BAD_OVERLAYS
    }
    assert declared - tried == set()


@pytest.mark.parametrize(("text", "key", "says"), BAD_OVERLAYS)
def test_a_bad_overlay_is_one_line_naming_its_file_and_key_and_writes_nothing(
    data_dir, tmp_path, text, key, says
):
    overlay = tmp_path / "my-overlay.yaml"
    overlay.write_text(text)
    result = CliRunner().invoke(app, ["fetch", "--replay", "--sources-overlay", str(overlay)])
    assert result.exit_code == exit_codes.USAGE
    line = _one_line(result)
    assert str(overlay) in line and key in line and says in line
    assert "sources/gtp" not in line  # never the base declaration
    assert not data_dir.exists()


def test_an_overlay_that_is_not_text_is_named(data_dir, tmp_path):
    overlay = tmp_path / "binary.yaml"
    overlay.write_bytes(b"\xff\xfe\x00gtp")
    result = CliRunner().invoke(app, ["sources", "--sources-overlay", str(overlay)])
    assert result.exit_code == exit_codes.USAGE
    assert f"{overlay}: not UTF-8 text" in _one_line(result)


@pytest.mark.parametrize("where", ["/nonexistent", "empty-folder"])
def test_replay_from_nothing_is_one_line_and_writes_nothing(data_dir, tmp_path, where):
    path = Path(where) if where.startswith("/") else tmp_path / where
    if not where.startswith("/"):
        path.mkdir()
    result = CliRunner().invoke(app, ["fetch", "--replay", str(path)])
    assert result.exit_code == exit_codes.USAGE
    assert f"replay source {path}" in _one_line(result)
    assert not data_dir.exists()


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["transform"], "no warehouse yet"),
        (["check"], "no warehouse yet"),
        (["publish"], "no warehouse yet"),
        (["reparse"], "nothing archived yet"),
    ],
)
def test_a_command_run_before_the_first_run_says_what_to_run(data_dir, command, says):
    result = CliRunner().invoke(app, command)
    assert result.exit_code == exit_codes.FAILED
    line = _one_line(result)
    assert says in line and "run `fez " in line
    assert not data_dir.exists()


def test_check_before_the_marts_are_built_says_so(data_dir):
    from flows.warehouse import connect

    connect(data_dir / "warehouse.duckdb").close()
    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == exit_codes.FAILED
    assert "the marts are not built yet" in _one_line(result)
    assert sorted(p.name for p in data_dir.iterdir()) == ["warehouse.duckdb"]


def test_sources_on_a_fresh_data_dir_lists_them_as_never_run(data_dir):
    result = CliRunner().invoke(app, ["sources"], env={"COLUMNS": "200"})
    assert result.exit_code == exit_codes.OK
    assert "never run" in result.output
    assert not data_dir.exists()

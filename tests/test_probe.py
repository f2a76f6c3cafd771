"""`fez probe`'s library side: one list page read by the declared selectors and generically."""

from sources.fetch.archive import WarcArchive
from sources.fetch.client import Fetcher, FetchPolicy, build_session
from sources.fetch.identity import request_key
from sources.fetch.redact import Redactor
from sources.fetch.replay import RecordedAnswer, ReplayStore
from sources.probe import format_probe, probe
from sources.registry import RequestSpec
from tests.pages import FIXTURES, SECRET_PARAMS, board_spec

LIST = "https://board.example/www/selectBbsNttList.do"


def fetcher_for(url: str, fixture: str, tmp_path) -> Fetcher:
    redactor = Redactor(SECRET_PARAMS)
    body = (FIXTURES / fixture).read_bytes()
    answer = RecordedAnswer(200, "OK", [("Content-Type", "text/html;charset=UTF-8")], body)
    store = ReplayStore({request_key("GET", url, None, redactor): answer}, redactor, "test")
    policy = FetchPolicy(user_agent="tests")
    return Fetcher(build_session(policy, store), WarcArchive(tmp_path, "run"), policy, redactor)


def test_probe_of_an_undeclared_board_shows_what_the_generic_reader_finds(tmp_path):
    spec = board_spec(mode="generic").model_copy(update={"requests": [RequestSpec(url=LIST)]})
    report = probe(spec, fetcher_for(LIST, "board_egov_table.html", tmp_path))
    assert report.status == 200 and report.error is None
    assert report.declared is None
    assert report.generic.confidence == 0.9
    assert [r["post_id"] for r in report.generic.rows] == ["90011", "90187", "90150", "90101"]
    text = format_probe(report)
    assert "no selectors declared (mode: generic)" in text
    assert "generic reader: 4 posts, confidence 0.90" in text
    assert "90187 2026-11-18 2026년 산학협력 기술지원 과제 공모" in text


def test_probe_shows_declared_and_generic_rows_side_by_side_with_warnings(tmp_path):
    spec = board_spec(rows="table.gone tr", fields={"title": "a"}).model_copy(
        update={"requests": [RequestSpec(url=LIST)]}
    )
    report = probe(spec, fetcher_for(LIST, "board_egov_table.html", tmp_path))
    assert report.declared == []
    assert report.warnings[0].startswith("layout_changed: example_board:")
    lines = format_probe(report).splitlines()
    assert lines[1].startswith("declared selectors ('table.gone tr'): 0 posts")
    assert " | 90011 2026-10-01 예시기관 개인정보 처리방침 개정 안내" in lines[3]


def test_probe_reports_a_failed_fetch(tmp_path):
    spec = board_spec(mode="generic").model_copy(
        update={"requests": [RequestSpec(url=LIST + "?missing=1")]}
    )
    report = probe(spec, fetcher_for(LIST, "board_egov_table.html", tmp_path))
    assert report.error and "is not in test" in report.error
    assert "error:" in format_probe(report)

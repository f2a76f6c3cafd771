"""A board whose markup changes mid-crawl: the change is reported and nothing read is lost."""

from sources.crawl import collect
from sources.fetch.archive import WarcArchive
from sources.fetch.client import Fetcher, FetchPolicy, build_session
from sources.fetch.identity import request_key
from sources.fetch.redact import Redactor
from sources.fetch.replay import RecordedAnswer, ReplayStore
from sources.registry import Paging, RequestSpec
from tests.pages import FIXTURES, SECRET_PARAMS, board_spec

LIST = "https://board.example/bid/list.do"
HTML = [("Content-Type", "text/html;charset=UTF-8")]


def fetcher_for(pages: dict[str, str], tmp_path) -> Fetcher:
    redactor = Redactor(SECRET_PARAMS)
    answers = {
        request_key("GET", url, None, redactor): RecordedAnswer(
            200, "OK", HTML, (FIXTURES / name).read_bytes()
        )
        for url, name in pages.items()
    }
    policy = FetchPolicy(user_agent="tests")
    session = build_session(policy, ReplayStore(answers, redactor, "the test pages"))
    return Fetcher(session, WarcArchive(tmp_path, "run"), policy, redactor)


def test_a_page_that_changed_layout_is_reported_and_earlier_records_are_kept(tmp_path):
    spec = board_spec(
        rows="table.list tbody tr",
        fields={"title": "td.sbj a", "date": "td:nth-of-type(4)"},
        id_pattern=r"goDetail\((\d+)\)",
        url="https://board.example/bid/view.do?no={id}",
    )
    spec = spec.model_copy(
        update={
            "paging": Paging(param="page", max_pages=3),
            "requests": [RequestSpec(url=LIST)],
        }
    )
    fetcher = fetcher_for(
        {f"{LIST}?page=1": "board_onclick_only.html", f"{LIST}?page=2": "board_redesigned.html"},
        tmp_path,
    )
    result = collect(spec, fetcher)
    assert result.errors == []
    assert [r["post_id"] for r in result.records] == ["5521", "5517", "5502"]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"layout_changed: example_board: {LIST}?page=2: ")

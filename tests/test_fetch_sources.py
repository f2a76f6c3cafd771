"""``--sources-overlay``: the declared sources pointed at a mirror (here the local server)."""

from __future__ import annotations

import pytest
import yaml

from sources.crawl import collect
from sources.registry import SourceDeclarationError, UnknownSourceError, load_sources
from tests.fetch_helpers import board_page, fetcher
from tests.httpserver import html, local_servers


def write_overlay(tmp_path, overrides: dict):
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(overrides), encoding="utf-8")
    return path


def test_overlay_overrides_nested_fields_and_keeps_the_rest(tmp_path):
    overlay = write_overlay(
        tmp_path,
        {"gtp_business": {"paging": {"max_pages": 7}, "politeness": {"max_in_flight": 2}}},
    )
    spec = load_sources(overlay=overlay)["gtp_business"]
    assert spec.paging.max_pages == 7 and spec.paging.param == "page"
    assert spec.politeness.max_in_flight == 2 and spec.politeness.min_interval == 1.0
    assert spec.hosts == ["pms.gtp.or.kr"]


def test_overlay_points_a_declared_source_at_the_local_server(tmp_path):
    with local_servers(1) as (server,):
        server.route("/web/business/webBusinessList.do", html(board_page([5, 4, 3])))
        overlay = write_overlay(
            tmp_path,
            {
                "gtp_business": {
                    "hosts": [server.netloc],
                    "requests": [{"url": server.url("/web/business/webBusinessList.do")}],
                    "politeness": {"min_interval": 0.01},
                    "paging": {"max_pages": 2},
                    "options": {"detail": None},
                }
            },
        )
        spec = load_sources(overlay=overlay)["gtp_business"]
        collected = collect(spec, fetcher(tmp_path))
        asked = [s.query for s in server.seen("/web/business/webBusinessList.do")]
    assert asked == ["page=1", "page=2"]
    assert [r["post_id"] for r in collected.records][:3] == ["5", "4", "3"]


def test_overlay_naming_an_unknown_source_fails_naming_it(tmp_path):
    overlay = write_overlay(tmp_path, {"no_such_board": {"hosts": ["x"]}})
    with pytest.raises(UnknownSourceError, match="no_such_board"):
        load_sources(overlay=overlay)


@pytest.mark.parametrize(
    ("source", "options", "named"),
    [
        ("gtp_business", {"detail": {"boddy": "div.txtcontent"}}, "options.detail.boddy"),
        ("kstartup_announcements", {"region": ["안산"]}, "options.region"),
        ("kosmes_notices", {"detail_url": None}, "options.detail_url"),
    ],
)
def test_a_bad_parser_option_stops_the_load_naming_the_file_and_key(
    tmp_path, source, options, named
):
    overlay = write_overlay(tmp_path, {source: {"options": options}})
    with pytest.raises(SourceDeclarationError) as raised:
        load_sources(overlay=overlay)
    message = str(raised.value)
    assert f"{overlay}: " in message and named in message and "\n" not in message

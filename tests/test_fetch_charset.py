"""Korean pages decode correctly whatever the server says about their charset."""

from __future__ import annotations

from sources.crawl import collect
from tests.fetch_helpers import board_spec, fetcher
from tests.httpserver import Reply, local_servers

TITLE = "2026년 똠방각하 스마트제조 지원사업 공고"
PAGE = f"""<html><head><title>사업공고</title></head><body><table class="t01"><tbody>
<tr><td>1</td><td class="subject"><a onclick="fn_goView('77')" title="{TITLE}">{TITLE[:8]}</a></td>
<td>기술</td><td></td><td>안산시</td>
<td class="last">2026-11-16 09:00 <br>~ 2026-12-04 18:00</td></tr>
</tbody></table></body></html>"""


def title_served_as(tmp_path, content_type: str) -> str:
    with local_servers(1) as (server,):
        server.route("/board", Reply(200, PAGE.encode("cp949"), {"Content-Type": content_type}))
        collected = collect(board_spec(server), fetcher(tmp_path))
    (record,) = collected.records
    return record["title"]


def test_euc_kr_page_without_a_charset_header_decodes(tmp_path):
    assert title_served_as(tmp_path, "text/html") == TITLE


def test_euc_kr_page_with_a_wrong_charset_header_decodes(tmp_path):
    assert title_served_as(tmp_path, "text/html; charset=utf-8") == TITLE


def test_euc_kr_label_decodes_cp949_only_syllables(tmp_path):
    assert title_served_as(tmp_path, "text/html; charset=euc-kr") == TITLE

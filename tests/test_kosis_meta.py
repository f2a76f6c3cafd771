"""`fez probe` for KOSIS sources: the YAML's items and axes checked against getMeta (type=ITM).

The getMeta answer served here is a SAMPLE written in the shape of the reference excerpt
(the KOSIS getMeta ITM answer seen in public material); its rows are invented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sources.kosis_meta import META_PATH, check_meta, format_meta, meta_request, probe_kosis
from sources.parsers.api_errors import ApiConfigError
from sources.registry import SourceSpec, load_sources
from tests.fetch_helpers import SECRET, fetcher
from tests.httpserver import LocalServer, Reply, local_servers

SAMPLE = Path(__file__).parent / "fixtures" / "kosis_getmeta_itm_sample.json"


def json_reply(payload: Any) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(200, body, {"Content-Type": "application/json;charset=UTF-8"})


def businesses(tmp_path: Path, server: LocalServer, **options: Any) -> SourceSpec:
    """kosis_businesses pointed at the local server through an overlay."""
    overlay = tmp_path / "overlay.yaml"
    override: dict[str, Any] = {
        "hosts": [server.netloc],
        "allow_private_hosts": True,
        "politeness": {"min_interval": 0.0},
        "requests": [{"url": server.url("/openapi/Param/statisticsParameterData.do")}],
    }
    if options:
        override["options"] = options
    overlay.write_text(yaml.safe_dump({"kosis_businesses": override}), encoding="utf-8")
    return load_sources(overlay=overlay)["kosis_businesses"]


def sample_rows() -> list[dict[str, Any]]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_meta_request_goes_to_the_declared_host_with_the_table_of_the_spec(tmp_path):
    with local_servers(1) as (server,):
        spec = businesses(tmp_path, server)
    request = meta_request(spec, "k=")
    assert request.url == server.url(META_PATH)
    assert request.params["method"] == "getMeta" and request.params["type"] == "ITM"
    assert (request.params["orgId"], request.params["tblId"]) == ("101", "DT_1K51003")
    assert request.params["apiKey"] == "k="
    assert request.params["jsonVD"] == "Y" and request.params["format"] == "json"


def test_a_matching_table_is_ok(tmp_path):
    with local_servers(1) as (server,):
        server.route(META_PATH, json_reply(sample_rows()))
        report = probe_kosis(businesses(tmp_path, server), fetcher(tmp_path), SECRET)
        asked = server.seen(META_PATH)[0].query
    assert report.ok, format_meta(report)
    assert "tblId=DT_1K51003" in asked and "method=getMeta" in asked
    assert report.items == {"T1": ("사업체수", "개"), "T2": ("종사자수", "명")}
    assert [a.obj_id for a in report.axes] == ["A", "B"] and report.levels_sent == 2
    text = format_meta(report)
    assert text.splitlines()[0].endswith("-> ok")
    assert "item T1 사업체수 (개) -> businesses" in text
    assert SECRET not in text


def test_an_item_declared_but_unknown_to_kosis_is_named(tmp_path):
    with local_servers(1) as (server,):
        server.route(META_PATH, json_reply(sample_rows()))
        spec = businesses(tmp_path, server, items={"T9": "ghosts"})
        report = probe_kosis(spec, fetcher(tmp_path), SECRET)
    assert not report.ok
    assert report.problems == ["item T9 (ghosts) is declared but unknown to KOSIS"]
    assert "problem: item T9 (ghosts) is declared but unknown to KOSIS" in format_meta(report)


def test_too_few_axes_says_err_20_would_follow(tmp_path):
    rows = sample_rows()
    rows.append({**rows[-1], "OBJ_ID": "C", "OBJ_ID_SN": "3", "OBJ_NM": "규모별", "ITM_ID": "0"})
    with local_servers(1) as (server,):
        server.route(META_PATH, json_reply(rows))
        report = probe_kosis(businesses(tmp_path, server), fetcher(tmp_path), SECRET)
    assert not report.ok
    assert [a.obj_id for a in report.axes] == ["A", "B", "C"]
    assert "KOSIS lists 3 axes, the YAML sends 2 objL: err 20" in format_meta(report)


def test_axes_follow_obj_id_sn_and_unknown_codes_are_named(tmp_path):
    rows = list(reversed(sample_rows()))
    with local_servers(1) as (server,):
        spec = businesses(tmp_path, server, axes={"objL2": "Z"})
    report = check_meta(spec, json.dumps(rows).encode())
    assert [a.obj_id for a in report.axes] == ["A", "B"]
    assert report.problems == ["objL2 codes ['Z'] are not in axis B"]


def test_an_err_body_raises_the_typed_error_and_the_probe_reports_its_message(tmp_path):
    err = {"err": "11", "errMsg": "인증KEY가 유효하지 않습니다. (SAMPLE)"}
    with local_servers(1) as (server,):
        server.route(META_PATH, json_reply(err))
        spec = businesses(tmp_path, server)
        report = probe_kosis(spec, fetcher(tmp_path), SECRET)
    with pytest.raises(ApiConfigError) as raised:
        check_meta(spec, json.dumps(err).encode())
    assert not report.ok
    assert (
        report.error == str(raised.value) == "KOSIS error 11: 인증KEY가 유효하지 않습니다. (SAMPLE)"
    )
    assert format_meta(report).splitlines()[1] == f"error: {report.error}"


def test_a_failed_fetch_is_a_report_with_the_error(tmp_path):
    with local_servers(1) as (server,):
        spec = businesses(tmp_path, server)
        report = probe_kosis(spec, fetcher(tmp_path, retries=0), SECRET)
    assert not report.ok and report.error
    assert "NOT OK" in format_meta(report)

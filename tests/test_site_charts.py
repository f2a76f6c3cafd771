"""Inline SVG line charts: one line per series on a shared month axis, labels escaped."""

from __future__ import annotations

from lxml import etree

from flows.site.charts import LEFT, RIGHT, WIDTH, Series, line_chart


def _svg(text):
    return etree.fromstring(text.encode())


NS = {"s": "http://www.w3.org/2000/svg"}


def test_one_line_per_series_scaled_between_lowest_and_highest():
    svg = _svg(
        line_chart(
            "주민등록인구 — 구별",
            "명",
            [
                Series("상록구", [("2025-08", 335_661.0), ("2025-09", 335_402.0)]),
                Series("<b>단원구</b>", [("2025-07", 305_850.0), ("2025-09", 305_578.0)]),
            ],
        )
    )
    lines = svg.findall("s:polyline", NS)
    assert len(lines) == 2
    first = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    second = [tuple(map(float, p.split(","))) for p in lines[1].get("points").split()]
    # three months on the shared axis: 상록구 starts in the middle, 단원구 at the left edge
    assert first[0][0] == (LEFT + WIDTH - RIGHT) / 2 and second[0][0] == LEFT
    assert first[0][1] == min(y for _, y in first + second)  # the highest value is on top
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "<b>단원구</b>" in texts  # a label is text, never markup
    assert {"335,661", "305,578", "2025-07", "2025-09"} <= set(texts)


def test_a_single_month_sits_in_the_middle_and_no_figures_give_no_chart():
    svg = _svg(line_chart("가동률", "%", [Series("반월국가산업단지", [("2025-06", 71.8)])]))
    circle = svg.find("s:circle", NS)
    assert float(circle.get("cx")) == LEFT + (WIDTH - LEFT - RIGHT) / 2
    assert line_chart("가동률", "%", []) == ""

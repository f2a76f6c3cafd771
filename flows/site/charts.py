"""Line charts as inline SVG, drawn here so the portal needs no script and no chart library.

A chart is a handful of polylines on a fixed grid with the first and last month on the x axis
and the lowest and highest value on the y axis; every label is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 96, 16, 16, 56
COLOURS = ("#1f6fb2", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#5c7cfa", "#e67700")


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[str, float]]  # (period label, value), in time order


def _number(value: float) -> str:
    if abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def line_chart(title: str, unit: str, series: list[Series]) -> str:
    """An SVG line chart of ``series`` sharing one x axis (the union of their periods)."""
    periods = sorted({period for s in series for period, _ in s.points})
    values = [value for s in series for _, value in s.points]
    if not periods or not values:
        return ""
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if len(periods) == 1:  # a single period sits in the middle
        x_of = {periods[0]: LEFT + plot_w / 2}
    else:
        step = plot_w / (len(periods) - 1)
        x_of = {period: LEFT + i * step for i, period in enumerate(periods)}

    def y_of(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'class="axis"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" class="axis"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{_number(high)}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">{_number(low)}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h / 2 + 4}" text-anchor="end">{escape(unit)}</text>',
        f'<text x="{x_of[periods[0]]:.1f}" y="{TOP + plot_h + 16}"'
        f' text-anchor="{"middle" if len(periods) == 1 else "start"}">{escape(periods[0])}</text>',
    ]
    if len(periods) > 1:
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{TOP + plot_h + 16}" text-anchor="end">'
            f"{escape(periods[-1])}</text>"
        )
    legend_x = LEFT
    for index, item in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        coords = " ".join(f"{x_of[p]:.1f},{y_of(v):.1f}" for p, v in item.points)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for period, value in item.points:
            parts.append(
                f'<circle cx="{x_of[period]:.1f}" cy="{y_of(value):.1f}" r="2.5" '
                f'fill="{colour}"><title>{escape(item.label)} {escape(period)}: '
                f"{_number(value)} {escape(unit)}</title></circle>"
            )
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 22}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{HEIGHT - 13}">{escape(item.label)}</text>'
        )
        wide = sum(1 for c in item.label if ord(c) > 0x2E80)  # Hangul is about twice as wide
        legend_x += 28 + 7 * len(item.label) + 6 * wide
    parts.append("</svg>")
    return "".join(parts)

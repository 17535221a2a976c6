"""Charts for the reports page, drawn on the server as inline SVG: no scripts, nothing from outside, and nothing
the page's ``Content-Security-Policy`` (self only) forbids (colours come from ``staff.css`` classes, not inline
styles).

Every chart is ``role="img"`` with a ``<title>`` and a ``<desc>`` that says in words what it shows; the page puts
the same numbers in a table beside it for screen readers and for copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 480, 230  # a phone shows it at about 0.7 scale: text is 14 units so it stays readable
LEFT, RIGHT, TOP, BOTTOM = 36, 6, 10, 38


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    css: str  # a class in staff.css that gives the fill colour


def _nice_max(value: float) -> float:
    """A round number at or above ``value`` for the top of an axis."""
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if value <= step * 4:
            return float(step * -(-value // step))
    return float(value)


def _open(chart_id: str, title: str, desc: str, height: int = HEIGHT) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">',
            f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>']


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def columns(chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Stacked columns, one per label (a day): the series stacked in the order given."""
    n = max(len(labels), 1)
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    bar = max(slot * 0.72, 1.0)
    out = _open(chart_id, title, desc)
    out += _grid(top, plot_h)
    for i, label in enumerate(labels):
        x = LEFT + i * slot + (slot - bar) / 2
        base: float = TOP + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            out.append(f'<rect class="{s.css}" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                       f'<title>{escape(label)}: {escape(s.name)} {_fmt(value)}</title></rect>')
    every = max(1, -(-n // 6))
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1 and n <= 10:
            x = LEFT + i * slot + slot / 2
            out.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                       f'{escape(label)}</text>')
    out += _legend(series)
    out.append("</svg>")
    return Markup("".join(out))


def _grid(top: float, plot_h: float) -> list[str]:
    out = []
    for k in range(5):
        value = top * k / 4
        y = TOP + plot_h - plot_h * k / 4
        out.append(f'<line class="gridline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value)}</text>')
    return out


def _legend(series: Sequence[Series]) -> list[str]:
    if len(series) < 2:
        return []
    out, x = [], LEFT
    for s in series:
        out.append(f'<rect class="{s.css}" x="{x}" y="{HEIGHT - 12}" width="10" height="10"/>')
        out.append(f'<text class="axis" x="{x + 14}" y="{HEIGHT - 3}">{escape(s.name)}</text>')
        x += 26 + 8 * len(s.name)
    return out


def bars(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float]], css: str = "c-main",
         unit: str = "") -> Markup:
    """Horizontal bars, one per row, labelled with their value."""
    row_h = 30
    height = TOP + max(len(rows), 1) * row_h + 6
    label_w = 130
    top = _nice_max(max((v for _, v in rows), default=0))
    plot_w = WIDTH - label_w - 50
    out = _open(chart_id, title, desc, height)
    if not rows:
        out.append(f'<text class="axis" x="{LEFT}" y="{TOP + 18}">Nothing in this range</text>')
    for i, (label, value) in enumerate(rows):
        y = TOP + i * row_h
        w = plot_w * value / top if top else 0
        out.append(f'<text class="axis" x="{label_w - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<rect class="{css}" x="{label_w}" y="{y + 5}" width="{max(w, 0):.1f}" height="{row_h - 10}"/>')
        out.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 19}">{_fmt(value)}{escape(unit)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def against_target(chart_id: str, title: str, desc: str,
                   rows: Sequence[tuple[str, float | None, float | None, float]]) -> Markup:
    """Per row (label, median, p90, target), all in minutes: a median bar and a p90 bar on the row's own scale,
    with the target as a line, so "inside or past the due time" reads at a glance whatever the priority."""
    row_h = 46
    height = TOP + max(len(rows), 1) * row_h + 20
    label_w = 80
    plot_w = WIDTH - label_w - 130
    out = _open(chart_id, title, desc, height)
    for i, (label, median, p90, target) in enumerate(rows):
        y = TOP + i * row_h
        scale = max(p90 or 0, median or 0, target) * 1.15
        out.append(f'<text class="axis" x="{label_w - 8}" y="{y + 24}" text-anchor="end">{escape(label)}</text>')
        if median is None:
            out.append(f'<text class="axis" x="{label_w}" y="{y + 24}">no claims</text>')
        else:
            for k, (name, value, css) in enumerate((("median", median, "c-median"), ("p90", p90 or 0, "c-p90"))):
                w = plot_w * value / scale
                yy = y + 6 + k * 17
                out.append(f'<rect class="{css}" x="{label_w}" y="{yy}" width="{w:.1f}" height="14"/>')
                out.append(f'<text class="value" x="{label_w + w + 5:.1f}" y="{yy + 12}">{name} '
                           f'{_minutes(value)}</text>')
        tx = label_w + plot_w * target / scale
        out.append(f'<line class="target" x1="{tx:.1f}" x2="{tx:.1f}" y1="{y + 2}" y2="{y + 42}"/>')
    out.append(f'<line class="target" x1="{LEFT}" x2="{LEFT + 18}" y1="{height - 8}" y2="{height - 8}"/>'
               f'<text class="axis" x="{LEFT + 24}" y="{height - 4}">due time (target)</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _minutes(value: float) -> str:
    if value < 90:
        return f"{value:.0f} min" if value >= 10 else f"{value:.1f} min"
    return f"{value / 60:.1f} h"


def heatmap(chart_id: str, title: str, desc: str, matrix: Sequence[Sequence[int]], rows: Sequence[str]) -> Markup:
    """A 7 x 24 grid (day of week x hour): the darker, the more contacts."""
    label_w, cell_h = 40, 22
    cell_w = (WIDTH - label_w - RIGHT) / 24
    height = TOP + len(rows) * cell_h + 22
    top = max((v for row in matrix for v in row), default=0)
    out = _open(chart_id, title, desc, height)
    for r, name in enumerate(rows):
        y = TOP + r * cell_h
        out.append(f'<text class="axis" x="{label_w - 6}" y="{y + 16}" text-anchor="end">{escape(name)}</text>')
        for h in range(24):
            value = matrix[r][h]
            level = 0 if not value or not top else min(5, 1 + int(4 * value / top))
            out.append(f'<rect class="heat{level}" x="{label_w + h * cell_w:.1f}" y="{y}" width="{cell_w - 1:.1f}" '
                       f'height="{cell_h - 1}"><title>{escape(name)} {h:02d}:00: {value}</title></rect>')
    for h in range(0, 24, 6):
        out.append(f'<text class="axis" x="{label_w + h * cell_w + 2:.1f}" y="{height - 6}">{h:02d}</text>')
    out.append("</svg>")
    return Markup("".join(out))

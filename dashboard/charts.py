"""Charts drawn on the server as SVG geometry: bars per day and a line over time, with their axis.

No script and no library: `draw_bars` and `draw_line` write the SVG (the `{% bar_chart %}` and
`{% line_chart %}` tags put it in a page), the colours come from the stylesheet (so dark mode applies), and every chart carries its numbers as a table
for screen readers and for anyone who prefers to read them. Amounts stay integers; the floats here are
pixels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dashboard.amounts import tos_text
from tos_ai import ATOMIC_PER_TOS

WIDTH = 640
HEIGHT = 220
#: Room for the value labels on the left and the date labels below.
LEFT = 64
BOTTOM = 24
TOP = 8
RIGHT = 8


def value_text(value: int, unit: str) -> str:
    """A value as an axis or a table shows it: TOS for amounts, else the number."""
    if unit == "tos":
        return f"{tos_text(value)} TOS"
    return f"{value:,}"


def _nice_step(peak: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that covers `peak` in about `ticks` steps."""
    if peak <= 0:
        return 1
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


@dataclass(frozen=True)
class Tick:
    """A value line across the plot, with its label."""

    y: float
    text: str


def _ticks(peak: int, unit: str, plot_top: float, plot_bottom: float) -> tuple[int, list[Tick]]:
    """The axis's top value (a round number at or above `peak`) and its lines."""
    if unit == "tos":
        # Round in whole TOS, not atomic units.
        step_tos = _nice_step(peak / ATOMIC_PER_TOS)
        step = max(1, int(step_tos * ATOMIC_PER_TOS))
    else:
        step = max(1, int(_nice_step(peak)))
    top = max(step, math.ceil(peak / step) * step) if peak else step
    ticks = []
    value = 0
    while value <= top:
        y = plot_bottom - (plot_bottom - plot_top) * value / top
        ticks.append(Tick(round(y, 2), tos_text(value) if unit == "tos" else f"{value:,}"))
        value += step
    return top, ticks


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    series: int


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int]


@dataclass(frozen=True)
class Label:
    x: float
    text: str
    anchor: str


@dataclass(frozen=True)
class BarChart:
    """Bars per label (a day), one bar per series side by side; `rows` is the table alternative."""

    labels: list[str]
    series: list[Series]
    bars: list[Bar]
    ticks: list[Tick]
    x_labels: list[Label]
    unit: str
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return self.peak == 0

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        return [
            (label, [value_text(series.values[index], self.unit) for series in self.series])
            for index, label in enumerate(self.labels)
        ]

    @property
    def unit_name(self) -> str:
        return "TOS" if self.unit == "tos" else self.unit

    @property
    def summary(self) -> str:
        """One sentence for the chart's title: what it shows, from when to when, and its highest value."""
        if not self.labels:
            return "No data"
        names = " and ".join(series.name.lower() for series in self.series)
        return (
            f"{names.capitalize()} per day from {self.labels[0]} to {self.labels[-1]}; "
            f"the highest is {value_text(self.peak, self.unit)}"
        )


def _x_labels(labels: Sequence[str], slot: float) -> list[Label]:
    """The first, middle and last labels under the bars."""
    if not labels:
        return []
    placed = [Label(LEFT, labels[0], "start")]
    if len(labels) > 2:
        middle = len(labels) // 2
        placed.append(Label(round(LEFT + slot * middle + slot / 2, 2), labels[middle], "middle"))
    if len(labels) > 1:
        placed.append(Label(WIDTH - RIGHT, labels[-1], "end"))
    return placed


def bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[int]], *, unit: str) -> BarChart:
    """Bars of each series per label, on a shared axis that starts at zero."""
    values = {name: [int(value) for value in points] for name, points in series.items()}
    peak = max((value for points in values.values() for value in points), default=0)
    plot_top, plot_bottom = float(TOP), float(HEIGHT - BOTTOM)
    top, ticks = _ticks(peak, unit, plot_top, plot_bottom)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    width = slot * 0.8 / max(1, len(values))
    bars = []
    for index, label in enumerate(labels):
        for number, (_, points) in enumerate(values.items()):
            value = points[index]
            if not value:
                continue
            height = max(1.0, (plot_bottom - plot_top) * value / top)
            bars.append(
                Bar(
                    x=round(LEFT + slot * index + slot * 0.1 + width * number, 2),
                    y=round(plot_bottom - height, 2),
                    width=round(width, 2),
                    height=round(height, 2),
                    value=value,
                    label=label,
                    series=number,
                )
            )
    return BarChart(
        labels=list(labels),
        series=[Series(name, points) for name, points in values.items()],
        bars=bars,
        ticks=ticks,
        x_labels=_x_labels(labels, slot),
        unit=unit,
        peak=peak,
    )


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: int


@dataclass(frozen=True)
class LineChart:
    """A value over time (reputation): points joined by a line; `rows` is the table alternative."""

    points: list[Point]
    ticks: list[Tick]
    x_labels: list[Label]
    unit: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not self.points

    @property
    def path(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        return [(point.label, [value_text(point.value, self.unit)]) for point in self.points]

    @property
    def summary(self) -> str:
        if not self.points:
            return "No data"
        first, last = self.points[0], self.points[-1]
        return f"From {first.value:,} on {first.label} to {last.value:,} on {last.label}"


def line_chart(points: Sequence[tuple[str, int]], *, unit: str) -> LineChart:
    """A line through (label, value) points in order, on an axis from zero to a round top."""
    peak = max((value for _, value in points), default=0)
    plot_top, plot_bottom = float(TOP), float(HEIGHT - BOTTOM)
    top, ticks = _ticks(peak, unit, plot_top, plot_bottom)
    span = (WIDTH - LEFT - RIGHT) / max(1, len(points) - 1)
    placed = [
        Point(
            x=round(LEFT + (span * index if len(points) > 1 else (WIDTH - LEFT - RIGHT) / 2), 2),
            y=round(plot_bottom - (plot_bottom - plot_top) * max(0, value) / top, 2),
            label=label,
            value=value,
        )
        for index, (label, value) in enumerate(points)
    ]
    labels = [label for label, _ in points]
    x_labels = (
        [Label(LEFT, labels[0], "start"), Label(WIDTH - RIGHT, labels[-1], "end")] if len(labels) > 1 else []
    )
    if len(labels) == 1:
        x_labels = [Label(placed[0].x, labels[0], "middle")]
    return LineChart(points=placed, ticks=ticks, x_labels=x_labels, unit=unit)


# --- drawing: the SVG and its table, in one pass (a template loop per bar was most of a page's time) -----


def _legend(chart: BarChart) -> str:
    if len(chart.series) < 2:
        return ""
    items = "".join(
        f'<li><span class="swatch series-{number}"></span>{escape(series.name)}</li>'
        for number, series in enumerate(chart.series)
    )
    return f'<ul class="legend" aria-hidden="true">{items}</ul>'


def _axes(chart: BarChart | LineChart) -> str:
    lines = "".join(
        f'<line class="grid" x1="{chart.left}" x2="{chart.width}" y1="{tick.y}" y2="{tick.y}"/>'
        f'<text class="axis-label" x="{chart.left - 6}" y="{tick.y}" text-anchor="end" '
        f'dominant-baseline="middle">{escape(tick.text)}</text>'
        for tick in chart.ticks
    )
    labels = "".join(
        f'<text class="x-label" x="{label.x}" y="{chart.height - 4}" text-anchor="{label.anchor}">'
        f"{escape(label.text)}</text>"
        for label in chart.x_labels
    )
    return lines + labels


def _table(title: str, headings: Sequence[str], rows: Sequence[tuple[str, list[str]]]) -> str:
    head = "".join(f'<th scope="col">{escape(name)}</th>' for name in headings)
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>{"".join(f"<td>{escape(v)}</td>" for v in values)}</tr>'
        for label, values in rows
    )
    return (
        '<details class="chart-table"><summary>The numbers as a table</summary><div class="scroll"><table>'
        f'<caption class="visually-hidden">{escape(title)}</caption><thead><tr><th scope="col">Day (UTC)</th>'
        f"{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def _figure(
    key: str, title: str, empty: str, chart: BarChart | LineChart, drawing: str, after: str
) -> SafeString:
    key, title_text = escape(key), escape(title)
    if chart.empty:
        inner = f'<p class="chart-empty">{escape(empty)}</p>'
    else:
        inner = (
            f'<svg class="chart2" viewBox="0 0 {chart.width} {chart.height}" role="img" '
            f'aria-labelledby="{key}-title {key}-summary"><title id="{key}-summary">{escape(chart.summary)}</title>'
            f"{_axes(chart)}{drawing}</svg>{after}"
        )
    return mark_safe(  # noqa: S308 (every value above is escaped; the rest is this module's own markup)
        f'<figure class="chart-box" id="{key}"><figcaption id="{key}-title">{title_text}</figcaption>{inner}</figure>'
    )


def draw_bars(chart: BarChart, *, key: str, title: str, empty: str) -> SafeString:
    """The chart as SVG with a tooltip per bar, its legend and its table; `empty` in words when it has none."""
    bars = "".join(
        f'<rect class="series-{bar.series}" x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}">'
        f"<title>{escape(bar.label)}: {escape(value_text(bar.value, chart.unit))}</title></rect>"
        for bar in chart.bars
    )
    after = _legend(chart) + _table(title, [series.name for series in chart.series], chart.rows)
    return _figure(key, title, empty, chart, bars, after)


def draw_line(chart: LineChart, *, key: str, title: str, empty: str) -> SafeString:
    """The line as SVG with a tooltip per point and its table; `empty` in words when it has none."""
    line = f'<polyline class="line" points="{chart.path}"/>' if len(chart.points) > 1 else ""
    dots = "".join(
        f'<circle class="dot" cx="{point.x}" cy="{point.y}" r="3.5"><title>{escape(point.label)}: '
        f"{escape(value_text(point.value, chart.unit))}</title></circle>"
        for point in chart.points
    )
    return _figure(key, title, empty, chart, line + dots, _table(title, ["Value"], chart.rows))

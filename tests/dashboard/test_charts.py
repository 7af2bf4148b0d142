"""Charts drawn on the server: round axes, shapes inside the plot for any values, a table, escaped words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import charts
from tests.support.tasks import TOS


def test_an_axis_ends_on_a_round_value_above_the_highest_bar() -> None:
    chart = charts.bar_chart(["d1", "d2", "d3"], {"Earned": [3 * TOS, 17 * TOS, 0]}, unit="tos")
    assert [tick.text for tick in chart.ticks] == ["0", "5", "10", "15", "20"]
    assert chart.summary == "Earned per day from d1 to d3; the highest is 17 TOS"
    assert chart.rows[1] == ("d2", ["17 TOS"])
    assert len(chart.bars) == 2  # no bar for an empty day


def test_a_chart_of_zeros_is_empty_and_says_so_in_words() -> None:
    chart = charts.bar_chart(["d1", "d2"], {"Earned": [0, 0]}, unit="tos")
    html = charts.draw_bars(chart, key="c", title="Earned", empty="Your first reward arrives later.")
    assert chart.empty
    assert "<svg" not in html
    assert "Your first reward arrives later." in html


def test_words_in_a_chart_are_escaped() -> None:
    chart = charts.bar_chart(["<b>day</b>"], {"<script>": [5]}, unit="tasks")
    html = charts.draw_bars(chart, key="k", title="A & B", empty="")
    assert "<script>" not in html
    assert "&lt;b&gt;day&lt;/b&gt;" in html
    assert "A &amp; B" in html
    line = charts.draw_line(
        charts.line_chart([("<i>", 3), ("x", 9)], unit="points"), key="l", title="t", empty=""
    )
    assert "<i>" not in line
    assert "<polyline" in line


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.lists(st.integers(min_value=0, max_value=10**17), min_size=1, max_size=40), min_size=1, max_size=3
    ),
    unit=st.sampled_from(["tos", "tasks"]),
)
def test_every_bar_stays_inside_the_plot_and_the_tallest_reaches_no_higher_than_the_axis(
    values: list[list[int]], unit: str
) -> None:
    days = min(len(series) for series in values)
    series = {f"s{n}": points[:days] for n, points in enumerate(values)}
    chart = charts.bar_chart([f"d{n}" for n in range(days)], series, unit=unit)
    top = min(tick.y for tick in chart.ticks)
    for bar in chart.bars:
        assert bar.x >= charts.LEFT
        assert bar.x + bar.width <= charts.WIDTH - charts.RIGHT + 0.01
        assert top - 0.01 <= bar.y
        assert bar.y + bar.height <= chart.baseline + 0.01
        assert bar.height >= 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=90))
def test_every_point_of_a_line_is_inside_the_plot(values: list[int]) -> None:
    chart = charts.line_chart([(f"d{n}", value) for n, value in enumerate(values)], unit="points")
    for point in chart.points:
        assert charts.LEFT <= point.x <= charts.WIDTH - charts.RIGHT
        assert charts.TOP - 0.01 <= point.y <= chart.baseline + 0.01

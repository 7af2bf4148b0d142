"""`{% bar_chart chart key title empty %}` and `{% line_chart ... %}`: a chart, its table, or its empty state."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from dashboard.charts import BarChart, LineChart, draw_bars, draw_line

register = template.Library()


@register.simple_tag
def bar_chart(chart: BarChart, key: str, title: str, empty: str) -> SafeString:
    return draw_bars(chart, key=key, title=title, empty=empty)


@register.simple_tag
def line_chart(chart: LineChart, key: str, title: str, empty: str) -> SafeString:
    return draw_line(chart, key=key, title=title, empty=empty)

"""The server-rendered SVG charts are built from literal templates whose every
value is escaped (bandit B704: no `Markup()` over a string built by hand): a
label typed by an organiser or a theme named by an analyst cannot inject markup."""

from __future__ import annotations

from markupsafe import Markup

from services.web.synthesis.charts import evolution, theme_sizes
from services.web.synthesis.stats_charts import option_bars
from services.web.vote.charts import agree_bar

EVIL = '<script>alert("x")</script>" onload="alert(1)'


def test_labels_are_escaped_in_every_chart() -> None:
    charts = [option_bars([(EVIL, 3, 42.0)]),
              theme_sizes([{"theme_id": EVIL, "label": EVIL, "size": 4}], lambda t: "/t/" + t)]
    for chart in charts:
        assert isinstance(chart, Markup)
        assert "<script>" not in chart and 'onload="' not in chart
        assert "&lt;script&gt;" in chart and chart.startswith("<svg ")


def test_numbers_keep_their_format() -> None:
    bar = agree_bar(2, 1, 1)
    assert isinstance(bar, Markup) and 'width="150.0"' in bar and "d&#39;accord : 2" in bar
    bars = option_bars([("Vélo", 3, 18.4)])
    assert 'width="42.3"' in bars and "18,4\u00a0%" in bars and "18.4" not in bars
    days = evolution({"2026-03-01": 2, "2026-03-03": 1})
    assert days.count("<rect ") == 3 and "jour 2 mars 2026 : 0" in days
    assert "du 1 mars 2026 au 3 mars 2026" in days
    assert evolution({}) == "" and theme_sizes([], str) == ""

"""Charts drawn on the server as SVG shapes (the page's CSP allows no script library, and
there is none to fetch): numbers in, rectangles and labels out, for the template to write.
Colours come from the stylesheet, through each shape's class."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from db.repositories.stats import Breakdown

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 30
SERIES = ("conversations", "leads", "handoffs")


@dataclass(frozen=True)
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str  # the day, for the bar's tooltip


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    baseline: float = HEIGHT - BOTTOM
    left: float = LEFT
    right: float = WIDTH - RIGHT


def days(since: date, until: date) -> list[str]:
    """Every UTC day from `since` to `until`, both included, as YYYY-MM-DD."""
    return [str(since + timedelta(days=n)) for n in range((until - since).days + 1)]


def _step(top: int) -> int:
    """A round tick step that gives at most five ticks up to `top`."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if top / step <= 5:
            return step
    return max(1, top // 5)


def by_day(rows: Sequence[Breakdown], day_keys: Sequence[str]) -> BarChart:
    """Conversations, leads and hand-offs per day, side by side; a day without any shows
    empty, so the time axis stays even."""
    found = {row.key: row for row in rows}
    values = [[getattr(found.get(day, Breakdown(day)), s) for s in SERIES] for day in day_keys]
    top = max([1, *(max(v) for v in values)])
    step = _step(top)
    top = -(-top // step) * step
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(day_keys))
    bar_width = slot * 0.8 / len(SERIES)
    chart = BarChart()
    every = max(1, round(len(day_keys) / 10))  # at most about ten day labels
    for index, (day, day_values) in enumerate(zip(day_keys, values, strict=True)):
        x0 = LEFT + index * slot + slot * 0.1
        for n, (series, value) in enumerate(zip(SERIES, day_values, strict=True)):
            height = plot_height * value / top
            chart.bars.append(
                Bar(series, round(x0 + n * bar_width, 1), round(TOP + plot_height - height, 1),
                    round(bar_width, 1), round(height, 1), value, day)
            )  # fmt: skip
        if index % every == 0:
            chart.labels.append(Label(round(LEFT + (index + 0.5) * slot, 1), day[5:]))
    chart.ticks.extend(
        Tick(round(TOP + plot_height - plot_height * value / top, 1), value)
        for value in range(0, top + 1, step)
    )
    return chart

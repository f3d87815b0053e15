"""Bar charts of an area's nights, laid out here and drawn as inline SVG by a template macro.

Each chart is one column per night; a column is a stack of segments (planned under unassigned,
care under driving) or one bar (shift use). A night without a published plan has no column
but keeps its place, so gaps show. Every chart carries a title and a description that says in
words what the bars show; the page puts a table of the same numbers beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from data.services.area_statistics import AreaStatistics, NightFigures

WIDTH = 600
HEIGHT = 240
LEFT = 52
RIGHT = 28
TOP = 12
BOTTOM = 40
LABEL_EVERY = 5


@dataclass(frozen=True)
class Series:
    """One kind of segment: `key` names its CSS class (chart-<key>), `label` its legend text."""

    key: str
    label: str


@dataclass(frozen=True)
class Segment:
    """One series' part of a night's column, in SVG units (y grows downwards)."""

    series: Series
    y: float
    height: float
    text: str


@dataclass(frozen=True)
class Column:
    """A night's place on the chart: its segments, and an axis label on every fifth night."""

    night: date
    x: float
    width: float
    segments: tuple[Segment, ...]
    label: str | None
    note: str | None


@dataclass(frozen=True)
class Tick:
    """A value-axis line at `y` with its text."""

    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    """Everything the SVG macro draws."""

    chart_id: str
    title: str
    description: str
    axis_label: str
    series: tuple[Series, ...]
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


PLANNED = Series("planned", "Planned")
UNASSIGNED = Series("unassigned", "Unassigned")
CARE = Series("care", "Care")
DRIVE = Series("drive", "Driving")
SHIFT_USE = Series("use", "Shift use")


def nice_top(largest: float) -> tuple[float, float]:
    """The axis top and step for values up to `largest`: steps of 1, 2 or 5 × 10ⁿ, ≤ 5 ticks."""
    if largest <= 0:
        return 1.0, 1.0
    rough = largest / 5
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    return math.ceil(largest / step) * step, step


def day_text(night: date) -> str:
    """ "3 Mar" (no leading zero)."""
    return f"{night.day} {night.strftime('%b')}"


def long_day_text(night: date) -> str:
    """ "Tue 3 March 2026"."""
    return f"{night.strftime('%a')} {night.day} {night.strftime('%B %Y')}"


def hours_text(minutes: float) -> str:
    """Minutes as "2 h 05 min", or "45 min" under an hour."""
    whole = round(minutes)
    hours, rest = divmod(whole, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def percent_text(share: float | None) -> str:
    """A share as "62%", or "–" when there is none."""
    return "–" if share is None else f"{round(share * 100)}%"


def _note(figures: NightFigures) -> str | None:
    if figures.unreadable:
        return "stored plan unreadable"
    if figures.plan_version is None:
        return "no published plan"
    return None


# A series, its value on a night, and the words for a value (a segment's text).
Part = tuple[Series, Callable[[NightFigures], float], Callable[[float], str]]


def _stacked(
    stats: AreaStatistics,
    parts: Sequence[Part],
    *,
    top_value: float | None = None,
    tick_text: Callable[[float], str] = lambda v: f"{v:g}",
) -> tuple[tuple[Column, ...], tuple[Tick, ...]]:
    nights = stats.nights
    largest = max(
        (sum(value(n) for _s, value, _t in parts) for n in nights if n.has_figures), default=0.0
    )
    top, step = (top_value, top_value / 4) if top_value is not None else nice_top(largest)
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - RIGHT - LEFT) / max(len(nights), 1)
    scale = plot_height / top
    columns = []
    for index, figures in enumerate(nights):
        base = float(HEIGHT - BOTTOM)
        segments = []
        if figures.has_figures:
            for series, value, text in parts:
                amount = value(figures)
                height = amount * scale
                base -= height
                segments.append(Segment(series, round(base, 2), round(height, 2), text(amount)))
        columns.append(
            Column(
                night=figures.night,
                x=round(LEFT + index * slot + slot * 0.15, 2),
                width=round(slot * 0.7, 2),
                segments=tuple(s for s in segments if s.height > 0),
                label=day_text(figures.night)
                if index % LABEL_EVERY == 0 or index == len(nights) - 1
                else None,
                note=_note(figures),
            )
        )
    count = round(top / step)
    ticks = tuple(
        Tick(round(HEIGHT - BOTTOM - i * step * scale, 2), tick_text(i * step))
        for i in range(count + 1)
    )
    return tuple(columns), ticks


def _period(stats: AreaStatistics) -> str:
    counted = len(stats.counted)
    return (
        f"{len(stats.nights)} nights from {long_day_text(stats.first_night)} to "
        f"{long_day_text(stats.last_night)}, {counted} with a published plan"
    )


def _bar_chart(
    stats: AreaStatistics,
    kind: str,
    *,
    title: str,
    description: str,
    axis_label: str,
    parts: Sequence[Part],
    top_value: float | None = None,
    tick_text: Callable[[float], str] = lambda v: f"{v:g}",
) -> BarChart:
    columns, ticks = _stacked(stats, parts, top_value=top_value, tick_text=tick_text)
    return BarChart(
        chart_id=f"{kind}-{stats.area_id}",
        title=f"{title} in {stats.area_name}",
        description=f"{_period(stats)}. {description}",
        axis_label=axis_label,
        series=tuple(series for series, _value, _text in parts),
        columns=columns,
        ticks=ticks,
    )


def calls_chart(stats: AreaStatistics) -> BarChart:
    """Calls per night: planned, with unassigned stacked on top (the column is every call)."""
    worst = max(stats.counted, key=lambda n: (n.unassigned, n.night), default=None)
    worst_text = (
        f" The most unassigned on one night: {worst.unassigned} on {long_day_text(worst.night)}."
        if worst is not None and worst.unassigned > 0
        else " No call was left unassigned."
        if stats.counted
        else ""
    )
    return _bar_chart(
        stats,
        "calls",
        title="Calls each night",
        description=(
            "Each column is one night's calls: planned at the bottom, unassigned on top. "
            f"In all {stats.calls} calls, {stats.planned} planned and "
            f"{stats.unassigned} unassigned.{worst_text}"
        ),
        axis_label="Calls",
        parts=[
            (PLANNED, lambda n: n.planned, lambda v: f"{v:g} planned"),
            (UNASSIGNED, lambda n: n.unassigned, lambda v: f"{v:g} unassigned"),
        ],
    )


def time_chart(stats: AreaStatistics) -> BarChart:
    """Hours per night: care, with driving stacked on top."""
    total = stats.care_minutes + stats.drive_minutes
    share = (
        f" Driving is {percent_text(stats.drive_minutes / total)} of the time spent driving "
        "or caring."
        if total > 0
        else ""
    )
    return _bar_chart(
        stats,
        "time",
        title="Driving against care each night",
        description=(
            "Each column is one night's hours: care at the bottom, driving on top. "
            f"In all {hours_text(stats.care_minutes)} of care and "
            f"{hours_text(stats.drive_minutes)} of driving.{share}"
        ),
        axis_label="Hours",
        parts=[
            (CARE, lambda n: n.care_minutes / 60, lambda v: f"{hours_text(v * 60)} care"),
            (DRIVE, lambda n: n.drive_minutes / 60, lambda v: f"{hours_text(v * 60)} driving"),
        ],
    )


def shift_use_chart(stats: AreaStatistics) -> BarChart:
    """The crews' mean share of their shift spent driving or caring, per night (0-100%)."""
    used = [n for n in stats.counted if n.shift_use is not None]
    extremes = ""
    if used:
        low = min(used, key=lambda n: (n.shift_use or 0.0, n.night))
        high = max(used, key=lambda n: (n.shift_use or 0.0, n.night))
        extremes = (
            f" Lowest {percent_text(low.shift_use)} on {long_day_text(low.night)}, highest "
            f"{percent_text(high.shift_use)} on {long_day_text(high.night)}."
        )
    return _bar_chart(
        stats,
        "use",
        title="Crews' use of their shift each night",
        description=(
            "Each column is the crews' average share of their shift spent driving or caring. "
            f"Over the period {percent_text(stats.shift_use)}.{extremes}"
        ),
        axis_label="Share of shift",
        parts=[
            (SHIFT_USE, lambda n: n.shift_use or 0.0, lambda v: f"{percent_text(v)} of the shift")
        ],
        top_value=1.0,
        tick_text=percent_text,
    )


def night_charts(stats: AreaStatistics) -> tuple[BarChart, BarChart, BarChart]:
    """The area page's three charts: calls, driving against care, shift use."""
    return calls_chart(stats), time_chart(stats), shift_use_chart(stats)

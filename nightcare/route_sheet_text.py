"""A night's plan as plain-text route sheets, one per crew, for the terminal or a printer.

Each sheet names the crew's carers and shift, then every visit in order (arrival, care, window,
call, client, priority, skills, drive from the previous stop), the break where it falls and
the return; then the unassigned calls with their reasons, then the night's totals. On a night
across a clock change every time carries its zone abbreviation (01:30 BST, 01:30 GMT), because
a bare 01:30 would name two moments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from routing.model import Call, Crew, Night, Priority
from routing.plan import Plan, Route


def route_sheet_text(plan: Plan, night: Night) -> str:
    """The whole plan as text: a sheet per crew, the unassigned calls, the totals."""
    clock = _ClockText(night)
    lines = [f"Night {night.name}{clock.heading()}", ""]
    for route in plan.routes:
        lines.extend(_crew_sheet(route, night, clock))
        lines.append("")
    lines.extend(_unassigned_lines(plan, night, clock))
    lines.extend(_totals_lines(plan, night))
    return "\n".join(lines) + "\n"


def crew_sheet_text(route: Route, night: Night) -> str:
    """One crew's sheet: its carers and shift, every visit in order, the break, the return."""
    return "\n".join(_crew_sheet(route, night, _ClockText(night))) + "\n"


class _ClockText:
    """Formats a night's seconds as wall-clock times (or as minutes for clockless nights)."""

    def __init__(self, night: Night) -> None:
        self.clock = night.clock
        ends = [c.shift_end for c in night.crews] or [c.latest + c.duration for c in night.calls]
        self.zoned = False
        if self.clock is not None and ends:
            self.zoned = (
                self.clock.instant(0).utcoffset() != self.clock.instant(max(ends)).utcoffset()
            )

    def heading(self) -> str:
        if self.clock is None:
            return " (times in minutes from the start)"
        text = f" ({self.clock.night.isoformat()}, {self.clock.timezone})"
        return text + (", clocks change tonight" if self.zoned else "")

    def at(self, seconds: int) -> str:
        if self.clock is None:
            return f"{seconds / 60:g}"
        if self.zoned:
            return self.clock.instant(seconds).strftime("%H:%M %Z")
        return self.clock.hhmm(seconds)

    def span(self, start: int, end: int) -> str:
        return f"{self.at(start)}-{self.at(end)}"

    def window(self, earliest: int, latest: int) -> str:
        """A call's start window; "at 02:00" when it is one moment, not "02:00-02:00"."""
        if earliest == latest:
            return f"at {self.at(earliest)}"
        return self.span(earliest, latest)


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:.0f}" if seconds % 60 == 0 else f"{seconds / 60:.1f}"


def _carer_text(crew: Crew) -> str:
    return ", ".join(
        f"{c.id} ({c.gender}{'; ' + ', '.join(sorted(c.skills)) if c.skills else ''})"
        for c in crew.carers
    )


def _needs(call: Call) -> str:
    needs = sorted(call.skills)
    if call.gender is not None:
        needs.append(f"{call.gender} carers")
    return ", ".join(needs)


_VISIT_HEADINGS = ("arrive", "care", "window", "drive", "call", "client", "priority", "needs")


def _table(rows: list[tuple[str, ...]], indent: str) -> list[str]:
    """Rows padded into left-aligned columns; a row of one cell is written as it is."""
    wide = [r for r in rows if len(r) > 1]
    widths = [max(len(r[i]) for r in wide) for i in range(len(wide[0]))] if wide else []
    lines = []
    for row in rows:
        if len(row) == 1:
            lines.append(indent + row[0])
        else:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
            lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _crew_sheet(route: Route, night: Night, clock: _ClockText) -> Iterator[str]:
    crew = night.crew(route.crew_id)
    yield f"Crew {crew.id}: {_carer_text(crew)}"
    yield f"  shift {clock.span(crew.shift_start, crew.shift_end)}, leaves {clock.at(route.depart)}"
    if not route.visits:
        yield "  no visits"
    rows: list[tuple[str, ...]] = [_VISIT_HEADINGS] if route.visits else []
    place = crew.start_place
    break_due = route.rest_break
    for visit in route.visits:
        if break_due is not None and break_due.start < visit.arrive:
            rows.append((f"break {clock.span(break_due.start, break_due.end)}",))
            break_due = None
        call = night.call(visit.call_id)
        rows.append(
            (
                clock.at(visit.arrive),
                clock.span(visit.start, visit.end),
                clock.window(call.earliest, call.latest),
                f"{night.travel(place, call.place) / 60:.0f} min",
                call.id,
                call.client,
                call.priority.value,
                _needs(call),
            )
        )
        place = call.place
    if break_due is not None:
        rows.append((f"break {clock.span(break_due.start, break_due.end)}",))
    drive_home = night.travel(place, crew.end_place)
    rows.append((f"back {clock.at(route.return_at)} (drive {drive_home / 60:.0f} min)",))
    yield from _table(rows, "  ")


def _unassigned_lines(plan: Plan, night: Night, clock: _ClockText) -> Iterator[str]:
    if not plan.unassigned:
        return
    yield "Unassigned calls:"
    for item in plan.unassigned:
        call = night.call(item.call_id)
        needs = f", {_needs(call)}" if _needs(call) else ""
        yield (
            f"  {call.id} ({call.client}, {call.priority.value}{needs}, window "
            f"{clock.window(call.earliest, call.latest)}, {_minutes(call.duration)} min): "
            f"{item.reason}"
        )
    yield ""


def plan_summary(plan: Plan, night: Night) -> str:
    """One line: calls planned by priority, unassigned, travel minutes."""
    planned = Counter(night.call(c).priority for c in plan.assigned_call_ids())
    waiting = Counter(night.call(c).priority for c in plan.unassigned_call_ids())
    by_priority = ", ".join(
        f"{p.value} {planned[p]}/{planned[p] + waiting[p]}"
        for p in Priority
        if planned[p] + waiting[p]
    )
    return (
        f"planned {sum(planned.values())} of {len(night.calls)} calls"
        + (f" ({by_priority})" if by_priority else "")
        + f", {sum(waiting.values())} unassigned, travel {plan.stats.travel_seconds / 60:.1f} min"
    )


def _totals_lines(plan: Plan, night: Night) -> Iterator[str]:
    care = sum(night.call(c).duration for c in plan.assigned_call_ids())
    yield f"Totals: {plan_summary(plan, night)}"
    yield f"Care {_minutes(care)} min, solved in {plan.stats.solve_seconds:.1f} s"

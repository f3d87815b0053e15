"""Value checks shared by the services, each raising Invalid with the field it is about."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from datetime import date, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data.errors import Invalid

PRIORITIES = ("critical", "standard", "optional")
GENDERS = ("F", "M")
MINUTES_PER_DAY = 24 * 60

_Fields = TypeVar("_Fields")


def clock_minutes(text: str, field: str) -> int:
    """Minutes after midnight of an "HH:MM" clock time."""
    try:
        parsed = time.fromisoformat(text) if isinstance(text, str) and len(text) == 5 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid(f"{text!r} is not a clock time HH:MM", field)
    return parsed.hour * 60 + parsed.minute


def text_required(value: str, field: str, longest: int = 200) -> str:
    """`value` stripped; refused when empty or longer than `longest`."""
    stripped = value.strip() if isinstance(value, str) else ""
    if not stripped:
        raise Invalid("must not be empty", field)
    if len(stripped) > longest:
        raise Invalid(f"must be at most {longest} characters", field)
    return stripped


def skills_list(values: Iterable[str], field: str = "skills") -> list[str]:
    """Skills as a sorted list of distinct non-empty names."""
    skills: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise Invalid("each skill must be a non-empty name", field)
        skills.add(value.strip())
    return sorted(skills)


def gender(value: str | None, field: str, *, optional: bool) -> str | None:
    """ "F" or "M" (or None when `optional`)."""
    if value is None and optional:
        return None
    if value not in GENDERS:
        raise Invalid('must be "F" or "M"', field)
    return value


def priority(value: str) -> str:
    """One of critical, standard, optional."""
    if value not in PRIORITIES:
        raise Invalid(f"must be one of {', '.join(PRIORITIES)}", "priority")
    return value


def date_range(start: date, end: date | None) -> None:
    """An end date, when given, on or after the start date."""
    if end is not None and end < start:
        raise Invalid(f"ends {end.isoformat()}, before it starts {start.isoformat()}", "end_date")


def timezone_name(value: str) -> str:
    """An IANA timezone name this machine knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"{value!r} is not a known timezone (like Europe/London)", "timezone"
        ) from None
    return value


PHONE_SHORTEST_DIGITS = 7
PHONE_LONGEST_DIGITS = 20
_PHONE_CHARACTERS = frozenset("0123456789 +-()")


def phone(value: str | None, field: str) -> str | None:
    """A phone number of digits, spaces, +, - and brackets with 7 to 20 digits, its spaces
    tidied; None when empty. A + may only lead, as in +44 7700 900123 or (+44) 7700 900123."""
    if value is None:
        return None
    tidied = " ".join(value.split()) if isinstance(value, str) else ""
    if not tidied:
        return None
    strange = next((ch for ch in tidied if ch not in _PHONE_CHARACTERS), None)
    if strange is not None:
        raise Invalid(
            f"a phone number holds only digits, spaces, +, - and brackets, not {strange!r}",
            field,
        )
    if "+" in tidied.lstrip("(")[1:]:
        raise Invalid("a + may only start a phone number, as in +44 7700 900123", field)
    digits = sum(ch.isdigit() for ch in tidied)
    if not PHONE_SHORTEST_DIGITS <= digits <= PHONE_LONGEST_DIGITS:
        raise Invalid(
            f"a phone number has {PHONE_SHORTEST_DIGITS} to {PHONE_LONGEST_DIGITS} digits; "
            f"this one has {digits}",
            field,
        )
    return tidied


def text_optional(value: str | None, field: str, longest: int = 200) -> str | None:
    """`value` stripped, None when empty; refused when longer than `longest`."""
    stripped = value.strip() if isinstance(value, str) else ""
    if not stripped:
        return None
    if len(stripped) > longest:
        raise Invalid(f"must be at most {longest} characters", field)
    return stripped


class ShiftWindow:
    """An area's night shift, for checking that call windows fall inside it."""

    def __init__(self, start: str, end: str) -> None:
        self.start_text = start
        self.end_text = end
        self.start = clock_minutes(start, "shift_start")
        self.length = (clock_minutes(end, "shift_end") - self.start) % MINUTES_PER_DAY

    def offset(self, text: str, field: str) -> int:
        """Minutes from the shift's start to the clock time `text` (its next occurrence)."""
        return (clock_minutes(text, field) - self.start) % MINUTES_PER_DAY

    def check_call(self, earliest: str, latest: str, minutes: int) -> None:
        """A call that may start from `earliest` to `latest` and lasts `minutes` fits the shift."""
        if not isinstance(minutes, int) or minutes < 1:
            raise Invalid("must be a whole number of minutes, 1 or more", "minutes")
        shift = f"{self.start_text}-{self.end_text}"
        first = self.offset(earliest, "earliest")
        last = self.offset(latest, "latest")
        if first > self.length:
            raise Invalid(f"{earliest} is outside the area's night shift {shift}", "earliest")
        if last > self.length:
            raise Invalid(f"{latest} is outside the area's night shift {shift}", "latest")
        if last < first:
            raise Invalid(f"the window ends ({latest}) before it starts ({earliest})", "latest")
        if last + minutes > self.length:
            raise Invalid(
                f"a {minutes}-minute call starting as late as {latest} would run past the end "
                f"of the shift at {self.end_text}",
                "minutes",
            )


def merge_changes(current: _Fields, changes: Mapping[str, Any]) -> _Fields:
    """`current` with `changes` applied; a key that is not one of its fields is refused."""
    names = {f.name for f in fields(current)}  # type: ignore[arg-type]
    for key in changes:
        if key not in names:
            raise Invalid("is not a field that can be changed here", key)
    return replace(current, **changes)  # type: ignore[type-var]

"""Business hours: when the team answers, and what the client is told to expect.

Times are compared on the team's wall clock (BusinessHours.timezone, via zoneinfo), whatever the
client's own timezone, and the reply names the zone ("from 09:00 EET") so it is unambiguous.
Naive datetimes are taken as UTC: that is what SQLite hands back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.kernel.i18n import Translator

# The promise in the confirmation: a manager answers within this many business hours.
REPLY_WITHIN_HOURS = 2
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A year and a bit: enough to step over any holiday list an operator can reasonably write.
_SEARCH_DAYS = 400
# Openings at or after noon are not "morning" in the closed-hours message.
_NOON = time(12, 0)

_SPEC = re.compile(
    r"^\s*(?P<days>[A-Za-z][A-Za-z,\s-]*?)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class BusinessHours:
    timezone: str = "Europe/Tallinn"
    start: time = time(9, 0)
    end: time = time(18, 0)
    workdays: frozenset[int] = frozenset(range(5))  # Monday is 0, as in date.weekday()
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if self.start >= self.end:
            raise ValueError(
                f"business hours: opening {self.start:%H:%M} is not before closing "
                f"{self.end:%H:%M}"
            )
        if not self.workdays or not self.workdays <= frozenset(range(7)):
            raise ValueError(f"business hours: workdays must be 0-6, got {sorted(self.workdays)}")

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"business hours: unknown timezone {name!r}") from None


def _local(now: datetime, hours: BusinessHours) -> datetime:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(hours.zone)


def _is_workday(day: date, hours: BusinessHours) -> bool:
    return day.weekday() in hours.workdays and day not in hours.holidays


def is_open(now: datetime, hours: BusinessHours) -> bool:
    local = _local(now, hours)
    return _is_workday(local.date(), hours) and hours.start <= local.time() < hours.end


def next_opening(now: datetime, hours: BusinessHours) -> datetime:
    """`now` when the team is at work, else the next opening (in the team's timezone)."""
    if is_open(now, hours):
        return now
    local = _local(now, hours)
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        opening = datetime.combine(day, hours.start, tzinfo=hours.zone)
        if opening > local and _is_workday(day, hours):
            return opening
    raise ValueError(f"business hours: no working day within {_SEARCH_DAYS} days")


def add_business_time(now: datetime, delta: timedelta, hours: BusinessHours) -> datetime:
    """The moment `delta` of working time after `now`: time outside business hours is skipped."""
    cursor = _local(next_opening(now, hours), hours)
    while True:
        closing = datetime.combine(cursor.date(), hours.end, tzinfo=hours.zone)
        if delta <= closing - cursor:
            return cursor + delta
        delta -= closing - cursor
        cursor = next_opening(closing, hours)


def parse_business_hours(text: str, timezone: str) -> BusinessHours:
    """Read "Mon-Fri 09:00-18:00" (also "Sun-Thu ...", "Mon,Wed,Fri ...", "Mon-Fri,Sun ...")."""
    match = _SPEC.match(text)
    if match is None:
        raise ValueError(
            f"business hours {text!r}: expected days and hours like 'Mon-Fri 09:00-18:00'"
        )
    workdays: set[int] = set()
    for part in match["days"].split(","):
        ends = [_weekday(text, name) for name in part.split("-")]
        if len(ends) == 1:
            workdays.add(ends[0])
        elif len(ends) == 2:  # a range may wrap over Sunday: "Fri-Mon"
            first, last = ends
            workdays.update((first + i) % 7 for i in range((last - first) % 7 + 1))
        else:
            raise ValueError(f"business hours {text!r}: bad day range {part.strip()!r}")
    start, end = _clock(text, match["start"]), _clock(text, match["end"])
    if start >= end:
        raise ValueError(
            f"business hours {text!r}: opening {match['start']} is not before "
            f"closing {match['end']}"
        )
    return BusinessHours(timezone=timezone, start=start, end=end, workdays=frozenset(workdays))


def _weekday(text: str, name: str) -> int:
    key = name.strip().lower()[:3]
    if len(name.strip()) < 3 or key not in WEEKDAYS:
        raise ValueError(
            f"business hours {text!r}: unknown weekday {name.strip()!r} "
            "(use Mon, Tue, Wed, Thu, Fri, Sat, Sun)"
        )
    return WEEKDAYS.index(key)


def _clock(text: str, value: str) -> time:
    hour, minute = (int(part) for part in value.split(":"))
    if hour > 23 or minute > 59:
        raise ValueError(f"business hours {text!r}: bad time {value!r}")
    return time(hour, minute)


def _zone_name(moment: datetime) -> str:
    # Zones without an abbreviation report an offset ("+04"): say "UTC+04" instead.
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def what_happens_next(
    now: datetime,
    hours: BusinessHours,
    t: Translator,
) -> str:
    """The line that tells a client, after the intake, when a manager will get back to them."""
    local = _local(now, hours)
    if is_open(now, hours):
        deadline = add_business_time(local, timedelta(hours=REPLY_WITHIN_HOURS), hours)
        clock = f"{deadline:%H:%M}"
        if deadline.date() == local.date():
            return t("hours-open", hours=REPLY_WITHIN_HOURS, time=clock)
        day = _day(deadline.date(), local.date(), t, "hours-on")
        return t("hours-open-later", hours=REPLY_WITHIN_HOURS, time=clock, day=day)
    opening = next_opening(now, hours)
    prefix = "hours-morning" if hours.start < _NOON else "hours-on"
    return t(
        "hours-closed",
        day=_day(opening.date(), local.date(), t, prefix),
        time=f"{opening:%H:%M}",
        zone=_zone_name(opening),
    )


def _day(day: date, today: date, t: Translator, prefix: str) -> str:
    """ "today", "tomorrow" or "on Monday" (with `hours-morning`: "this morning", ...)."""
    if day == today:
        return t(f"{prefix}-today")
    if day == today + timedelta(days=1):
        return t(f"{prefix}-tomorrow")
    return t(f"{prefix}-{WEEKDAYS[day.weekday()]}")

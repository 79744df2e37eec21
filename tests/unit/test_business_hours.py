"""Business hours: open or closed on the team's clock, the next opening and the client's line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.desk.hours import (
    BusinessHours,
    add_business_time,
    is_open,
    next_opening,
    parse_business_hours,
    what_happens_next,
)
from bot.kernel.i18n import I18n, Translator

LOCALES = Path(__file__).resolve().parents[2] / "locales"
TALLINN = ZoneInfo("Europe/Tallinn")
HOURS = BusinessHours()  # Europe/Tallinn, Mon-Fri 09:00-18:00


def at(day: str, clock: str, zone: ZoneInfo = TALLINN) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=zone)


@pytest.fixture(scope="module")
def hub() -> I18n:
    return I18n(LOCALES)


@pytest.fixture
def en(hub: I18n) -> Translator:
    return hub.get("en")


@pytest.fixture
def ru(hub: I18n) -> Translator:
    return hub.get("ru")


# 2025-06-02 is a Monday (summer: EEST, UTC+3); 2025-01-06 a Monday in winter (EET, UTC+2).
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at("2025-06-02", "09:00"), True),  # opening is inclusive
        (at("2025-06-02", "12:30"), True),
        (at("2025-06-02", "17:59"), True),
        (at("2025-06-02", "18:00"), False),  # closing is exclusive
        (at("2025-06-02", "08:59"), False),
        (at("2025-06-06", "10:00"), True),  # Friday
        (at("2025-06-07", "10:00"), False),  # Saturday
        (at("2025-06-08", "10:00"), False),  # Sunday
    ],
)
def test_is_open(moment: datetime, expected: bool) -> None:
    assert is_open(moment, HOURS) is expected


def test_open_is_judged_on_the_teams_clock() -> None:
    # 06:30 UTC is 09:30 in Tallinn in summer, 08:30 in winter.
    assert is_open(datetime(2025, 6, 2, 6, 30, tzinfo=UTC), HOURS)
    assert not is_open(datetime(2025, 1, 6, 6, 30, tzinfo=UTC), HOURS)
    # Sunday 23:30 in New York is already Monday 06:30 in Tallinn: still closed...
    new_york = ZoneInfo("America/New_York")
    assert not is_open(at("2025-06-01", "23:30", new_york), HOURS)
    # ...and Monday 03:00 in New York is 10:00 in Tallinn.
    assert is_open(at("2025-06-02", "03:00", new_york), HOURS)


def test_naive_datetimes_are_utc() -> None:
    assert is_open(datetime(2025, 6, 2, 6, 30), HOURS)
    assert not is_open(datetime(2025, 6, 2, 5, 30), HOURS)


def test_next_opening_is_now_when_open() -> None:
    now = at("2025-06-03", "11:00")
    assert next_opening(now, HOURS) is now


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        (at("2025-06-03", "07:00"), at("2025-06-03", "09:00")),  # early morning: today
        (at("2025-06-03", "20:00"), at("2025-06-04", "09:00")),  # evening: tomorrow
        (at("2025-06-06", "18:00"), at("2025-06-09", "09:00")),  # Friday close: Monday
        (at("2025-06-07", "12:00"), at("2025-06-09", "09:00")),  # Saturday
        (at("2025-06-08", "23:59"), at("2025-06-09", "09:00")),  # Sunday night
    ],
)
def test_next_opening(moment: datetime, opening: datetime) -> None:
    assert next_opening(moment, HOURS) == opening


def test_next_opening_skips_holidays() -> None:
    # 24-26 December 2025 are Wednesday to Friday.
    hours = BusinessHours(holidays=frozenset(date(2025, 12, d) for d in (24, 25, 26)))
    assert not is_open(at("2025-12-24", "10:00"), hours)
    assert next_opening(at("2025-12-23", "19:00"), hours) == at("2025-12-29", "09:00")


def test_next_opening_across_the_dst_change() -> None:
    # Clocks go forward on Sunday 30 March 2025; Monday opens at 09:00 EEST (06:00 UTC).
    opening = next_opening(at("2025-03-29", "20:00"), HOURS)
    assert opening.astimezone(UTC) == datetime(2025, 3, 31, 6, 0, tzinfo=UTC)
    assert opening.tzname() == "EEST"


def test_business_time_carries_over_closed_hours() -> None:
    assert add_business_time(at("2025-06-02", "10:00"), timedelta(hours=2), HOURS) == at(
        "2025-06-02", "12:00"
    )
    assert add_business_time(at("2025-06-02", "16:00"), timedelta(hours=2), HOURS) == at(
        "2025-06-02", "18:00"
    )
    assert add_business_time(at("2025-06-06", "17:30"), timedelta(hours=2), HOURS) == at(
        "2025-06-09", "10:30"
    )
    assert add_business_time(at("2025-06-07", "12:00"), timedelta(hours=2), HOURS) == at(
        "2025-06-09", "11:00"
    )


def test_within_hours_promises_a_time_today(en: Translator, ru: Translator) -> None:
    now = at("2025-06-02", "10:15")
    assert what_happens_next(now, HOURS, en) == (
        "A manager will contact you within 2 business hours (by 12:15)."
    )
    assert what_happens_next(now, HOURS, ru) == (
        "Менеджер свяжется с вами в течение 2 рабочих часов (до 12:15)."
    )


def test_late_in_the_day_the_promise_moves_to_the_next_workday(en: Translator) -> None:
    assert what_happens_next(at("2025-06-02", "17:00"), HOURS, en) == (
        "A manager will contact you within 2 business hours (by 10:00 tomorrow)."
    )
    assert what_happens_next(at("2025-06-06", "17:30"), HOURS, en) == (
        "A manager will contact you within 2 business hours (by 10:30 on Monday)."
    )


def test_weekend_points_to_monday_morning(en: Translator, ru: Translator) -> None:
    now = at("2025-06-07", "12:00")
    assert what_happens_next(now, HOURS, en) == (
        "Our team is off now; a manager will contact you on Monday morning (from 09:00 EEST)."
    )
    assert what_happens_next(now, HOURS, ru) == (
        "Сейчас наша команда не на связи; менеджер свяжется с вами в понедельник утром "
        "(с 09:00 EEST)."
    )


def test_evening_before_a_workday_says_tomorrow(en: Translator, ru: Translator) -> None:
    now = at("2025-01-07", "21:00")  # a Tuesday in winter
    assert what_happens_next(now, HOURS, en) == (
        "Our team is off now; a manager will contact you tomorrow morning (from 09:00 EET)."
    )
    assert "завтра утром (с 09:00 EET)" in what_happens_next(now, HOURS, ru)


def test_early_morning_says_this_morning(en: Translator) -> None:
    assert "contact you this morning (from 09:00 EEST)" in what_happens_next(
        at("2025-06-04", "07:45"), HOURS, en
    )


def test_the_line_uses_the_teams_clock_whatever_the_clients_zone(en: Translator) -> None:
    # Friday 21:00 in New York is Saturday 04:00 in Tallinn.
    line = what_happens_next(at("2025-06-06", "21:00", ZoneInfo("America/New_York")), HOURS, en)
    assert "on Monday morning (from 09:00 EEST)" in line


def test_holiday_and_afternoon_opening(en: Translator, ru: Translator) -> None:
    hours = BusinessHours(
        timezone="Asia/Dubai",
        start=time(13, 0),
        end=time(21, 0),
        holidays=frozenset({date(2025, 6, 4)}),
    )
    now = at("2025-06-03", "22:00", ZoneInfo("Asia/Dubai"))  # Tuesday night; Wednesday is off
    assert what_happens_next(now, hours, en) == (
        "Our team is off now; a manager will contact you on Thursday (from 13:00 UTC+04)."
    )
    assert "в четверг (с 13:00 UTC+04)" in what_happens_next(now, hours, ru)


@pytest.mark.parametrize(
    ("text", "workdays", "start", "end"),
    [
        ("Mon-Fri 09:00-18:00", {0, 1, 2, 3, 4}, time(9), time(18)),
        ("mon - fri 9:00 - 18:00", {0, 1, 2, 3, 4}, time(9), time(18)),
        ("Sun-Thu 08:30-17:00", {6, 0, 1, 2, 3}, time(8, 30), time(17)),
        ("Mon,Wed,Fri 10:00-16:00", {0, 2, 4}, time(10), time(16)),
        ("Monday-Friday,Sat 10:00-14:00", {0, 1, 2, 3, 4, 5}, time(10), time(14)),
    ],
)
def test_parse_business_hours(text: str, workdays: set[int], start: time, end: time) -> None:
    hours = parse_business_hours(text, "Europe/Tallinn")
    assert hours == BusinessHours(
        timezone="Europe/Tallinn", start=start, end=end, workdays=frozenset(workdays)
    )


def test_parse_default_text_is_the_default() -> None:
    assert parse_business_hours("Mon-Fri 09:00-18:00", "Europe/Tallinn") == BusinessHours()


@pytest.mark.parametrize(
    ("text", "timezone", "message"),
    [
        ("Mon-Fri", "Europe/Tallinn", r"expected days and hours like 'Mon-Fri 09:00-18:00'"),
        ("09:00-18:00", "Europe/Tallinn", r"expected days and hours"),
        ("Mon-Fry 09:00-18:00", "Europe/Tallinn", r"unknown weekday 'Fry'"),
        ("Mo-Fr 09:00-18:00", "Europe/Tallinn", r"unknown weekday 'Mo'"),
        ("Mon-Wed-Fri 09:00-18:00", "Europe/Tallinn", r"bad day range 'Mon-Wed-Fri'"),
        ("Mon-Fri 18:00-09:00", "Europe/Tallinn", r"opening 18:00 is not before closing 09:00"),
        ("Mon-Fri 09:00-25:00", "Europe/Tallinn", r"bad time '25:00'"),
        ("Mon-Fri 09:00-18:00", "Mars/Olympus", r"unknown timezone 'Mars/Olympus'"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, timezone: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_business_hours(text, timezone)


def test_bad_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="not before closing"):
        BusinessHours(start=time(18), end=time(9))
    with pytest.raises(ValueError, match="workdays"):
        BusinessHours(workdays=frozenset())
    with pytest.raises(ValueError, match="workdays"):
        BusinessHours(workdays=frozenset({7}))

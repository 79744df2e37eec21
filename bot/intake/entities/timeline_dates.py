"""What a timeline expression means: how strong it is, its category and its date, if any.

Each handler reads one expression of timeline_patterns.py, and returns None when the match turns
out not to be a timeline ("we may", 31 February).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from enum import IntEnum

from bot.intake.entities.model import TimelineCategory
from bot.intake.entities.timeline_patterns import HALF_YEAR
from bot.intake.entities.words import (
    DURATION_NUMBERS,
    EN_MONTHS,
    ORDINALS,
    RU_MONTH_STEMS,
    SEASON_END,
    WEEKDAYS,
)

_URGENT_WITHIN_DAYS = 14  # a deadline this close is urgent
_FLEXIBLE_FROM_MONTHS = 6  # a period this long is flexible


class Rank(IntEnum):
    """Which expression wins when a message has several."""

    WEAK = 1  # a bare today / yesterday / сегодня / вчера
    VAGUE = 2  # soon, tomorrow, this year
    RELAXED = 3  # no rush, не горит, whenever
    DATED = 4  # a date, a period or a deadline: by Q2, через месяц, next week
    EXPLORING = 5  # just exploring, пока присматриваемся
    STRONG = 6  # ASAP, срочно, горит


Found = tuple[Rank, TimelineCategory, date | None]
Handler = Callable[[re.Match[str], date], Found | None]


def fixed(rank: Rank, category: TimelineCategory, days: int | None = None) -> Handler:
    """A handler for words that always mean the same: "ASAP", "tomorrow" (`days` from today)."""

    def handler(m: re.Match[str], today: date) -> Found:
        return rank, category, None if days is None else today + timedelta(days=days)

    return handler


# ---------------------------------------------------------------------------------------------
# Dates


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _end_of_quarter(year: int, quarter: int) -> date:
    return _end_of_month(year, quarter * 3)


def _full_year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text.lstrip("'"))
    return year + 2000 if year < 100 else year


def _deadline_category(day: date, today: date) -> TimelineCategory:
    close = (day - today).days <= _URGENT_WITHIN_DAYS
    return TimelineCategory.URGENT if close else TimelineCategory.NORMAL


def _deadline(day: date, today: date) -> Found:
    return Rank.DATED, _deadline_category(day, today), day


def _next_deadline(make: Callable[[int], date], year: int | None, today: date) -> Found | None:
    """make(year) for the given year; without one, this year's, or next year's if this one has
    passed ("by March" said in April)."""
    try:
        if year is not None:
            day = make(year)
        else:
            day = make(today.year)
            if day < today:
                day = make(today.year + 1)
    except ValueError:  # 31 February
        return None
    return _deadline(day, today)


def _month_day(month: int, day: int | None, year: int | None, today: date) -> Found | None:
    def make(y: int) -> date:
        return date(y, month, day) if day else _end_of_month(y, month)

    return _next_deadline(make, year, today)


def _month_number(name: str) -> int:
    if name in EN_MONTHS:
        return EN_MONTHS[name]
    return next(number for stem, number in RU_MONTH_STEMS if name.startswith(stem))


# ---------------------------------------------------------------------------------------------
# Handlers


def month_name(m: re.Match[str], today: date) -> Found | None:
    """A month: "by March", "к марту", "в начале апреля", "by the end of June 2026"."""
    modifier = " ".join((m["mn_mod"] or m["mr_mod"]).split())
    name = m["mn_m"] or m["mr_m"]
    day_text = m["mn_d1"] or m["mn_d2"] or m["mr_d"]
    if name == "may" and not (day_text or m["mn_y"] or modifier in {"by", "in", "until", "till"}):
        return None  # "for may": the verb
    if day_text:
        day: int | None = int(day_text)
    elif re.search(r"начал|beginning|start", modifier):
        day = 1 if re.match(r"(?:к|до|by)\b", modifier) else 10
    elif "early" in modifier:
        day = 10
    elif re.search(r"середин|mid", modifier):
        day = 15
    else:
        day = None
    return _month_day(_month_number(name), day, _full_year(m["mn_y"] or m["mr_y"]), today)


_SUBJECT_BEFORE = re.compile(r"(?<!\w)(?:i|we|you|they|it|he|she|this|that|which|who)\s+$")


def day_month(m: re.Match[str], today: date) -> Found | None:
    """A date with a month name: "15 марта", "March 15th", "15th of March 2026"."""
    name = m["dm_m"] or m["md_m"] or m["my_m"]
    if name == "may" and _SUBJECT_BEFORE.search(m.string, 0, m.start()):
        return None  # "we may 10x it": the verb
    day_text = m["dm_d"] or m["md_d"]
    year = _full_year(m["dm_y"] or m["md_y"] or m["my_y"])
    return _month_day(_month_number(name), int(day_text) if day_text else None, year, today)


def numeric_date(m: re.Match[str], today: date) -> Found | None:
    """A date in digits: "2025-06-01", "до 15.03", "by 01/06/2026"."""
    if m["iso_y"]:
        day, month, year = int(m["iso_d"]), int(m["iso_m"]), _full_year(m["iso_y"])
    else:
        day, month = int(m["nd_d"] or m["nf_d"]), int(m["nd_m"] or m["nf_m"])
        year = _full_year(m["nd_y"] or m["nf_y"])
        if month > 12 >= day:  # 03/15/2026: month first
            day, month = month, day
    return _next_deadline(lambda y: date(y, month, day), year, today)


def quarter(m: re.Match[str], today: date) -> Found | None:
    if m["q_ord"]:
        number = next(n for stem, n in ORDINALS.items() if m["q_ord"].startswith(stem))
    else:
        number = int(m["q_n1"] or m["q_n2"] or m["q_n3"])
    year = _full_year(m["q_y"] or m["q_y2"])
    return _next_deadline(lambda y: _end_of_quarter(y, number), year, today)


def relative_quarter(m: re.Match[str], today: date) -> Found | None:
    number = (today.month - 1) // 3 + 1
    if m["rq_next"] or m["rq_next2"]:
        number += 1
    year = today.year + (number - 1) // 4
    return _deadline(_end_of_quarter(year, (number - 1) % 4 + 1), today)


def relative_month(m: re.Match[str], today: date) -> Found | None:
    first = today.replace(day=1)
    if m["rm_next"] or m["rm_next2"]:
        first = _add_months(first, 1)
        return Rank.DATED, TimelineCategory.NORMAL, _end_of_month(first.year, first.month)
    return _deadline(_end_of_month(first.year, first.month), today)


def relative_week(m: re.Match[str], today: date) -> Found | None:
    sunday = today + timedelta(days=6 - today.weekday())
    if m["rw_next"] or m["rw_next2"]:
        sunday += timedelta(days=7)
    return Rank.DATED, TimelineCategory.URGENT, sunday


def weekday(m: re.Match[str], today: date) -> Found | None:
    """A weekday deadline: "by Friday" (the coming one), "by next Friday", "к пятнице"."""
    word = m["wd_en"] or m["wd_ru"]
    number = next(n for stem, n in WEEKDAYS.items() if word.startswith(stem))
    if re.search(r"\bnext\b", m.group()):  # that day of next week
        day = today + timedelta(days=7 - today.weekday() + number)
    else:
        day = today + timedelta(days=(number - today.weekday()) % 7 or 7)
    return Rank.DATED, TimelineCategory.URGENT, day


def season(m: re.Match[str], today: date) -> Found | None:
    word = m["s_en"] or m["s_ru"] or m["s_ru2"]
    last_month, next_year = next(v for stem, v in SEASON_END.items() if word.startswith(stem))
    year = _full_year(m["s_y"])
    if year is not None:
        year += next_year
    return _next_deadline(lambda y: _end_of_month(y, last_month), year, today)


def end_of_year(m: re.Match[str], today: date) -> Found | None:
    end = date(today.year, 12, 31)
    rank = Rank.VAGUE if m["ey_vague"] else Rank.DATED  # "this year" is no deadline
    return rank, _deadline_category(end, today), end


def year(m: re.Match[str], today: date) -> Found | None:
    number = int(m["y_y"])
    if number < today.year or number > today.year + 10:
        return None
    if number == today.year:  # "in 2025" said in 2025: by its end
        end = date(number, 12, 31)
        return Rank.VAGUE, _deadline_category(end, today), end
    return Rank.RELAXED, TimelineCategory.FLEXIBLE, None


def _duration_number(text: str | None) -> Decimal:
    if not text:
        return Decimal(1)
    text = " ".join(text.split())
    if text[0].isdigit():
        return Decimal(text.replace(",", "."))
    return DURATION_NUMBERS[text]


_HALF_YEAR = re.compile(HALF_YEAR)


def duration(m: re.Match[str], today: date) -> Found | None:
    """A period: "in 2 weeks", "через 2-3 месяца", "within a year", "6+ months from now"."""
    prefix = "d_" if m["d_unit"] else "d2_"
    unit = " ".join(m[prefix + "unit"].split())
    number = _duration_number(m[prefix + "num2"] or m[prefix + "num"])  # a range: its upper end
    if _HALF_YEAR.fullmatch(unit):
        unit, number = "months", Decimal(6)
    elif unit.startswith(("business", "working", "рабочих")):
        number *= Decimal(7) / 5
    unit = unit.split()[-1]
    if unit.startswith(("day", "дн", "день", "сут")):
        target = today + timedelta(days=round(number))
    elif unit.startswith(("week", "wk", "нед")):
        target = today + timedelta(days=round(number * 7))
    else:
        if unit.startswith(("year", "yr", "год", "лет")):
            months = number * 12
        elif unit.startswith(("quarter", "квартал")):
            months = number * 3
        else:
            months = number
        if months == months.to_integral_value():
            target = _add_months(today, int(months))
        else:
            target = today + timedelta(days=round(months * 30))
    more = bool(m[prefix + "plus"] or m[prefix + "more"])  # "6+ months", "more than 2 weeks"
    if (target - today).days + more <= _URGENT_WITHIN_DAYS:
        category = TimelineCategory.URGENT
    elif target >= _add_months(today, _FLEXIBLE_FROM_MONTHS):
        category = TimelineCategory.FLEXIBLE
    else:
        category = TimelineCategory.NORMAL
    return Rank.DATED, category, target

"""Timeline: every expression found is a candidate; the strongest wins.

Explicit urgency (ASAP, срочно) > exploring (just looking, пока присматриваемся) > a date or a
period (by Q2, через месяц, next year) > "no rush" > "soon" or a bare "tomorrow" > a bare
"today"/"yesterday". A winner without a date takes the date of another candidate. A deadline two
weeks away or closer is urgent; a period of six months or more is flexible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from bot.intake.entities import timeline_dates as dates
from bot.intake.entities import timeline_patterns as patterns
from bot.intake.entities.model import Timeline, TimelineCategory
from bot.intake.entities.text import Prepared, prepare
from bot.intake.entities.timeline_dates import Found, Handler, Rank, fixed
from bot.intake.entities.words import EN_MONTHS, RU_MONTH_STEMS

_U, _N, _F, _E = (
    TimelineCategory.URGENT,
    TimelineCategory.NORMAL,
    TimelineCategory.FLEXIBLE,
    TimelineCategory.EXPLORING,
)
_MONTH_TRIGGERS = " ".join(
    [*(name[:3] for name in EN_MONTHS), "may май мая мае маю"]
    + [stem for stem, _ in RU_MONTH_STEMS if stem != "ма"]
)

# Each rule is tried on its own, and only when the text has one of its triggers: a word starting
# with it, or, for a trigger with punctuation ("n't"), the trigger anywhere. One big alternation
# would try every rule at every word, several times slower. In order: where two expressions
# overlap, the earlier rule wins.
_RULES: list[tuple[str, Handler, str]] = [
    (
        patterns.NOT_URGENT,
        fixed(Rank.RELAXED, _F),
        "no isn aren never n't without wait не ни без подожд",
    ),
    (
        patterns.EXPLORING_WORDS,
        fixed(Rank.EXPLORING, _E),
        "just explor research idea window sure decided know plan day someday point future "
        "присматрива просто пока прицени будущ перспектив когда изучаем решили уверены "
        "информаци стадии монитор",
    ),
    (
        patterns.FLEXIBLE_WORDS,
        fixed(Rank.RELAXED, _F),
        "whenever any pace convenience time flexible open long когда любое сроки дедлайн гибк "
        "спеху спеша спешить",
    ),
    (patterns.NEXT_YEAR, fixed(Rank.DATED, _F), "year следующ году"),
    (
        patterns.URGENT_WORDS,
        fixed(Rank.STRONG, _U),
        "asap a.s soon quickly fast urgent right immediate straight fire rush hurry emergency "
        "time sensitive critical tight priority down broken yesterday срочн можно кратчайш "
        "поскорее побыстрее немедленно прямо гор пожар аврал сроки сжат асап оперативно упал "
        "лежит работает вчера",
    ),
    (r"(?:the )?day after tom+or+ow|послезавтра", fixed(Rank.DATED, _U, 2), "tom послезавтра"),
    (patterns.BY_TOMORROW, fixed(Rank.DATED, _U, 1), "tom завтра"),
    (patterns.BY_TODAY, fixed(Rank.DATED, _U, 0), "today tonight day eod дня сегодня"),
    (r"tom+or+ow|завтра", fixed(Rank.VAGUE, _U, 1), "tom завтра"),
    (patterns.RELATIVE_WEEK, dates.relative_week, "week недел"),
    (patterns.RELATIVE_MONTH, dates.relative_month, "month месяц"),
    (patterns.RELATIVE_QUARTER, dates.relative_quarter, "quarter квартал"),
    (patterns.QUARTER, dates.quarter, "q кв quarter 1q 2q 3q 4q 1кв 2кв 3кв 4кв"),
    (patterns.END_OF_YEAR, dates.end_of_year, "year года году"),
    (patterns.YEAR, dates.year, "20"),
    (patterns.MONTH, dates.month_name, _MONTH_TRIGGERS),
    (patterns.DAY_MONTH, dates.day_month, _MONTH_TRIGGERS),
    (patterns.NUMERIC_DATE, dates.numeric_date, "0 1 20"),
    (
        f"{patterns.SEASON}|{patterns.SEASON_ADVERB}",
        dates.season,
        "summer autumn fall winter spring лет осен зим весн",
    ),
    (
        patterns.WEEKDAY,
        dates.weekday,
        "monday tue wednesday thu fri saturday sunday понедельник вторник сред четверг пятниц "
        "суббот воскресень",
    ),
    (
        patterns.DURATION,
        dates.duration,
        "day week wk month year yr quarter business working calendar half дн день сут нед мес "
        "год лет квартал полгод полугод рабочих календарных",
    ),
    (patterns.SOON, fixed(Rank.VAGUE, _N), "soon shortly near coming скор ближайш обозрим"),
    (r"today|tonight|сегодня(?: вечером)?", fixed(Rank.WEAK, _U, 0), "today tonight сегодня"),
    (r"yesterday|вчера", fixed(Rank.WEAK, _U), "yesterday вчера"),
]


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    handler: Handler


def _compile(pattern: str) -> re.Pattern[str]:
    """Whole words only; a space in a pattern stands for any whitespace."""
    return re.compile(r"(?<!\w)(?:" + pattern.replace(" ", r"\s+") + r")(?!\w)")


_COMPILED = tuple(_Rule(_compile(pattern), handler) for pattern, handler, _ in _RULES)


def _trie(words: Iterable[str]) -> str:
    """A regex matching any of `words`, the longest first, shaped as a trie (fast to try)."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(tree)


def _index_triggers() -> tuple[dict[str, int], dict[str, int]]:
    """Word triggers and triggers found anywhere, each with a bit mask of the rules it wakes."""
    words: dict[str, int] = {}
    anywhere: dict[str, int] = {}
    for order, (*_, triggers) in enumerate(_RULES):
        for trigger in triggers.split():
            table = words if trigger.isalnum() else anywhere
            table[trigger] = table.get(trigger, 0) | 1 << order
    # The trie matches the longest trigger at a word start; it wakes the rules of its prefixes too.
    with_prefixes = {
        trigger: reduce(
            or_, (mask for prefix, mask in words.items() if trigger.startswith(prefix))
        )
        for trigger in words
    }
    return with_prefixes, anywhere


_WORD_TRIGGERS, _TEXT_TRIGGERS = _index_triggers()
_TRIGGER = re.compile(r"(?<!\w)(" + _trie(_WORD_TRIGGERS) + ")")
_REACH = 80  # no timeline expression reaches further than this from its trigger


def _awake_rules(text: str) -> dict[int, list[int]]:
    """The rules worth trying, each with the stretch of text to try it on."""
    windows: dict[int, list[int]] = {}

    def wake(rules: int, start: int, end: int) -> None:
        order = 0
        while rules:
            if rules & 1:
                window = windows.setdefault(order, [start, end])
                window[0], window[1] = min(window[0], start), max(window[1], end)
            rules >>= 1
            order += 1

    for match in _TRIGGER.finditer(text):
        wake(_WORD_TRIGGERS[match[1]], match.start(), match.end())
    for trigger, rules in _TEXT_TRIGGERS.items():
        if (position := text.find(trigger)) >= 0:
            wake(rules, position, text.rfind(trigger) + len(trigger))
    return {
        order: [max(0, start - _REACH), end + _REACH] for order, (start, end) in windows.items()
    }


@dataclass(frozen=True)
class _Candidate:
    rank: Rank
    start: int
    end: int
    category: TimelineCategory
    date: date | None


def _candidates(text: str, today: date) -> list[_Candidate]:
    """Every timeline expression, leftmost first; where two overlap, the earlier rule wins."""
    found: list[tuple[int, int, int, Found]] = []
    for order, (position, end) in sorted(_awake_rules(text).items()):
        rule = _COMPILED[order]
        while match := rule.regex.search(text, position, end):
            cut = match.end() == end < len(text) and text[end].isalnum()  # the window cut a word
            result = None if cut else rule.handler(match, today)
            if result is None:  # not what it looked like: look again from the next character
                position = match.start() + 1
                continue
            found.append((match.start(), order, match.end(), result))
            position = match.end()
    candidates: list[_Candidate] = []
    for start, _, end, (rank, category, day) in sorted(found, key=lambda f: f[:2]):
        if not candidates or start >= candidates[-1].end:
            candidates.append(_Candidate(rank, start, end, category, day))
    return candidates


def find_timeline(prepared: Prepared, today: date) -> Timeline | None:
    candidates = _candidates(prepared.corrected.text, today)
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c.rank, -c.start))
    day = best.date
    if day is None:  # "ASAP, by the end of March at the latest": urgent, with that date
        day = next(
            (
                c.date
                for c in candidates
                if c.date and c.rank >= Rank.DATED and c.category in {_U, _N} and c is not best
            ),
            None,
        )
    return Timeline(best.category, day, prepared.slice(best.start, best.end))


def extract_timeline(text: str, *, today: date | None = None) -> Timeline | None:
    return find_timeline(prepare(text), today or date.today())

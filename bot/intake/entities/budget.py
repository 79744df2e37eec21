"""Budget: an amount with a currency before or after it, or a range of two.

The one closest to "budget"/"бюджет" wins if there are several. Without a currency, an amount
right next to "budget"/"бюджет" is taken as USD, and any other is ignored. Years, team sizes,
versions, percentages, phone numbers and times are not amounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from bot.intake.entities.model import Budget
from bot.intake.entities.money import (
    AMOUNT,
    CURRENCY_AFTER,
    CURRENCY_BEFORE,
    NUMBER_WORD,
    Amount,
    currency,
    is_year,
    parse_amount,
    spread,
    thousands_of_rubles,
    whole,
)
from bot.intake.entities.text import LETTER, SENTENCE_END, Prepared, alt, prepare

_CONNECTOR = r"(?: ?(?:-|~) ?| (?:to|до|по|and|и) |\.\.\.?)"
_BUDGET = re.compile(
    r"(?<![\w.,/#@])"
    # Where an amount may start (checked first, it skips most words quickly).
    + r"(?=[\d$€£₽]|us|eur|gbp|rub|from|between|от|между|half|пол|million|миллион|thousand"
    + rf"|тысяч|{NUMBER_WORD})"
    + alt(
        rf"(?P<prefix>(?:from|between|от|между) )?(?:(?P<c1>{CURRENCY_BEFORE}) ?)?"
        rf"(?P<a1>{AMOUNT})(?: ?(?P<c1p>{CURRENCY_AFTER}))?(?P<conn>{_CONNECTOR})"
        rf"(?:(?P<c2>{CURRENCY_BEFORE}) ?)?(?P<a2>{AMOUNT})(?: ?(?P<c2p>{CURRENCY_AFTER}))?",
        rf"(?P<pc>{CURRENCY_BEFORE}) ?(?P<pa>{AMOUNT})(?: ?(?P<pcp>{CURRENCY_AFTER}))?",
        rf"(?P<qa>{AMOUNT}) ?(?P<qc>{CURRENCY_AFTER})",
        rf"(?P<ba>{AMOUNT})",
    )
)
_BUDGET_KEYWORD = re.compile(rf"(?<!{LETTER})(?:budget|бюджет)\w*")
_LABEL_GAP = " \t\n:-"
# After a bare number: it counts something else.
_NOT_MONEY_AFTER = re.compile(
    r" ?(?:%|percent|per ?cent|процент\w*|x|раз\w*|times|developers?|devs?|engineers?|people"
    r"|persons?|specialists?|members?|employees?|staff|users?|customers?|clients?|visitors?"
    r"|servers?|nodes?|instances?|vms?|machines?|containers?|pods?|services?|microservices?"
    r"|sites?|apps?|projects?|tickets?|errors?|requests?|rps|qps|rpm|tps|hours?|hrs?|h"
    r"|minutes?|mins?|seconds?|secs?|ms|days?|weeks?|months?|years?|yrs?|am|pm|gb|tb|mb|kb"
    r"|гб|тб|мб|cpus?|cores?|vcpus?|ram|lines?|человек\w*|чел|людей|разработчик\w*|инженер\w*"
    r"|специалист\w*|сотрудник\w*|пользовател\w*|клиент\w*|посетител\w*|сервер\w*|нод\w*"
    r"|инстанс\w*|машин\w*|контейнер\w*|сервис\w*|сайт\w*|проект\w*|запрос\w*|ошиб\w*"
    r"|час\w*|минут\w*|секунд\w*|дн\w*|день|недел\w*|месяц\w*|мес|лет|год\w*|утра|вечера"
    r"|ночи|ядер|ядра|строк\w*|штук\w*|шт)"
    rf"(?!{LETTER})"
)
# Before a bare number: it is a code, a version or a position.
_NOT_MONEY_BEFORE = re.compile(
    rf"(?<!{LETTER})(?:http|error|code|status|port|version|ver|v|release|room|office|no|number|id|ticket"
    r"|order|step|top|python|java|node|php|go|postgres|postgresql|ubuntu|debian|centos|windows"
    r"|ошибка|код|статус|порт|версия|версии|номер|офис|шаг|топ) ?[#№:]? ?$"
)
_PHONE = re.compile(
    r"\+\d[\d ().-]{7,}\d"
    r"|(?<!\d)[78][ -]?\(?\d{3}\)?[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}(?!\d)"
    r"|\(\d{3}\) ?\d{3}[ .-]\d{4}(?!\d)"
    r"|(?<!\d)\d{3}[.-]\d{3}[.-]\d{4}(?!\d)"
    r"|(?<![\d.,])\d{10,11}(?![\d.,])"
)
_PHONE_HINT = re.compile(r"[\d+(][\d ()+.-]{8,}\d")  # ten digits or so: worth looking for phones
_KEYWORD_BEFORE = 40  # characters from "budget" to an amount after it
_KEYWORD_AFTER = 15  # characters from an amount to "budget" after it
_MIN_BARE_AMOUNT = 100
_LOOK_BACK = 16  # characters before a bare amount that may say it is a code or a version


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    amount: Decimal
    maximum: Decimal | None
    currency: str | None  # None: a bare amount, needs "budget" nearby


def _bare_amount_ok(amount: Amount, text: str, start: int, end: int) -> bool:
    if _NOT_MONEY_AFTER.match(text, end) or _NOT_MONEY_BEFORE.search(
        text, max(0, start - _LOOK_BACK), start
    ):
        return False
    if amount.scaled:
        return amount.value > 0
    if is_year(amount) or amount.value != amount.value.to_integral_value():
        return False
    return amount.value >= _MIN_BARE_AMOUNT


def _candidates(text: str) -> Iterator[_Candidate]:
    for m in _BUDGET.finditer(text):
        if m["a1"]:
            yield from _range_candidates(m, text)
        elif m["pa"] or m["qa"]:
            amount = parse_amount(m["pa"] or m["qa"])
            word = m["pcp"] or m["qc"]
            if thousands_of_rubles(word):
                amount = amount.times(Decimal(1000))
            if amount.value:
                code = currency(m["pc"]) or currency(word)
                yield _Candidate(m.start(), m.end(), amount.value, None, code)
        else:
            amount = parse_amount(m["ba"])
            if _bare_amount_ok(amount, text, m.start(), m.end()):
                yield _Candidate(m.start(), m.end(), amount.value, None, None)


def _range_candidates(m: re.Match[str], text: str) -> Iterator[_Candidate]:
    first = low = parse_amount(m["a1"])
    high = parse_amount(m["a2"])
    before, after = m["c1"] or m["c1p"], m["c2"] or m["c2p"]
    code = currency(before) or currency(after)
    if thousands_of_rubles(m["c1p"] or m["c2p"]):
        low, high = low.times(Decimal(1000)), high.times(Decimal(1000))
    low, high = spread(low, high)
    if (
        0 < low.value < high.value
        and (m["conn"].strip() not in {"and", "и"} or m["prefix"])  # "5 and 10": two numbers
        and not (is_year(low) or is_year(high))
        and (code or _bare_amount_ok(high, text, m.start("a2"), m.end()))
    ):
        yield _Candidate(m.start(), m.end(), low.value, high.value, code)
        return
    # Not a range after all ("$50k - 20 developers"): perhaps its first half is an amount.
    if currency(before) and first.value:
        start = m.start("c1") if m["c1"] else m.start("a1")
        end = m.end("c1p") if m["c1p"] else m.end("a1")
        yield _Candidate(start, end, first.value, None, currency(before))


def _keyword_distance(
    text: str, keywords: list[tuple[int, int]], candidate: _Candidate
) -> int | None:
    """How far the candidate is from "budget", None if not close in the same sentence."""
    best: int | None = None
    for start, end in keywords:
        if end <= candidate.start:
            gap, limit = text[end : candidate.start], _KEYWORD_BEFORE
        elif candidate.end <= start:
            gap, limit = text[candidate.end : start], _KEYWORD_AFTER
        else:
            continue
        # In the same sentence, or only a colon or a line break away ("Budget:\n50k").
        if len(gap) <= limit and (not SENTENCE_END.search(gap) or not gap.strip(_LABEL_GAP)):
            best = len(gap) if best is None else min(best, len(gap))
    return best


def find_budget(prepared: Prepared) -> Budget | None:
    text = prepared.corrected.text
    if _PHONE_HINT.search(text):
        text = _PHONE.sub(lambda m: "#" * len(m.group()), text)
    candidates = list(_candidates(text))
    if not candidates:
        return None
    keywords = []
    if "budget" in text or "бюджет" in text:  # skips the regex for most messages
        keywords = [(m.start(), m.end()) for m in _BUDGET_KEYWORD.finditer(text)]
    # An amount with a currency, the one closest to "budget" if any is close; else a bare amount
    # next to "budget" (in USD).
    with_currency = [c for c in candidates if c.currency]
    if with_currency:
        close = [
            (d, c)
            for c in with_currency
            if (d := _keyword_distance(text, keywords, c)) is not None
        ]
        chosen = min(close, key=lambda pair: pair[0])[1] if close else with_currency[0]
    else:
        bare = [c for c in candidates if _keyword_distance(text, keywords, c) is not None]
        if not bare:
            return None
        chosen = bare[0]
    return Budget(
        amount=whole(chosen.amount),
        currency=chosen.currency or "USD",
        max=whole(chosen.maximum) if chosen.maximum is not None else None,
        text=prepared.slice(chosen.start, chosen.end),
    )


def extract_budget(text: str) -> Budget | None:
    return find_budget(prepare(text))

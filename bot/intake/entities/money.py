"""Amounts of money as written: digits or words, multipliers ("50k", "2 млн") and currencies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.intake.entities.text import LETTER, alt, one_of
from bot.intake.entities.words import CURRENCIES, NUMBER_WORDS

# Digits grouped by spaces, commas, dots or apostrophes ("1 500 000", "1.500.000,50"), or not.
_NUMBER = r"(?:\d{1,3}(?:[ ,.']\d{3}(?!\d))+(?:[.,]\d{1,2}(?!\d))?|\d+(?:[.,]\d+)?)(?!\d|[.,]\d)"
_GROUPED = re.compile(r"(\d{1,3}(?:[ ,.']\d{3})+)(?:[.,](\d{1,2}))?")
CURRENCY_BEFORE = r"(?:us\$|\$|€|£|₽|usd|eur|gbp|rub)"
CURRENCY_AFTER = (
    r"(?:us\$|\$|€|£|₽|usd|eur(?:os?)?|евро|gbp|pounds?(?: sterling)?|фунт(?:ов|а|ы)?"
    r"(?: стерлингов)?|rub(?:les?)?|roubles?|руб(?:лей|ля|ли|\.)?|р\.|р|dollars?|bucks?"
    r"|доллар(?:ов|а|ы)?(?: сша)?|долл\.?|дол\.?|бакс(?:ов|а|ы)?|т\. ?р\.|тыр|тр\.?)"
    rf"(?!{LETTER})"
)
_AMOUNT_END = rf"(?:(?!{LETTER})|(?={CURRENCY_AFTER}))"  # "50k", "50k$", not "50kg"
_MULTIPLIER_WORD = (
    r"(?:тысяч\w*|тыщ\w*|тыс\.?|thousands?|thous|grand|millions?|mln|mil|mio|млн\.?"
    r"|миллион\w*|лям\w*|лимон\w*|billions?|bn|млрд\.?|миллиард\w*)"
)
_MULTIPLIER_LETTER = r"(?:kk|k|mm|m)"  # "50k", "50 k", "1.5m"
_MULTIPLIER_CYRILLIC = r"(?:кк|к)"  # only attached: "50к" (a spaced "к" is a preposition)
NUMBER_WORD = one_of(NUMBER_WORDS)
_HALF = r"(?:half an? |half-a-|пол[ -]?)"


def _amount_pattern(named: bool) -> str:
    """Named groups tell how to read an amount; the budget pattern uses it several times, where
    the names would clash, so it gets the same pattern without them."""

    def group(name: str, pattern: str) -> str:
        return f"(?P<{name}>{pattern})" if named else pattern

    return alt(
        group("half", rf"{_HALF}(?:million|миллиона|ляма|лимона|тысячи|тыщи)") + rf"(?!{LETTER})",
        group("words", rf"{NUMBER_WORD}(?:[ -]+(?:and )?{NUMBER_WORD})*")
        + " "
        + group("word_multiplier", _MULTIPLIER_WORD)
        + rf"(?!{LETTER})",
        group("alone", r"(?:a |one )?(?:million|миллион|thousand|тысяча|тысячу)")
        + rf"(?!{LETTER})",
        group("number", _NUMBER)
        + alt(
            " ?" + group("multiplier", _MULTIPLIER_WORD) + rf"(?!{LETTER})",
            " ?" + group("letter", _MULTIPLIER_LETTER) + _AMOUNT_END,
            group("cyrillic", _MULTIPLIER_CYRILLIC) + _AMOUNT_END,
            _AMOUNT_END,
        ),
    )


AMOUNT = _amount_pattern(named=False)
_AMOUNT_PARTS = re.compile(_amount_pattern(named=True))


def currency(word: str | None) -> str | None:
    """The ISO code of a currency symbol or word, None if there is none."""
    if not word:
        return None
    for code, prefixes in CURRENCIES:
        if word.startswith(prefixes):
            return code
    return None


def thousands_of_rubles(word: str | None) -> bool:
    """Thousands of rubles: "300 тыр", "300 т.р."."""
    return word is not None and word.replace(" ", "").rstrip(".") in {"тыр", "т.р", "тр"}


def _multiplier(word: str) -> Decimal:
    word = word.rstrip(".")
    if word in {"k", "к", "grand"} or word.startswith(("тыс", "тыщ", "thous")):
        return Decimal(1000)
    if word == "bn" or word.startswith(("billion", "млрд", "миллиард")):
        return Decimal(10**9)
    return Decimal(10**6)  # kk, кк, m, mm, mln, mil, mio, million, млн, миллион, лям, лимон


def _decimal(number: str) -> Decimal:
    grouped = _GROUPED.fullmatch(number)
    if grouped:
        whole = re.sub(r"\D", "", grouped[1])
        return Decimal(f"{whole}.{grouped[2]}" if grouped[2] else whole)
    return Decimal(number.replace(",", "."))


_ONE = Decimal(1)


@dataclass(frozen=True)
class Amount:
    value: Decimal
    factor: Decimal  # the multiplier it was written with (k, млн, thousand...), 1 if none
    plain: str = ""  # the digits as written, when there was no multiplier

    @property
    def scaled(self) -> bool:
        return self.factor != 1

    def times(self, factor: Decimal) -> Amount:
        return Amount(self.value * factor, self.factor * factor)


def parse_amount(text: str) -> Amount:
    """An amount matched by AMOUNT."""
    m = _AMOUNT_PARTS.fullmatch(text)
    if m is None:  # cannot happen: AMOUNT is the same pattern
        raise ValueError(text)
    if m["half"]:
        factor = _multiplier(m["half"].split()[-1].removeprefix("пол").lstrip("-"))
        return Amount(factor / 2, factor)
    if m["words"]:
        total = Decimal(0)
        for word in re.findall(r"\w+", m["words"]):
            if word == "hundred":  # "two hundred": multiplies what came before
                total = (total or _ONE) * 100
            elif word != "and":
                total += NUMBER_WORDS[word]
        factor = _multiplier(m["word_multiplier"])
        return Amount(total * factor, factor)
    if m["alone"]:
        factor = _multiplier(m["alone"].split()[-1])
        return Amount(factor, factor)
    value = _decimal(m["number"])
    scale = m["multiplier"] or m["letter"] or m["cyrillic"]
    if scale:
        factor = _multiplier(scale)
        return Amount(value * factor, factor)
    return Amount(value, _ONE, m["number"])


def spread(low: Amount, high: Amount) -> tuple[Amount, Amount]:
    """A multiplier written once applies to both ends: "10-20k", "от 10 до 20 тысяч"."""
    if high.scaled and not low.scaled:
        value = low.value * high.factor
        if value > high.value and high.factor >= 10**6:  # "500-1.5M": 500 thousand
            value /= 1000
        if value < high.value:
            return Amount(value, high.factor), high
    if low.scaled and not high.scaled and high.value * low.factor > low.value:
        return low, Amount(high.value * low.factor, low.factor)
    return low, high


def whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_year(amount: Amount) -> bool:
    return amount.plain.isdigit() and len(amount.plain) == 4 and 1900 <= amount.value <= 2100

"""Word lists and tables the extractors read, kept apart so the logic stays readable."""

from __future__ import annotations

from decimal import Decimal


def _split(words: str) -> list[str]:
    """Word lists read better as text than as list literals (ruff's SIM905 wants literals)."""
    return words.split()


# ---------------------------------------------------------------------------------------------
# Keyword typos (text.py)

# Words the budget and timeline patterns look for, in the forms users most often type. A word of
# five letters or more that is one typo away from one of these (same first letter) is read as it.
KEYWORDS = _split("""
budget budgets budgeted budgeting dollar dollars euros pounds thousand thousands million millions
billion urgent urgently urgency possible immediately today tonight tomorrow yesterday hurry
deadline deadlines month months weeks quarter exploring explore looking browsing researching
research curious future someday whenever anytime flexible pressure january february april
august september october november december summer autumn winter monday tuesday wednesday
thursday friday saturday sunday couple several within beginning middle sensitive priority
decided asking wondering options
бюджет бюджета бюджете бюджетом бюджету бюджеты долларов доллара доллары доллар баксов рублей
рубля рубли тысяч тысяча тысячи тысячу миллион миллиона миллионов миллиард срочно срочный
срочная срочное срочные срочнее сегодня завтра послезавтра неделе неделю недели недель неделя
месяц месяца месяцев месяце квартал квартала квартале кварталу следующем следующей следующий
следующего следующему конца концу полгода присматриваемся присматриваюсь интересуюсь
интересуемся изучаем будущее будущего угодно спешим спешки торопимся горит горят быстрее
скорее поскорее побыстрее немедленно сейчас течение течении ближайшие ближайшее дедлайн
дедлайна января февраля апреля августа сентября октября ноября декабря январю февралю апрелю
сентябрю октябрю ноябрю декабрю понедельник вторник четверг пятницы пятнице пятницу субботы
субботе воскресенья воскресенью года нового новому новом начала началу начале начало конце
конец середины середине середина месяцы будущем ближайшем
""")
# Real words that are one typo away from a keyword and must stay as they are.
KEYWORD_LOOKALIKES = frozenset(
    _split("rules roles layer grant grants locking looping winner mouth завтрак")
)

# ---------------------------------------------------------------------------------------------
# Money (money.py)

NUMBER_WORDS: dict[str, Decimal] = {
    word: Decimal(value)
    for value, words in (
        ("1", "a one один одна одну"),
        ("2", "two два две"),
        ("3", "three три"),
        ("4", "four четыре"),
        ("5", "five пять"),
        ("6", "six шесть"),
        ("7", "seven семь"),
        ("8", "eight восемь"),
        ("9", "nine девять"),
        ("10", "ten десять"),
        ("11", "eleven одиннадцать"),
        ("12", "twelve двенадцать"),
        ("15", "fifteen пятнадцать"),
        ("20", "twenty двадцать"),
        ("30", "thirty тридцать"),
        ("40", "forty сорок"),
        ("50", "fifty пятьдесят"),
        ("60", "sixty шестьдесят"),
        ("70", "seventy семьдесят"),
        ("80", "eighty восемьдесят"),
        ("90", "ninety девяносто"),
        ("100", "hundred сто"),
        ("200", "двести"),
        ("300", "триста"),
        ("400", "четыреста"),
        ("500", "пятьсот"),
        ("600", "шестьсот"),
        ("700", "семьсот"),
        ("800", "восемьсот"),
        ("900", "девятьсот"),
        ("1.5", "полтора полторы"),
    )
    for word in words.split()
}
# ISO code, and how the currency's symbols and words start.
CURRENCIES = (
    ("USD", ("us$", "$", "usd", "dollar", "buck", "доллар", "долл", "дол", "бакс")),
    ("EUR", ("€", "eur", "евро")),
    ("GBP", ("£", "gbp", "pound", "фунт")),
    ("RUB", ("₽", "rub", "roub", "руб", "р", "т.", "тыр", "тр")),
)

# ---------------------------------------------------------------------------------------------
# Dates and periods (timeline_patterns.py, timeline_dates.py)

EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
RU_MONTH_STEMS = (
    ("январ", 1), ("феврал", 2), ("март", 3), ("апрел", 4), ("ма", 5), ("июн", 6), ("июл", 7),
    ("август", 8), ("сентябр", 9), ("октябр", 10), ("ноябр", 11), ("декабр", 12),
)  # fmt: skip
ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "перв": 1, "втор": 2, "трет": 3, "четверт": 4,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "thursday": 3, "thu": 3,
    "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sunday": 6,
    "понедельник": 0, "вторник": 1, "сред": 2, "четверг": 3, "пятниц": 4, "суббот": 5,
    "воскресень": 6,
}  # fmt: skip
# A season's last month, and whether that month falls in the next year (winter ends in February).
SEASON_END = {
    "spring": (5, 0), "summer": (8, 0), "autumn": (11, 0), "fall": (11, 0), "winter": (2, 1),
    "весн": (5, 0), "лет": (8, 0), "осен": (11, 0), "зим": (2, 1),
}  # fmt: skip
DURATION_NUMBERS: dict[str, Decimal] = {
    **NUMBER_WORDS,
    **{
        words: Decimal(value)
        for words, value in {
            "an": 1, "couple": 2, "couple of": 2, "a couple of": 2, "a couple": 2, "few": 3,
            "a few": 3, "several": 3, "одного": 1, "одной": 1, "двух": 2, "трех": 3, "четырех": 4,
            "пяти": 5, "шести": 6, "семи": 7, "восьми": 8, "девяти": 9, "десяти": 10, "пару": 2,
            "пара": 2, "пары": 2, "несколько": 3, "нескольких": 3,
        }.items()
    },
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Technologies (catalog.py, technologies.py)

# Longest first, so that a word loses its whole ending.
CYRILLIC_ENDINGS = sorted(
    _split(
        "ами ями ого его ому ему ой ей ом ем ах ях ов ев ую юю ая яя ые ие ых их "
        "а я о е ы и у ю й ь"
    ),
    key=len,
    reverse=True,
)
# Real words one typo away from a technology name: never "corrected".
TECH_LOOKALIKES = frozenset({"flatter", "annular", "jerkins", "postures"})
LIST_WORDS = frozenset({"and", "or", "и", "или", "&", "plus", "also"})
BEFORE_ONLY_CONTEXT = frozenset({"на", "using", "via"})  # "на go", "using rust"
CONNECTING = frozenset({"in", "on", "with", "using", "на", "в", "с"})  # "written in go"
# Names that are verbs too, and the words around them that make them verbs: "let's Go live".
VERBS = frozenset({"go", "react"})
BEFORE_VERB = frozenset(_split("to will can could should must let lets s then please and"))
PHRASAL = frozenset(
    _split(
        "ahead for to back on away live through with get check see into over out up down home "
        "there here now"
    )
)
# After a capitalised name that starts a sentence, these make it the name: "Swift is ...".
AFTER_SENTENCE_START = frozenset({"is", "was", "vs", "это", "на"})

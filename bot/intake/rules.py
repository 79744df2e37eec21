"""The project intake's rules, apart from its screens: what a valid answer is, which budget and
timeline the description suggests, and the lead form the answers make."""

from __future__ import annotations

from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.intake.leads import LeadForm
from bot.intake.scoring import Budget, ProjectType, Timeline

DESCRIPTION_CHARS = (20, 3000)
NAME_CHARS = 128  # the leads table's limits
COMPANY_CHARS = 128
# Rough rates for the budget suggestion, deliberately fixed: the bracket is only pre-marked and
# the client confirms it, and the brackets are so wide that a rate 20% off moves only amounts
# right at a border. USD and EUR count as the same. A currency not listed suggests nothing.
USD_RATES = {"USD": 1.0, "EUR": 1.0, "GBP": 1.25, "RUB": 1 / 90}
BUDGET_FLOORS = ((150_000, Budget.OVER_150K), (50_000, Budget.FROM_50K),
                 (10_000, Budget.FROM_10K), (0, Budget.UNDER_10K))  # fmt: skip


# --- checking answers ------------------------------------------------------------------------


class InputRejected(ValueError):
    """Why an answer was refused, for the client: a locales key and its variables."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _not_a_command(text: str) -> str:
    # "/pricing" typed during the intake is a question to the bot, not a name or a description.
    if text.lstrip().startswith("/"):
        raise InputRejected("intake-error-command")
    return text


def parse_description(text: str) -> str:
    text = _not_a_command(text).strip()
    shortest, longest = DESCRIPTION_CHARS
    if len(text) < shortest:
        raise InputRejected("intake-error-too-short", length=len(text), min=shortest)
    if len(text) > longest:
        raise InputRejected("intake-error-too-long", length=len(text), max=longest)
    return text


def parse_name(text: str) -> str:
    text = " ".join(_not_a_command(text).split())
    if not text or len(text) > NAME_CHARS:
        raise InputRejected("intake-error-name", max=NAME_CHARS)
    return text


def parse_email(text: str) -> str:
    try:
        return validate_email(_not_a_command(text).strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InputRejected("intake-error-email", reason=str(error)) from None


def parse_company(text: str) -> str:
    text = " ".join(_not_a_command(text).split())
    if not text or len(text) > COMPANY_CHARS:
        raise InputRejected("intake-error-company", max=COMPANY_CHARS)
    return text


def parse_phone(text: str) -> str:
    """An international number ("+44 20 7946 0958"), as E.164: without the country code a
    number cannot be told apart from another country's."""
    try:
        number = phonenumbers.parse(_not_a_command(text).strip(), None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InputRejected("intake-error-phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def suggest_budget(entities: dict[str, Any]) -> Budget | None:
    """The bracket of the budget read from the description: a range counts as its middle."""
    budget = entities.get("budget")
    if not isinstance(budget, dict) or not isinstance(budget.get("amount"), int):
        return None
    rate = USD_RATES.get(str(budget.get("currency")))
    if rate is None:
        return None
    top = budget.get("max")
    amount = (budget["amount"] + top) / 2 if isinstance(top, int) else budget["amount"]
    return next(bracket for floor, bracket in BUDGET_FLOORS if amount * rate >= floor)


def suggest_timeline(entities: dict[str, Any]) -> Timeline | None:
    timeline = entities.get("timeline")
    category = timeline.get("category") if isinstance(timeline, dict) else None
    return Timeline(category) if category in set(Timeline) else None


# --- starting and expiring -------------------------------------------------------------------


def build_form(answers: dict[str, Any], *, source: str | None, language: str) -> LeadForm:
    return LeadForm(
        project_type=ProjectType(answers["project_type"]),
        description=answers["description"],
        timeline=Timeline(answers["timeline"]),
        budget=Budget(answers["budget"]),
        name=answers["name"],
        email=answers["email"],
        company=answers.get("company"),
        phone=answers.get("phone"),
        source=source,
        language=language,
        entities=answers.get("entities") or {},
    )

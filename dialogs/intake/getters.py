"""What the intake windows show: choices with their localized labels, what was read from the
description, and the summary. Text values are the client's own words, raw: `T` escapes them."""

from __future__ import annotations

import html
from enum import StrEnum
from typing import Any

from aiogram_dialog import DialogManager

from bot.config import Settings
from bot.intake.scoring import Budget, ProjectType, Timeline
from bot.kernel.i18n import Translator

# The summary shows at most this much of the description: with every other field it must stay
# under Telegram's 4096 characters (the whole text is saved).
SUMMARY_DESCRIPTION_CHARS = 1500


def _options(
    i18n: Translator,
    prefix: str,
    choices: type[StrEnum],
    *,
    current: str | None = None,
    suggested: str | None = None,
) -> list[tuple[str, str]]:
    """(value, button label) pairs; the current answer and the suggestion are marked."""
    options = []
    for choice in choices:
        label = i18n(f"{prefix}-{choice.value}")
        if choice.value == current:
            label = i18n("intake-option-current", label=label)
        elif choice.value == suggested:
            label = i18n("intake-option-suggested", label=label)
        options.append((choice.value, label))
    return options


def _quote(entities: Any, name: str) -> str | None:
    found = entities.get(name) if isinstance(entities, dict) else None
    text = found.get("text") if isinstance(found, dict) else None
    # The extractor may keep a sentence's full stop ("ASAP."): inside quotes it reads oddly.
    text = text.strip().rstrip(".,;:!?") if isinstance(text, str) else None
    return text or None


async def get_common(
    dialog_manager: DialogManager, i18n: Translator, settings: Settings, **_: Any
) -> dict[str, Any]:
    """For every window: the refusal of the last answer, and why the intake started over."""
    answers = dialog_manager.dialog_data
    error = answers.get("error")
    text = ""
    if isinstance(error, dict):
        params = {
            name: html.escape(value) if isinstance(value, str) else value
            for name, value in (error.get("params") or {}).items()
        }
        text = i18n(str(error.get("key")), **params)
    hours = settings.intake.ttl_hours
    return {
        "error": text,
        "expired": answers.get("notice") == "expired",
        "ttl_hours": int(hours) if float(hours).is_integer() else hours,
    }


async def get_existing(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    start_data = dialog_manager.start_data
    return {"lead_date": start_data.get("open_lead_date") if isinstance(start_data, dict) else ""}


async def get_project_types(
    dialog_manager: DialogManager, i18n: Translator, **_: Any
) -> dict[str, Any]:
    current = dialog_manager.dialog_data.get("project_type")
    return {"options": _options(i18n, "lead-type", ProjectType, current=current)}


def _suggestable(
    manager: DialogManager, i18n: Translator, field: str, prefix: str, values: type[StrEnum]
) -> dict[str, Any]:
    """A choice the description may have pre-marked (timeline, budget)."""
    answers = manager.dialog_data
    suggested = answers.get(f"suggested_{field}")
    return {
        "options": _options(i18n, prefix, values, current=answers.get(field), suggested=suggested),
        "suggested": i18n(f"{prefix}-{suggested}") if suggested else None,
        "quote": _quote(answers.get("entities"), field),
    }


async def get_timelines(
    dialog_manager: DialogManager, i18n: Translator, **_: Any
) -> dict[str, Any]:
    return _suggestable(dialog_manager, i18n, "timeline", "lead-timeline", Timeline)


async def get_budgets(dialog_manager: DialogManager, i18n: Translator, **_: Any) -> dict[str, Any]:
    return _suggestable(dialog_manager, i18n, "budget", "lead-budget", Budget)


async def get_summary(dialog_manager: DialogManager, i18n: Translator, **_: Any) -> dict[str, Any]:
    answers = dialog_manager.dialog_data
    missing = i18n("intake-not-given")

    def label(prefix: str, name: str) -> str:
        value = answers.get(name)
        return i18n(f"{prefix}-{value}") if value else missing

    description = str(answers.get("description") or "")
    if len(description) > SUMMARY_DESCRIPTION_CHARS:
        description = description[:SUMMARY_DESCRIPTION_CHARS].rstrip() + "…"
    return {
        "project_type": label("lead-type", "project_type"),
        "description": description or missing,
        "timeline": label("lead-timeline", "timeline"),
        "budget": label("lead-budget", "budget"),
        "name": answers.get("name") or missing,
        "email": answers.get("email") or missing,
        "company": answers.get("company") or missing,
        "phone": answers.get("phone") or missing,
    }

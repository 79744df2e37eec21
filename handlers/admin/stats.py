"""`/admin stats [1d|7d|30d]`: the period's KPIs in one message, with buttons to switch the
period (the message is edited in place); in a private chat."""

from __future__ import annotations

import html
from decimal import Decimal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.escalation import Reason
from bot.kernel.i18n import Translator
from bot.stats.kpis import PERIODS, SCORES, Kpis, Period, compute, parse_period
from handlers.admin.command import AdminCall, Subcommand

# The seed's targets, shown beside the figures.
CONVERSION_TARGET = 0.25
HANDOFF_TARGET = (0.10, 0.20)
COST_TARGET_USD = Decimal("0.15")
# Days listed in the by-day part: a 30-day period shows its last ones.
DAYS_SHOWN = 10
SOURCES_SHOWN = 8
KNOWN_REASONS = frozenset(reason.value for reason in Reason)


class StatsCallback(CallbackData, prefix="stats"):
    period: str


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(100 * rate)}%"


def duration(t: Translator, seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return t("stats-seconds", n=round(seconds))
    if seconds < 3600:
        return t("stats-minutes", n=round(seconds / 60))
    if seconds < 86_400:
        return t("stats-hours", n=round(seconds / 3600, 1))
    return t("stats-days", n=round(seconds / 86_400, 1))


def stats_text(t: Translator, kpis: Kpis) -> str:
    lines = [
        t("stats-title-" + kpis.period.name),
        t("stats-conversations", count=kpis.conversations, people=kpis.people),
        t(
            "stats-bot-only",
            count=kpis.answered_without_a_human,
            percent=percent(kpis.bot_only_rate),
        ),
        t("stats-intake", started=kpis.intake_started, completed=kpis.intake_completed),
        t(
            "stats-leads",
            count=kpis.leads,
            percent=percent(kpis.conversion_rate),
            target=percent(CONVERSION_TARGET),
            hot=kpis.leads_by_score.get(SCORES[0], 0),
            warm=kpis.leads_by_score.get(SCORES[1], 0),
            cold=kpis.leads_by_score.get(SCORES[2], 0),
        ),
        t(
            "stats-handoffs",
            count=kpis.handoffs,
            percent=percent(kpis.handoff_rate),
            low=percent(HANDOFF_TARGET[0]),
            high=percent(HANDOFF_TARGET[1]),
        ),
    ]
    for reason, count in sorted(kpis.handoff_reasons.items(), key=lambda item: -item[1]):
        lines.append(t("stats-handoff-reason", reason=_reason(t, reason), count=count))
    per = kpis.cost_per_conversation
    lines.append(
        t(
            "stats-llm",
            calls=kpis.llm_answers,
            cost=f"{kpis.llm_cost_usd:.2f}",
            per="—" if per is None else f"${per:.3f}",
            target=f"${COST_TARGET_USD}",
        )
    )
    if kpis.csat_average is None:
        lines.append(t("stats-csat-none"))
    else:
        lines.append(t("stats-csat", average=f"{kpis.csat_average:.1f}", count=kpis.csat_ratings))
    if kpis.agents:
        lines.append(t("stats-agents-title"))
        for agent in kpis.agents:
            lines.append(
                t(
                    "stats-agent",
                    name=html.escape(agent.name),
                    tickets=agent.tickets,
                    claim=duration(t, agent.to_claim),
                    reply=duration(t, agent.to_first_reply),
                    close=duration(t, agent.to_close),
                )
            )
    if kpis.by_source:
        lines.append(t("stats-sources-title"))
        busiest = sorted(kpis.by_source, key=lambda row: (-row.conversations, row.key))
        for row in busiest[:SOURCES_SHOWN]:
            source = html.escape(row.key) if row.key else t("stats-source-none")
            lines.append(t("stats-line", label=source, conversations=row.conversations,
                           leads=row.leads, handoffs=row.handoffs))  # fmt: skip
    if kpis.period.name != "1d" and kpis.by_day:
        lines.append(t("stats-days-title"))
        for row in kpis.by_day[-DAYS_SHOWN:]:
            lines.append(t("stats-line", label=row.key, conversations=row.conversations,
                           leads=row.leads, handoffs=row.handoffs))  # fmt: skip
    return "\n".join(lines)


def _reason(t: Translator, reason: str) -> str:
    if reason in KNOWN_REASONS:
        return t(f"desk-reason-{reason}")
    return html.escape(reason or "—")


def period_keyboard(t: Translator, current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for name in PERIODS:
        label = t("stats-button-" + name)
        builder.add(
            InlineKeyboardButton(
                text=f"• {label} •" if name == current else label,
                callback_data=StatsCallback(period=name).pack(),
            )
        )
    return builder.as_markup()


async def stats(call: AdminCall) -> None:
    name = parse_period(call.args[0] if call.args else None)
    if name is None or len(call.args) > 1:
        await call.answer(call.t("stats-usage"))
        return
    kpis = await compute(call.session, Period.named(name))
    await call.answer(stats_text(call.t, kpis), reply_markup=period_keyboard(call.t, name))


async def on_period_button(
    query: CallbackQuery, callback_data: StatsCallback, session: AsyncSession, i18n: Translator
) -> None:
    """Another period, pressed by an admin (the router checks the role again)."""
    await query.answer()
    name = callback_data.period if callback_data.period in PERIODS else None
    if name is None or not isinstance(query.message, Message):
        return
    kpis = await compute(session, Period.named(name))
    text, keyboard = stats_text(i18n, kpis), period_keyboard(i18n, name)
    if text != query.message.html_text or query.message.reply_markup != keyboard:
        await query.message.edit_text(text, reply_markup=keyboard)


SUBCOMMANDS = [Subcommand("stats", stats)]

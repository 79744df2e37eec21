"""Scheduled work. Each job reads what it needs from the database itself, so a restart loses
nothing: the schedule is re-created at start and the state it acts on is in the tables."""

from __future__ import annotations

from datetime import timedelta

from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters.callback_data import CallbackData
from aiogram.utils.keyboard import InlineKeyboardBuilder
from loguru import logger

from bot.intake.tracking import claim_reminders
from bot.scheduler import JobContext
from db.models import User


class ResumeIntakeCallback(CallbackData, prefix="resume"):
    pass


async def remind_abandoned_intakes(context: JobContext) -> int:
    """Remind, once, every user who stopped an intake half-way; return how many were sent."""
    intake = context.settings.intake
    async with context.sessionmaker() as session:
        user_ids = await claim_reminders(
            session,
            delay=timedelta(hours=intake.reminder_hours),
            window=timedelta(hours=intake.reminder_window_hours),
        )
        await session.commit()
    sent = 0
    for user_id in user_ids:
        async with context.sessionmaker() as session:
            user = await session.get(User, user_id)
            if user is None or user.is_blocked or user.is_banned or user.forget_requested_at:
                continue
            t = context.i18n.get(user.language)
            keyboard = InlineKeyboardBuilder()
            keyboard.button(text=t("reminder-intake-button"), callback_data=ResumeIntakeCallback())
            try:
                await context.bot.send_message(
                    user_id, t("reminder-intake"), reply_markup=keyboard.as_markup()
                )
                sent += 1
            except TelegramForbiddenError:
                user.is_blocked = True
                await session.commit()
            except TelegramAPIError as exc:
                logger.warning("intake reminder to user {} failed: {}", user_id, exc.message)
    if user_ids:
        logger.info("intake reminders: {} due, {} sent", len(user_ids), sent)
    return sent

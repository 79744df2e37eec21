"""Ways into the project intake that are not inside the wizard: the reminder's Resume button and
buttons of a wizard that no longer exists (restart it politely instead of failing)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake.jobs import ResumeIntakeCallback
from bot.kernel.i18n import I18n, Translator
from dialogs.intake import abandon_intake, is_confirm_press, restart_if_expired, start_intake


async def leave_intake(dialog_manager: DialogManager) -> None:
    """Drop an unfinished intake (the person typed /start or /cancel): no reminder will follow."""
    if not dialog_manager.has_context():
        return
    await abandon_intake(dialog_manager)
    await dialog_manager.reset_stack()


async def on_resume(query: CallbackQuery, dialog_manager: DialogManager) -> None:
    await query.answer()
    if not dialog_manager.has_context():
        await start_intake(dialog_manager, source="reminder")
    elif not await restart_if_expired(dialog_manager):
        await dialog_manager.show(ShowMode.SEND)


async def on_stale_dialog(
    event: ErrorEvent,
    dialog_manager: DialogManager,
    i18n_hub: I18n,
    sessionmaker: async_sessionmaker[AsyncSession],
    **data: object,
) -> None:
    logger.info("stale wizard button: {}", type(event.exception).__name__)
    query = event.update.callback_query
    if query is not None and is_confirm_press(query.data or ""):
        # A second tap on Confirm: the first one already did the work.
        await query.answer()
        return
    i18n = data.get("i18n")
    t = i18n if isinstance(i18n, Translator) else i18n_hub.get(None)
    if query is not None:
        await query.answer(t("stale-intake"))
    # The update's own session is closed by now (the error surfaced through it): use a new one.
    async with sessionmaker() as session:
        dialog_manager.middleware_data["session"] = session
        await start_intake(dialog_manager, source="restart")
        await session.commit()


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_resume, ResumeIntakeCallback.filter())
    router.errors.register(
        on_stale_dialog, ExceptionTypeFilter(UnknownIntent, UnknownState, OutdatedIntent)
    )
    return router

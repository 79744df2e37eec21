"""What nothing else handled: free text, other content, and buttons from old messages."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.kernel.i18n import Translator
from bot.telegram.menu import main_menu


async def unknown_command(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("fallback-command"))


async def free_text(message: Message, i18n: Translator) -> None:
    # Text the current step did not expect (the FAQ takes free text outside flows).
    await message.answer(i18n("fallback-text"))


async def other_content(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("fallback-unsupported"), reply_markup=main_menu(i18n))


async def stale_button(query: CallbackQuery, i18n: Translator) -> None:
    await query.answer(i18n("stale-button"), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(free_text, F.text)
    router.message.register(other_content)
    return router


def stale_buttons() -> Router:
    """Buttons that no router took, in any chat (old ones, or the people's pressed in the
    agents' group): answered, never left spinning."""
    router = Router(name=f"{__name__}.buttons")
    router.callback_query.register(stale_button)
    return router

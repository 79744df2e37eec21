"""The main menu every feature returns to: its callback data and keyboard, shared by /start,
/cancel, the screens and the dialogs."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.kernel.i18n import Translator


class MenuAction(StrEnum):
    PROJECT = "project"
    QUESTION = "question"
    SERVICES = "services"
    HUMAN = "human"
    HOME = "home"


class MenuCallback(CallbackData, prefix="menu"):
    action: MenuAction


MENU_ITEMS = (
    (MenuAction.PROJECT, "menu-project"),
    (MenuAction.QUESTION, "menu-question"),
    (MenuAction.SERVICES, "menu-services"),
    (MenuAction.HUMAN, "menu-human"),
)


def main_menu(i18n: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action, key in MENU_ITEMS:
        builder.button(text=i18n(key), callback_data=MenuCallback(action=action))
    builder.adjust(1, 1, 2)
    return builder.as_markup()


def back_to_menu(i18n: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=i18n("menu-back"), callback_data=MenuCallback(action=MenuAction.HOME))
    return builder.as_markup()

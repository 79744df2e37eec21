"""The bot's name, short description and description in Telegram, in every language of
`locales/` (`bot-profile-*`), set at start only where they differ from what Telegram shows.

Telegram limits these calls hard (a flood wait of hours after a few renames), so each is read
first and set only when it changed; a refusal is logged and the bot starts anyway."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from loguru import logger

from bot.kernel.i18n import I18n, LocaleError

# Telegram's limits on each text (Bot API: setMyName, setMyShortDescription, setMyDescription).
NAME_LIMIT = 64
SHORT_DESCRIPTION_LIMIT = 120
DESCRIPTION_LIMIT = 512


@dataclass(frozen=True)
class Profile:
    name: str
    short_description: str
    description: str


def profile_of(i18n_hub: I18n, language: str) -> Profile:
    t = i18n_hub.get(language)
    return Profile(
        t("bot-profile-name"), t("bot-profile-short-description"), t("bot-profile-description")
    )


def check_profiles(i18n_hub: I18n) -> None:
    """Refuse texts longer than Telegram takes (at start-up, naming the language and key)."""
    for language in i18n_hub.languages:
        profile = profile_of(i18n_hub, language)
        for key, text, limit in (
            ("bot-profile-name", profile.name, NAME_LIMIT),
            ("bot-profile-short-description", profile.short_description, SHORT_DESCRIPTION_LIMIT),
            ("bot-profile-description", profile.description, DESCRIPTION_LIMIT),
        ):
            length = len(text.strip())
            if not 1 <= length <= limit:
                raise LocaleError(
                    f"locales/{language}: {key} must have 1 to {limit} characters, has {length}"
                )


async def sync_profile(bot: Bot, i18n_hub: I18n) -> list[str]:
    """Set what differs; returns what was set ("name/ru", ...). The default language's texts
    are also the ones shown to everyone whose language the bot does not speak. Each text is
    its own call: flood control on one (Telegram limits each method) leaves the others."""
    changed: list[str] = []
    for language in i18n_hub.languages:
        code = None if language == i18n_hub.default else language
        wanted = profile_of(i18n_hub, language)
        for what, sync, text in (
            ("name", _name, wanted.name),
            ("short description", _short_description, wanted.short_description),
            ("description", _description, wanted.description),
        ):
            try:
                if await sync(bot, text, code):
                    changed.append(f"{what}/{language}")
            except TelegramAPIError as exc:
                logger.warning("bot profile ({}, {}) not updated: {}", what, language,
                               exc.message.splitlines()[0])  # fmt: skip
    if changed:
        logger.info("bot profile set: {}", ", ".join(changed))
    return changed


async def _name(bot: Bot, text: str, code: str | None) -> bool:
    if (await bot.get_my_name(language_code=code)).name == text:
        return False
    return await bot.set_my_name(name=text, language_code=code)


async def _short_description(bot: Bot, text: str, code: str | None) -> bool:
    current = await bot.get_my_short_description(language_code=code)
    if current.short_description == text:
        return False
    return await bot.set_my_short_description(short_description=text, language_code=code)


async def _description(bot: Bot, text: str, code: str | None) -> bool:
    if (await bot.get_my_description(language_code=code)).description == text:
        return False
    return await bot.set_my_description(description=text, language_code=code)

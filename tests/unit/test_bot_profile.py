"""The bot's profile from locales/: set where Telegram shows something else, left alone where
it shows the same, a refusal (flood control) logged without stopping the start, and a text
longer than Telegram takes refused at start-up with the language and key named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from loguru import logger

from bot.kernel.i18n import I18n, LocaleError
from bot.telegram.offline_session import ApiCall, ApiError, OfflineSession
from bot.telegram.profile import check_profiles, sync_profile
from tests.fakes.recording import offline_bot

LOCALES = Path(__file__).resolve().parents[2] / "locales"


@pytest.fixture(scope="module")
def hub() -> I18n:
    return I18n(LOCALES)


async def test_what_differs_is_set_and_a_second_pass_sets_nothing(hub: I18n) -> None:
    session = OfflineSession()
    bot = offline_bot(session)
    session.profile[("description", "")] = hub.get("en")("bot-profile-description")
    first = await sync_profile(bot, hub)
    assert first == [
        "name/en",
        "short description/en",
        "short description/ru",
        "description/ru",
    ]  # the English description was set already; the Russian name is the English one
    assert session.profile[("name", "")] == hub.get("en")("bot-profile-name")
    assert session.profile[("description", "ru")] == hub.get("ru")("bot-profile-description")
    assert await sync_profile(bot, hub) == []


async def test_flood_control_is_logged_and_the_rest_goes_on(hub: I18n) -> None:
    session = OfflineSession()

    def refuse(call: ApiCall) -> bool:
        raise ApiError("Too Many Requests: retry after 86400", code=429, retry_after=86400)

    session.responders["setMyName"] = refuse
    warnings: list[str] = []
    sink = logger.add(lambda message: warnings.append(str(message)), level="WARNING")
    try:
        changed = await sync_profile(offline_bot(session), hub)
    finally:
        logger.remove(sink)
    assert changed == [
        "short description/en", "description/en", "short description/ru", "description/ru"
    ]  # fmt: skip
    assert any("bot profile (name, en) not updated: Flood control" in line
               for line in warnings), warnings  # fmt: skip


def test_a_text_longer_than_telegram_takes_stops_start_up(tmp_path: Path) -> None:
    shutil.copytree(LOCALES, tmp_path / "locales")
    bot_ftl = tmp_path / "locales" / "ru" / "bot.ftl"
    text = bot_ftl.read_text(encoding="utf-8")
    start = text.index("bot-profile-short-description = ")
    end = text.index("\n", start)
    bot_ftl.write_text(
        text[:start] + "bot-profile-short-description = " + "а" * 121 + text[end:],
        encoding="utf-8",
    )
    with pytest.raises(LocaleError, match=r"locales/ru: bot-profile-short-description .* 121"):
        check_profiles(I18n(tmp_path / "locales"))

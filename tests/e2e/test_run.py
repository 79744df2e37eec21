"""`python -m bot run` end to end: polling and webhook against the fake Bot API."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.telegram.menu import MenuAction, MenuCallback
from tests.e2e.conftest import ROOT, START_TIMEOUT, BotProcess, bot_env
from tests.fakes.services import free_port
from tests.fakes.telegram_server import DEFAULT_USER_ID, FakeTelegram

pytestmark = pytest.mark.e2e


def _button_data(call_params: dict[str, object], number: int) -> str:
    markup = call_params["reply_markup"]
    assert isinstance(markup, dict)
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    return str(buttons[number - 1]["callback_data"])


async def _start_and_menu(telegram: FakeTelegram, deliver: object = None) -> None:
    """Send /start, check the welcome and its four buttons, press button 1, check the screen."""
    update = telegram.user_message("/start")
    if deliver is None:
        telegram.add_update(update)
    else:
        assert await deliver(update) == 200  # type: ignore[operator]
    welcome = await telegram.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == DEFAULT_USER_ID, timeout=20
    )
    assert "DevBot" in welcome.params["text"]
    markup = welcome.params["reply_markup"]
    assert [b["text"] for row in markup["inline_keyboard"] for b in row] == [
        "🚀 Start a project", "❓ Ask a question", "🛠 Our services", "👤 Talk to a human",
    ]  # fmt: skip
    assert _button_data(welcome.params, 1) == MenuCallback(action=MenuAction.PROJECT).pack()

    message_id = welcome.result["message_id"]
    press = telegram.callback(_button_data(welcome.params, 1), message_id)
    if deliver is None:
        telegram.add_update(press)
    else:
        assert await deliver(press) == 200  # type: ignore[operator]
    screen = await telegram.wait_for("editMessageText", timeout=10)
    assert screen.params["message_id"] == message_id
    assert "Start a project" in screen.params["text"]
    await telegram.wait_for("answerCallbackQuery", timeout=10)


async def test_polling_answers_start_and_a_button(
    telegram: FakeTelegram, bot_process: BotProcess
) -> None:
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=30)
    await _start_and_menu(telegram)

    commands = {
        call.params.get("language_code", "") for call in telegram.calls_of("setMyCommands")
    }
    assert commands == {"", "ru"}
    assert telegram.calls_of("deleteWebhook")

    async with aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{bot_process.http_port}"
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{base}/readyz") as response:
            body = await response.json()
            assert response.status == 200, body
            assert body == {"status": "ok", "database": "ok", "redis": "ok"}
        async with http.get(f"{base}/metrics") as response:
            metrics = await response.text()
            assert 'devbot_updates_total{type="message"} 1.0' in metrics
            assert 'devbot_updates_total{type="callback_query"} 1.0' in metrics
            assert "devbot_handler_seconds_bucket" in metrics
            # the pools, the dependencies' latency (this /readyz) and the queue's age
            assert 'devbot_pool_size{pool="database"} 20.0' in metrics  # kept open, no overflow
            assert 'devbot_pool_size{pool="redis"} 32.0' in metrics
            assert 'devbot_pool_in_use{pool="redis"}' in metrics
            assert 'devbot_dependency_seconds_count{dependency="database"} 1.0' in metrics
            assert "devbot_oldest_update_seconds 0.0" in metrics

    assert await bot_process.stop() == 0
    lines = [json.loads(line) for line in bot_process.log().splitlines() if line.startswith("{")]
    assert lines, bot_process.log()
    assert any(line["update_id"] not in (None, "-") for line in lines)
    assert "Traceback" not in bot_process.log()


async def test_flood_control_is_waited_out_not_dropped(
    telegram: FakeTelegram, bot_process: BotProcess
) -> None:
    telegram.fail_next("sendMessage", status=429, retry_after=1)
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=START_TIMEOUT)  # started, then timed
    telegram.add_update(telegram.user_message("/start"))
    delivered = await telegram.wait_for("sendMessage", lambda c: c.status == 200, timeout=20)
    refused = telegram.calls_of("sendMessage")[0]
    assert refused.failed_with == 429
    assert delivered.timestamp - refused.timestamp >= 1.0
    assert await bot_process.stop() == 0


async def test_sigterm_lets_an_update_in_flight_finish(
    telegram: FakeTelegram, bot_process: BotProcess
) -> None:
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=30)
    telegram.hang_next("sendMessage", 2.0)
    telegram.add_update(telegram.user_message("/start"))
    await telegram.wait_for("sendMessage", timeout=20)
    assert await bot_process.stop(signal.SIGTERM) == 0
    (reply,) = telegram.calls_of("sendMessage")
    assert reply.status == 200  # answered after the signal, before the exit
    assert "Traceback" not in bot_process.log()


async def test_webhook_mode_checks_the_secret_and_answers(
    telegram: FakeTelegram, bot_process: BotProcess
) -> None:
    port = free_port()
    bot_process.env.update(
        WEBHOOK_URL=f"http://127.0.0.1:{port}",
        WEBHOOK_SECRET="e2e-secret_token",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    await bot_process.start("--webhook")
    set_webhook = await telegram.wait_for("setWebhook", timeout=30)
    assert set_webhook.params["url"] == f"http://127.0.0.1:{port}/webhook/telegram"
    assert set_webhook.params["secret_token"] == "e2e-secret_token"
    await asyncio.sleep(0.2)  # the listener starts before setWebhook; be generous anyway

    assert await telegram.deliver_webhook(telegram.user_message("hi"), secret_token="wrong") == 401
    assert await telegram.deliver_webhook(telegram.user_message("hi"), secret_token=None) == 401
    assert not telegram.calls_of("sendMessage")

    await _start_and_menu(telegram, deliver=telegram.deliver_webhook)
    assert not telegram.calls_of("getUpdates")
    async with aiohttp.ClientSession() as http:
        for path in ("/metrics", "/readyz", "/healthz"):  # the operators' port only
            async with http.get(f"http://127.0.0.1:{port}{path}") as public:
                assert public.status in (404, 405), path
            async with http.get(f"http://127.0.0.1:{bot_process.http_port}{path}") as private:
                assert private.status == 200, path
    assert await bot_process.stop() == 0


async def test_run_without_token_names_the_variable() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "DEVBOT_ENV_FILE": ""},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "BOT_TOKEN" in lines[0], err.decode()
    assert out == b""


async def test_a_token_telegram_refuses_stops_start_up_with_one_line(
    telegram: FakeTelegram, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = bot_env(telegram, postgres_url, redis_url, BOT_TOKEN="123456789:" + "A" * 35)
    process = BotProcess(env, tmp_path / "bot.log", int(env["HTTP_PORT"]))
    await process.start()
    assert process.process is not None
    assert await asyncio.wait_for(process.process.wait(), 60) == 1
    log = process.log()
    assert "start-up failed: BOT_TOKEN: Telegram refused it (Unauthorized)" in log
    assert "Traceback" not in log, log


PROFILE_CALLS = ("setMyName", "setMyShortDescription", "setMyDescription")


async def test_the_bot_profile_is_set_from_the_locales_once(
    telegram: FakeTelegram, bot_process: BotProcess
) -> None:
    """Name, short description and description in English (the default, for every language
    the bot does not speak) and Russian; a second start finds them set and sets nothing."""
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=START_TIMEOUT)
    assert telegram.profile[("name", "")] == "DevBot · dev2production.tech"
    assert telegram.profile[("short_description", "")].startswith(
        "The assistant of dev2production.tech"
    )
    assert telegram.profile[("description", "ru")].startswith("Я DevBot, ассистент")
    assert telegram.profile[("short_description", "ru")].startswith("Ассистент dev2production")
    # The Russian name is the English one: Telegram shows the default, nothing to set.
    assert ("name", "ru") not in telegram.profile
    made = sorted(c.method for c in telegram.calls if c.method in PROFILE_CALLS)
    default = ["setMyName", "setMyShortDescription", "setMyDescription"]
    assert made == sorted([*default, "setMyShortDescription", "setMyDescription"])
    assert await bot_process.stop() == 0

    before = len(telegram.calls)
    await bot_process.start()
    await telegram.wait_for(
        "getUpdates", lambda call: telegram.calls.index(call) >= before, timeout=START_TIMEOUT
    )
    again = [call.method for call in telegram.calls[before:]]
    assert "getMyDescription" in again
    assert not [method for method in again if method in PROFILE_CALLS], again
    assert await bot_process.stop() == 0

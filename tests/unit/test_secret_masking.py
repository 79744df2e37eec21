"""Issue 17, finding 1: no secret inside a URL in `check-config`, no bot token in a log line,
wherever it stands (a Bot API URL, a file URL, a traceback, a standard-logging record)."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from loguru import logger

from bot.__main__ import main
from bot.config import variable_names
from bot.logging import setup_logging

# Real tokens: up to 10 digits, a colon, 35 characters of A-Z a-z 0-9 _ and -; the second has
# no digit after the colon, the third is the shape of the fake Bot API server's token.
# Shaped like bot tokens (digits, a colon, 35 of [A-Za-z0-9_-]), made up at run time: no
# literal in the repository looks like a real one.
TOKEN = "1" * 10 + ":" + "fake-" * 7
TOKENS = (TOKEN, "2" * 10 + ":" + "Fake_" * 7, "123456:TEST-tok_for-the-fake")
SECRET_PART = TOKEN.split(":")[1]


def leaks(token: str, text: str) -> bool:
    """Any 6 characters in a row of the token's secret part are in `text`."""
    secret = token.split(":")[1]
    return any(secret[i : i + 6] in text for i in range(len(secret) - 5))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in variable_names():
        monkeypatch.delenv(name, raising=False)


def test_check_config_masks_the_password_of_every_url_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("REDIS_URL", "redis://:r3dis-pw@redis:6379/0")
    monkeypatch.setenv("DATABASE_URL", "postgresql://devbot:pg@pw/x@db:5432/devbot")
    monkeypatch.setenv("TELEGRAM_API_URL", f"https://proxy:api-pw@bot-api.test/bot{TOKEN}")
    monkeypatch.setenv("LONGCAT_BASE_URL", "https://lc:lc-pw@llm.test/v1?api_key=lc-key")
    monkeypatch.setenv("WEBHOOK_URL", "https://hook:hook-pw@bot.test")
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    for secret in ("r3dis-pw", "pg@pw", "pw/x", "api-pw", "lc-pw", "lc-key", "hook-pw"):
        assert secret not in out
    assert SECRET_PART not in out
    shown = json.loads(out)
    assert shown["REDIS_URL"] == "redis://:***@redis:6379/0"
    assert shown["DATABASE_URL"] == "postgresql+asyncpg://devbot:***@db:5432/devbot"
    assert shown["TELEGRAM_API_URL"] == "https://proxy:***@bot-api.test/bot***"
    assert shown["LONGCAT_BASE_URL"] == "https://lc:***@llm.test/v1?api_key=***"
    # What is no secret stays readable.
    assert shown["LONGCAT_MODEL"] == "LongCat-2.0"
    assert shown["WEBHOOK_PATH"] == "/webhook/telegram"


@pytest.mark.parametrize("fmt", ["json", "pretty"])
@pytest.mark.parametrize("token", TOKENS)
def test_no_bot_token_reaches_a_log_line(fmt: str, token: str) -> None:
    stream = io.StringIO()
    setup_logging("DEBUG", fmt, stream=stream)
    try:
        logger.info("GET http://127.0.0.1:8081/bot{}/getUpdates?offset=1", token)
        logger.bind(url=f"http://127.0.0.1:8081/file/bot{token}/documents/a.pdf").info("got")
        logging.getLogger("aiohttp.client").warning(
            "request to %s failed", f"http://127.0.0.1:8081/bot{token}/sendMessage"
        )
        logger.info("token {} in a sentence, encoded {}", token, token.replace(":", "%3A"))
        try:
            raise ConnectionError(f"cannot reach /bot{token}/getMe")
        except ConnectionError:
            logger.exception("start-up failed")
    finally:
        setup_logging("WARNING", "pretty")
    text = stream.getvalue()
    assert not leaks(token, text)
    assert text.count("[SECRET]") >= 5  # the pretty format shows no extras
    assert "getUpdates" in text and "sendMessage" in text and "ConnectionError" in text
    if fmt == "json":
        assert all(json.loads(line) for line in text.splitlines())

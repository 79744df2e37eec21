"""Files and GDPR end to end: the bot as its own process downloads a user's file from the fake
Bot API, stores it, and sends the user their data as a JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BotProcess, bot_env
from tests.fakes.telegram_server import DEFAULT_USER_ID, FakeTelegram
from tests.fakes.uploads import EXE, PDF, stored_files

pytestmark = pytest.mark.e2e


def _document_message(
    telegram: FakeTelegram, file_id: str, name: str, caption: str, content: bytes
) -> dict[str, Any]:
    """A user's message with a document, its bytes downloadable from the fake."""
    telegram.add_file(file_id, content)
    update = telegram.user_message("placeholder")
    message = update["message"]
    del message["text"]
    message["caption"] = caption
    message["document"] = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": name,
        "file_size": len(content),
    }
    return update


async def test_a_file_is_stored_and_mydata_lists_it(
    telegram: FakeTelegram, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    files_dir = tmp_path / "files"
    env = bot_env(telegram, postgres_url, redis_url, FILES_DIR=str(files_dir))
    bot = BotProcess(env, tmp_path / "bot.log", int(env["HTTP_PORT"]))
    await bot.start()
    try:
        await telegram.wait_for("getUpdates", timeout=30)
        telegram.add_update(_document_message(telegram, "doc-1", "brief.pdf", "our brief", PDF))
        received = await telegram.wait_for("sendMessage", timeout=20)
        assert "Received" in received.params["text"], received.params
        assert len(stored_files(files_dir / str(DEFAULT_USER_ID))) == 1

        since = len(telegram.calls)
        telegram.add_update(_document_message(telegram, "doc-2", "cv.pdf.exe", "run me", EXE))
        refused = await telegram.wait_for("sendMessage", timeout=20, since=since)
        assert "Not accepted" in refused.params["text"]

        telegram.push_message("/mydata")
        sent = await telegram.wait_for("sendDocument", timeout=20)
        (upload,) = sent.files.values()
        document = json.loads(upload.content)
        assert document["user_id"] == DEFAULT_USER_ID
        assert [a["file_name"] for a in document["data"]["attachments"]] == ["brief.pdf"]
        assert "our brief" in [m["text"] for m in document["data"]["messages"]]
    finally:
        assert await bot.stop() == 0
    assert "Traceback" not in bot.log()
    assert "our brief" not in bot.log()  # no message text in the logs

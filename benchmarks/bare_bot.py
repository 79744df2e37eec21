"""The baseline of the load benchmark: a bare aiogram echo bot, polling or webhook, with the
same Bot API client settings as DevBot and nothing else (no database, no Redis, no middleware).

    python -m benchmarks.bare_bot polling|webhook   (BOT_TOKEN, TELEGRAM_API_URL; webhook:
    WEBHOOK_URL, WEBHOOK_PORT, WEBHOOK_SECRET)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

PATH = "/webhook/telegram"


async def echo(message: Message) -> None:
    await message.answer(message.text or "?")


async def main(mode: str) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dp = Dispatcher()
    dp.message.register(echo)
    if mode == "polling":
        await bot.delete_webhook()
        await dp.start_polling(bot, handle_signals=True)
        return
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token=os.environ["WEBHOOK_SECRET"]).register(app, PATH)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(os.environ["WEBHOOK_PORT"])).start()
    await bot.set_webhook(
        os.environ["WEBHOOK_URL"] + PATH, secret_token=os.environ["WEBHOOK_SECRET"]
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()
    await session.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

"""Running the bot: long polling (the default) or webhook, with the HTTP server beside it, and a
clean stop on SIGTERM/SIGINT (in-flight updates get DRAIN_TIMEOUT to finish)."""

from __future__ import annotations

import asyncio
import gc
import signal
from contextlib import suppress

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiohttp import web
from loguru import logger

from bot.app import Resources, StartupError, dispatcher_for, ledger_for, open_resources
from bot.config import Settings
from bot.kernel.kv import RedisLedger
from bot.scheduler import JobContext, create_scheduler, remove_legacy_store
from bot.telegram.client import create_bot
from bot.web import add_webhook, create_web_app, public_app

BACKLOG_PER_SLOT = 16
JOB_LEASES = "devbot:job-lease:"
# Allocations between two sweeps of the collector's young generation (see `run`).
GC_YOUNG_THRESHOLD = 20_000


async def _start_http(app: web.Application, host: str, port: int) -> web.AppRunner:
    # The drain has waited for the updates by the time the server shuts down: what is still
    # running then is cancelled at once (the webhook leaves it unanswered, to be delivered again).
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("HTTP listening on {}:{}", host, port)
    return runner


async def run(settings: Settings, *, webhook: bool = False) -> None:
    token = settings.require_token()
    webhook_target = settings.require_webhook() if webhook else None
    resources = await open_resources(settings)
    bot = create_bot(settings, token=token.get_secret_value())
    scheduler = None
    try:
        # The token first: nothing (no job) runs on one that Telegram refuses.
        try:
            me = await bot.get_me()
        except TelegramUnauthorizedError:
            raise StartupError(
                "BOT_TOKEN: Telegram refused it (Unauthorized): revoked, or mistyped"
            ) from None
        # May stop start-up on a bad lead setting.
        # Webhook replicas share the chat lock and the ledger in Redis. A poller is alone
        # (Telegram refuses a second one), so its chat lock stays in the process: two Redis
        # round trips less per update.
        dp = dispatcher_for(
            resources,
            ledger=ledger_for(resources) if webhook else None,
            shared_chat_lock=webhook,
        )
        # The jobs share the dispatcher's objects (the same Desk, with its locks).
        scheduler = create_scheduler(
            JobContext(
                bot,
                settings,
                resources.sessionmaker,
                resources.i18n,
                dp["desk"],
                RedisLedger(resources.redis, prefix=JOB_LEASES) if resources.redis else None,
            )
        )
        if resources.redis is not None:
            await remove_legacy_store(resources.redis)
        scheduler.start()
        logger.info("started as @{} (id {})", me.username, me.id)
        # What start-up built (the knowledge base, the detector, the routers) lives as long as
        # the process: keep it out of the collector's sweeps, which otherwise grow with it.
        gc.collect()
        gc.freeze()
        # Every update makes and drops thousands of short-lived objects (models, rows, frames)
        # that reference counting frees; a young-generation sweep every 700 allocations (the
        # default) costs about 5% of the CPU under load for garbage it rarely finds.
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
        if webhook_target is None:
            await _run_polling(resources, dp, bot)
        else:
            await _run_webhook(resources, dp, bot, *webhook_target)
    finally:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        await bot.session.close()
        await resources.close()
        logger.info("stopped")


async def _run_polling(resources: Resources, dp: Dispatcher, bot: Bot) -> None:
    http = resources.settings.http
    runner = await _start_http(create_web_app(resources), http.host, http.port)
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        # aiogram handles SIGTERM/SIGINT: polling stops, shutdown hooks drain in-flight updates.
        # Updates taken from Telegram but not yet handled are bounded too: past this many the
        # bot stops fetching and they wait at Telegram (UPDATES_IN_FLIGHT run at once).
        backlog = resources.settings.telegram.updates_in_flight * BACKLOG_PER_SLOT
        await dp.start_polling(
            bot, handle_signals=True, close_bot_session=False, tasks_concurrency_limit=backlog
        )
    finally:
        await runner.cleanup()


async def _run_webhook(
    resources: Resources, dp: Dispatcher, bot: Bot, url: str, secret: object
) -> None:
    settings = resources.settings
    health = create_web_app(resources)
    public = (settings.webhook.host, settings.webhook.port)
    one_port = public == (settings.http.host, settings.http.port)
    # The webhook's port serves the webhook alone, unless both are configured on one port.
    app = health if one_port else public_app()
    webhook = add_webhook(app, resources, dp, bot)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    workflow = {**dp.workflow_data, "dispatcher": dp, "bots": [bot]}
    await dp.emit_startup(bot=bot, **workflow)
    runners = [await _start_http(app, *public)]
    if not one_port:
        runners.append(await _start_http(health, settings.http.host, settings.http.port))
    try:
        await bot.set_webhook(
            url,
            secret_token=settings.webhook.secret.get_secret_value()
            if settings.webhook.secret
            else None,
            allowed_updates=dp.resolve_used_update_types(),
        )
        logger.info("webhook set; waiting for updates")
        await stop.wait()
        logger.info("stop signal received")
    finally:
        # New deliveries get 503 (Telegram delivers them again); what is running finishes in
        # the shutdown hook's drain, and the server cancels what is left.
        webhook.stopping = True
        await dp.emit_shutdown(bot=bot, **workflow)
        for runner in runners:
            await runner.cleanup()

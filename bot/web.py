"""The HTTP side: /healthz, /readyz, /metrics and, in webhook mode, the webhook route."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.app import Resources

RESOURCES: web.AppKey[Resources] = web.AppKey("resources", Resources)
READY_TIMEOUT = 3.0


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    resources = request.app[RESOURCES]
    checks = {"database": resources.check_database(), "redis": resources.check_redis()}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check, READY_TIMEOUT)
            results[name] = "ok" if name != "redis" or resources.redis else "memory"
        except Exception as exc:
            logger.warning("readiness: {} failed: {}", name, type(exc).__name__)
            results[name] = "unavailable"
    status = 200 if "unavailable" not in results.values() else 503
    return web.json_response(
        {"status": "ok" if status == 200 else "unavailable", **results}, status=status
    )


async def metrics(_request: web.Request) -> web.Response:
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_web_app(
    resources: Resources, *, dp: Dispatcher | None = None, bot: Bot | None = None
) -> web.Application:
    """Health and metrics always; the webhook route too when `dp` and `bot` are given."""
    app = web.Application()
    app[RESOURCES] = resources
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    if dp is not None and bot is not None:
        url_secret = resources.settings.webhook.secret
        handler = SimpleRequestHandler(
            dispatcher=dp,
            bot=bot,
            handle_in_background=True,
            secret_token=url_secret.get_secret_value() if url_secret else None,
        )
        handler.register(app, path=resources.settings.webhook.path)
    return app

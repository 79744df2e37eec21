"""The HTTP side: /healthz, /readyz and /metrics on the operators' port, with the admins'
dashboard under /dashboard/ when DASHBOARD_URL is set (a reverse proxy publishes that path
alone), and, in webhook mode, the webhook route alone on the public one.

The webhook answers Telegram only once the update is handled (or given up after its error
handling): a 2xx tells Telegram to forget the update, so an update is never acknowledged and
then lost. A replica that stops answers 503 to new deliveries and cancels what is left after
the drain (the connection closes unanswered); Telegram delivers both again, to another replica
or after the restart, and the shared ledger lets each be handled once.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiohttp import web
from aiohttp.typedefs import Handler
from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from bot.app import Resources
from bot.dashboard import core as dashboard_core
from bot.dashboard.app import build as build_dashboard
from bot.dashboard.app import mount as mount_dashboard
from bot.kernel.kv import Cache, Ledger, MemoryCache, MemoryLedger, RedisCache, RedisLedger
from bot.kernel.metrics import DEPENDENCY_SECONDS, DEPENDENCY_UP, WEBHOOK_REQUESTS
from bot.telegram.delivery import StillHandling

RESOURCES: web.AppKey[Resources] = web.AppKey("resources", Resources)
READY_TIMEOUT = 3.0


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _timed(name: str, probe: Awaitable[None]) -> None:
    started = time.perf_counter()
    try:
        await probe
    finally:
        DEPENDENCY_SECONDS.labels(name).observe(time.perf_counter() - started)


async def readyz(request: web.Request) -> web.Response:
    """Both dependencies checked at once, each within READY_TIMEOUT (a hung one fails fast)."""
    resources = request.app[RESOURCES]
    checks = {"database": resources.check_database(), "redis": resources.check_redis()}
    outcomes = await asyncio.gather(
        *(_timed(name, asyncio.wait_for(check, READY_TIMEOUT)) for name, check in checks.items()),
        return_exceptions=True,
    )
    results: dict[str, str] = {}
    for name, outcome in zip(checks, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            logger.warning("readiness: {} failed: {}", name, type(outcome).__name__)
            results[name] = "unavailable"
        else:
            results[name] = "ok" if name != "redis" or resources.redis else "memory"
        DEPENDENCY_UP.labels(name).set(0 if results[name] == "unavailable" else 1)
    status = 200 if "unavailable" not in results.values() else 503
    return web.json_response(
        {"status": "ok" if status == 200 else "unavailable", **results}, status=status
    )


async def metrics(_request: web.Request) -> web.Response:
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kilobytes (a long message with its entities, a poll); anything bigger is
# refused before it is read (413).
MAX_UPDATE_BYTES = 256 * 1024
# Every answer, on either port, but the dashboard's: nothing else is a page, a frame or a script.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def headers_for(path: str, dashboard: dashboard_core.Dashboard | None = None) -> dict[str, str]:
    """The dashboard's pages have their own policy (their stylesheet and script, and HSTS
    behind https); the rest keeps the strict one."""
    prefix = dashboard_core.PREFIX
    if path == prefix or path.startswith(prefix + "/"):
        return dashboard.headers if dashboard is not None else dashboard_core.HEADERS
    return SECURITY_HEADERS


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    headers = headers_for(request.path, request.config_dict.get(dashboard_core.DASHBOARD))
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # 404, 405, 413: answered with the headers as well
        exc.headers.update(headers)
        raise
    response.headers.update(headers)
    return response


def public_app() -> web.Application:
    """The public port's application: security headers, and no body bigger than an update."""
    return web.Application(middlewares=[security_headers], client_max_size=MAX_UPDATE_BYTES)


# Telegram tries a failed delivery again; while another delivery is being handled, soon.
RETRY_AFTER_SECONDS = "5"


class WebhookHandler:
    """The webhook route (see the module docstring)."""

    def __init__(self, dp: Dispatcher, bot: Bot, secret: str | None) -> None:
        self.dp = dp
        self.bot = bot
        self._secret = secret.encode() if secret else None
        self.stopping = False

    def _authorised(self, request: web.Request) -> bool:
        if self._secret is None:
            return True
        # Compared as bytes: a header with characters outside ASCII is simply wrong.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        status = 500
        try:
            response = await self._handle(request)
            status = response.status
            return response
        except web.HTTPException as exc:  # 413: a body over MAX_UPDATE_BYTES
            status = exc.status
            raise
        finally:
            WEBHOOK_REQUESTS.labels(str(status)).inc()

    async def _handle(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401, text="Unauthorized")
        if self.stopping:
            return _try_again("stopping")
        try:
            update = Update.model_validate_json(await request.read(), context={"bot": self.bot})
        except ValidationError as exc:
            logger.warning("webhook: a request that is not an update was refused ({} errors)",
                           exc.error_count())  # fmt: skip
            return web.Response(status=400, text="Bad Request")
        try:
            result = await self.dp.feed_update(self.bot, update)
        except StillHandling:
            return _try_again("being handled")
        except Exception as exc:
            # Given up after its error handling: a redelivery would fail the same way.
            logger.opt(exception=exc).error(
                "update {} ({}) failed: {}", update.update_id, update.event_type,
                type(exc).__name__,
            )  # fmt: skip
            return web.json_response({})
        if isinstance(result, TelegramMethod):
            await self.dp.silent_call_request(bot=self.bot, result=result)
        return web.json_response({})


def _try_again(reason: str) -> web.Response:
    return web.Response(status=503, text=reason, headers={"Retry-After": RETRY_AFTER_SECONDS})


def create_web_app(resources: Resources) -> web.Application:
    """Health and metrics: the operators' port (HTTP_PORT), not for the public."""
    app = public_app()
    app[RESOURCES] = resources
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    add_dashboard(app, resources)
    return app


def add_dashboard(app: web.Application, resources: Resources) -> None:
    """/dashboard/ on `app` when DASHBOARD_URL is set; its sessions and used links in Redis
    (shared by the replicas) or, in the embedded default, in memory."""
    cache: Cache
    used: Ledger
    if resources.redis is not None:
        cache, used = RedisCache(resources.redis), RedisLedger(resources.redis, prefix="devbot:")
    else:
        cache, used = MemoryCache(), MemoryLedger()
    dashboard = build_dashboard(
        resources.settings, resources.sessionmaker, resources.i18n, cache, used
    )
    if dashboard is not None:
        mount_dashboard(app, dashboard)
        logger.info("dashboard at {}{}/", resources.settings.dashboard.url, dashboard_core.PREFIX)


def add_webhook(
    app: web.Application, resources: Resources, dp: Dispatcher, bot: Bot
) -> WebhookHandler:
    """The webhook route on `app`; the public port (WEBHOOK_PORT) serves nothing else."""
    secret = resources.settings.webhook.secret
    webhook = WebhookHandler(dp, bot, secret.get_secret_value() if secret else None)
    app.router.add_post(resources.settings.webhook.path, webhook.handle)
    return webhook

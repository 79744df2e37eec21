"""The webhook route (bot/web.py): Telegram hears 200 only for an update that was handled, 503
for one it must deliver again (being handled since an earlier delivery, or the replica is
stopping), and 401/400 for requests that are not Telegram's, never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from bot.kernel.kv import MemoryLedger
from bot.web import MAX_UPDATE_BYTES, SECRET_HEADER, WebhookHandler, public_app
from handlers import get_routers
from tests.dispatcher.harness import Harness

SECRET = "s3cret-token"
PATH = "/webhook/telegram"


class Webhook:
    def __init__(self, harness: Harness, client: TestClient, handler: WebhookHandler) -> None:
        self.harness = harness
        self.client = client
        self.handler = handler

    async def post(self, body: str, secret: str | None = SECRET) -> web.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        return await self.client.post(PATH, data=body.encode(), headers=headers)  # type: ignore[return-value]

    async def deliver(self, user_id: int, text: str, update_id: int) -> web.Response:
        update = self.harness.session.make_message_update(text, user_id=user_id)
        raw = update.model_copy(update={"update_id": update_id}).model_dump_json(
            exclude_unset=True
        )
        return await self.post(raw)


async def _webhook(harness: Harness) -> AsyncIterator[Webhook]:
    handler = WebhookHandler(harness.dp, harness.bot, SECRET)
    app = public_app()  # as the public port serves it
    app.router.add_post(PATH, handler.handle)
    async with TestClient(TestServer(app)) as client:
        yield Webhook(harness, client, handler)


@pytest.fixture
async def webhook(harness: Harness) -> AsyncIterator[Webhook]:
    harness.rebuild(ledger=MemoryLedger())
    async for hook in _webhook(harness):
        yield hook


async def test_a_handled_update_gets_200_and_is_answered(webhook: Webhook) -> None:
    response = await webhook.deliver(501, "/start", update_id=1)
    assert response.status == 200
    assert len(webhook.harness.session.sent_texts(501)) == 1


async def test_requests_that_are_not_telegrams_are_refused_cleanly(webhook: Webhook) -> None:
    update = webhook.harness.session.make_message_update("/start", user_id=502)
    raw = update.model_dump_json(exclude_unset=True)
    assert (await webhook.post(raw, secret="wrong")).status == 401
    assert (await webhook.post(raw, secret=None)).status == 401
    assert (await webhook.post(raw, secret="sécret-tökén")).status == 401  # not a 500
    assert (await webhook.post("{not json")).status == 400
    assert (await webhook.post('{"message": {}}')).status == 400  # no update_id
    assert (await webhook.post("[]")).status == 400
    assert webhook.harness.session.sent_texts(502) == []


async def test_every_answer_carries_the_security_headers_and_bodies_are_bounded(
    webhook: Webhook,
) -> None:
    update = webhook.harness.session.make_message_update("/start", user_id=503)
    raw = update.model_dump_json(exclude_unset=True)
    answers = [
        await webhook.post(raw),
        await webhook.post(raw, secret="wrong"),
        await webhook.post("{not json"),
        await webhook.client.get(PATH),  # type: ignore[list-item]
        await webhook.client.post("/elsewhere", data=b"{}"),  # type: ignore[list-item]
        await webhook.post('{"update_id": 9, "x": "' + "a" * MAX_UPDATE_BYTES + '"}'),
    ]
    assert [a.status for a in answers] == [200, 401, 400, 405, 404, 413]
    for answer in answers:
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert len(webhook.harness.session.sent_texts(503)) == 1  # the big body was never handled


async def test_webhook_requests_are_counted_by_status(webhook: Webhook) -> None:
    def counted(status: str) -> float:
        value = REGISTRY.get_sample_value("devbot_webhook_requests_total", {"status": status})
        return value or 0.0

    before = {status: counted(status) for status in ("200", "401", "400", "413")}
    update = webhook.harness.session.make_message_update("/start", user_id=504)
    raw = update.model_dump_json(exclude_unset=True)
    await webhook.post(raw)
    await webhook.post(raw, secret="wrong")
    await webhook.post("{not json")
    await webhook.post('{"update_id": 9, "x": "' + "a" * MAX_UPDATE_BYTES + '"}')
    assert {s: counted(s) - before[s] for s in before} == {"200": 1, "401": 1, "400": 1, "413": 1}


async def test_a_delivery_while_the_first_is_handled_gets_503_then_200_once(
    harness: Harness,
) -> None:
    release, entered = asyncio.Event(), asyncio.Event()
    slow = Router(name="slow")

    @slow.message(F.text == "/start")
    async def hold(message: Message) -> None:
        entered.set()
        await release.wait()
        raise SkipHandler  # on to the bot's own /start

    harness.rebuild(ledger=MemoryLedger(), routers=[slow, *get_routers()])
    async for hook in _webhook(harness):
        first = asyncio.create_task(hook.deliver(503, "/start", update_id=7))
        await asyncio.wait_for(entered.wait(), 10)
        again = await hook.deliver(503, "/start", update_id=7)  # Telegram: too slow, again
        assert again.status == 503 and again.headers["Retry-After"]
        release.set()
        assert (await first).status == 200
        later = await hook.deliver(503, "/start", update_id=7)
        assert later.status == 200
    assert len(harness.session.sent_texts(503)) == 1


async def test_a_stopping_replica_leaves_new_deliveries_to_telegram(webhook: Webhook) -> None:
    webhook.handler.stopping = True
    response = await webhook.deliver(504, "/start", update_id=9)
    assert response.status == 503
    assert webhook.harness.session.sent_texts(504) == []
    webhook.handler.stopping = False  # the delivery again, to a replica that runs
    assert (await webhook.deliver(504, "/start", update_id=9)).status == 200
    assert len(webhook.harness.session.sent_texts(504)) == 1

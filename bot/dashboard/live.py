"""Live updates: a server-sent event stream of new conversations and tickets, for the open
conversations and tickets pages (static/live.js puts each at the top of its table).

The stream polls the database every `poll_seconds`: every replica sees what any replica wrote,
with nothing more to run. It starts after the ids the page was rendered with (or the stream's
Last-Event-ID, when the browser reconnects), ends when the session does, and closes after
STREAM_SECONDS; the browser then opens a new one, which checks the session and role again.
"""

from __future__ import annotations

import asyncio
import json
import re

from aiohttp import web

from bot.dashboard.core import COOKIE, DASHBOARD, HEADERS, PREFIX, translator
from bot.dashboard.pages import now_of
from bot.dashboard.rows import Cell, conversation_cells, ticket_cells
from db.repositories.dashboard import DashboardRepository

STREAM_SECONDS = 300
KEEPALIVE_SECONDS = 15
RETRY_MS = 3000
_LAST_ID = re.compile(r"^(\d{1,18}):(\d{1,18})$")


def _start(request: web.Request) -> tuple[int, int] | None:
    """Where to start: Last-Event-ID ("conversation:ticket") or the page's ids."""
    last = _LAST_ID.match(request.headers.get("Last-Event-ID", ""))
    if last is not None:
        return int(last.group(1)), int(last.group(2))
    given = request.query.get("conversation", ""), request.query.get("ticket", "")
    if all(value.isdigit() and len(value) <= 18 for value in given):
        return int(given[0]), int(given[1])
    return None


def _event(kind: str, ids: tuple[int, int], cells: list[Cell]) -> bytes:
    data = json.dumps({"cells": [cell.as_json() for cell in cells]}, ensure_ascii=False)
    return f"event: {kind}\nid: {ids[0]}:{ids[1]}\ndata: {data}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    dashboard, t = request.app[DASHBOARD], translator(request)
    start = _start(request)
    if start is None:
        return web.json_response({"error": "conversation and ticket ids expected"}, status=400)
    conversation_id, ticket_id = start
    response = web.StreamResponse(headers={
        **HEADERS, "Content-Type": "text/event-stream; charset=utf-8",
        "X-Accel-Buffering": "no",  # a proxy must pass each event on at once
    })  # fmt: skip
    await response.prepare(request)
    await response.write(f"retry: {RETRY_MS}\n\n".encode())
    loop = asyncio.get_running_loop()
    ends, quiet_since = loop.time() + STREAM_SECONDS, loop.time()
    session_id = request.cookies.get(COOKIE)
    reply_within = dashboard.settings.desk.reply_within_minutes
    try:
        while loop.time() < ends:
            if await dashboard.sessions.get(session_id, touch=False) is None:
                await response.write(b"event: signed-out\ndata: {}\n\n")
                break
            async with dashboard.sessionmaker() as db:
                repo = DashboardRepository(db)
                new_conversations = await repo.conversations_after(conversation_id)
                new_tickets = await repo.tickets_after(ticket_id)
            now = now_of(dashboard)
            for row in new_conversations:
                conversation_id = row.conversation.id
                cells = conversation_cells(row, t, PREFIX)
                await response.write(_event("conversation", (conversation_id, ticket_id), cells))
            for ticket in new_tickets:
                ticket_id = ticket.ticket.id
                cells = ticket_cells(ticket, t, PREFIX, reply_within, now)
                await response.write(_event("ticket", (conversation_id, ticket_id), cells))
            if new_conversations or new_tickets:
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= KEEPALIVE_SECONDS:
                await response.write(b": keep-alive\n\n")
                quiet_since = loop.time()
            await asyncio.sleep(dashboard.poll_seconds)
    except (ConnectionResetError, ConnectionError):
        pass  # the page was closed
    return response

"""Live updates: a server-sent event stream of new conversations and tickets, for the open
conversations and tickets pages (static/live.js puts each at the top of its table).

The stream polls the database every `poll_seconds`: every replica sees what any replica wrote,
with nothing more to run. It starts after the ids the page was rendered with (or the stream's
Last-Event-ID, when the browser reconnects), checks the session and the admin role before
every poll and ends with them, and closes after STREAM_SECONDS (or when a poll fails); the
browser then opens a new one. A session has at most STREAMS_PER_SESSION streams open (each
tab polls): one more is refused with 429.
"""

from __future__ import annotations

import asyncio
import json
import re

from aiohttp import web
from loguru import logger

from bot.dashboard.core import COOKIE, DASHBOARD, PREFIX, translator
from bot.dashboard.pages import now_of
from bot.dashboard.rows import Cell, conversation_cells, ticket_cells
from db.repositories.dashboard import DashboardRepository

STREAM_SECONDS = 300
KEEPALIVE_SECONDS = 15
RETRY_MS = 3000
# A stream's slot (sessions.py) outlives the stream a little: its last poll and write.
LEASE_MARGIN = 60
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
    dashboard = request.app[DASHBOARD]
    start = _start(request)
    if start is None:
        return web.json_response({"error": "conversation and ticket ids expected"}, status=400)
    session_id = request.cookies.get(COOKIE, "")
    slot = await dashboard.sessions.take_stream(session_id, STREAM_SECONDS + LEASE_MARGIN)
    if slot is None:
        return web.json_response(
            {"error": "too many live streams"}, status=429,
            headers={"Retry-After": str(STREAM_SECONDS)},
        )  # fmt: skip
    try:
        return await _stream(request, session_id, start)
    finally:
        await _release(request, slot)


async def _release(request: web.Request, slot: str) -> None:
    """Give the stream's slot back. The answer is sent by now: a failure here must not reach
    the guard (it would answer again); the slot's lease frees it anyway."""
    try:
        await request.app[DASHBOARD].sessions.release_stream(slot)
    except Exception as exc:
        logger.opt(exception=exc).warning("dashboard: a live stream's slot was kept: {}",
                                          type(exc).__name__)  # fmt: skip


async def _stream(
    request: web.Request, session_id: str, start: tuple[int, int]
) -> web.StreamResponse:
    dashboard, t = request.app[DASHBOARD], translator(request)
    conversation_id, ticket_id = start
    response = web.StreamResponse(headers={
        **dashboard.headers, "Content-Type": "text/event-stream; charset=utf-8",
        "X-Accel-Buffering": "no",  # a proxy must pass each event on at once
    })  # fmt: skip
    await response.prepare(request)
    await response.write(f"retry: {RETRY_MS}\n\n".encode())
    loop = asyncio.get_running_loop()
    ends, quiet_since = loop.time() + STREAM_SECONDS, loop.time()
    reply_within = dashboard.settings.desk.reply_within_minutes
    try:
        while loop.time() < ends and not _closed(request):
            # Every poll, as every page: the session may have ended or the role been taken.
            if await dashboard.admin_session(session_id, touch=False) is None:
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
    except Exception as exc:
        if isinstance(exc, ConnectionError) and _closed(request):
            return response  # the page was closed
        # The answer is under way: no error page can follow it. The stream ends (its end is
        # sent cleanly) and the browser reconnects after RETRY_MS, from the last event's id.
        logger.opt(exception=exc).error("dashboard: the live stream failed: {}",
                                        type(exc).__name__)  # fmt: skip
    return response


def _closed(request: web.Request) -> bool:
    """The page went away: its slot is given back now, not at the next write."""
    transport = request.transport
    return transport is None or transport.is_closing()

"""`/admin dashboard` (private chat only): the admin gets a one-time sign-in link to the web
dashboard (bot/dashboard/links.py), in their language; a polite word when it is off."""

from __future__ import annotations

import html
import time

from aiogram.types import LinkPreviewOptions

from bot.dashboard.links import sign_in_url
from handlers.admin.command import AdminCall, Subcommand


async def dashboard(call: AdminCall) -> None:
    url = sign_in_url(call.settings, call.admin_id, call.t.language, time.time())
    if url is None:
        await call.answer(call.t("dashboard-admin-off"))
        return
    # No preview: Telegram would fetch the link; the page spends nothing on a GET, but the
    # link has no business outside this chat.
    await call.answer(
        call.t("dashboard-admin-link", url=html.escape(url)),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


SUBCOMMANDS = [Subcommand("dashboard", dashboard)]

"""`python -m bot demo`: the full bot in a terminal chat, on the embedded defaults.

The real dispatcher (every router and middleware) runs against a session that renders Bot API
calls in the terminal instead of sending them, so no token and no network are needed.
"""

from __future__ import annotations

from typing import TextIO

from bot.app import dispatcher_for, open_resources
from bot.config import Settings
from bot.demo.terminal import DEMO_USER_ID, TerminalSession, TerminalTexts, run_terminal_chat
from bot.kernel.i18n import Translator
from bot.telegram.client import create_bot

# A syntactically valid token that no Telegram bot has: the demo never goes online.
DEMO_TOKEN = "4242:offline-demo-token-never-sent-anywhere"
DEMO_AGENTS_CHAT = -1000000000042


def _template(t: Translator, key: str, *names: str) -> str:
    """A localized line with str.format placeholders for the terminal to fill in."""
    return t(key, **{name: "{" + name + "}" for name in names})


def terminal_texts(t: Translator) -> TerminalTexts:
    return TerminalTexts(
        header=_template(t, "demo-header", "name"),
        edited_header=_template(t, "demo-edited", "name"),
        other_chat_header=_template(t, "demo-other-chat", "name", "chat_id"),
        typing=_template(t, "demo-typing", "name"),
        chat_action=_template(t, "demo-action", "name", "action"),
        draft=_template(t, "demo-draft", "text"),
        document=_template(t, "demo-file", "file"),
        photo=t("demo-photo"),
        deleted=t("demo-deleted"),
    )


async def run_demo(settings: Settings, *, language: str, stdin: TextIO, stdout: TextIO) -> None:
    # The demo keeps FSM state in memory even when REDIS_URL is set: it is one person's chat.
    memory = settings.redis.model_copy(update={"url": None})
    telegram = settings.telegram
    if telegram.agent_chat_id is None:
        # Show the agents' side too: lead cards appear as messages to this group.
        telegram = telegram.model_copy(update={"agent_chat_id": DEMO_AGENTS_CHAT})
    settings = settings.model_copy(update={"redis": memory, "telegram": telegram})
    resources = await open_resources(settings)
    t = resources.i18n.get(language)
    session = TerminalSession(stdout, texts=terminal_texts(t), chat_id=DEMO_USER_ID)
    bot = create_bot(settings, session=session, token=DEMO_TOKEN)
    dp = dispatcher_for(resources)
    workflow = {**dp.workflow_data, "dispatcher": dp, "bots": [bot]}
    try:
        await dp.emit_startup(bot=bot, **workflow)
        await run_terminal_chat(
            dp,
            bot,
            input_stream=stdin,
            output=stdout,
            intro=t("demo-intro"),
            language_code=language,
            first_name=t("demo-user-name"),
            unknown_button=_template(t, "demo-unknown-button", "n", "count").replace(
                "{n}", "{number}"
            ),
            no_buttons=t("demo-no-buttons"),
            failed_update=t("demo-failed"),
        )
        stdout.write(t("demo-bye") + "\n")
    finally:
        await dp.emit_shutdown(bot=bot, **workflow)
        await bot.session.close()
        await resources.close()

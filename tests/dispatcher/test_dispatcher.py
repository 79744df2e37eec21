"""The real dispatcher (routers, middlewares, error handler) driven with dp.feed_update."""

from __future__ import annotations

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, SetMyCommands
from aiogram.types import Message
from loguru import logger

from bot.telegram.menu import MenuAction, MenuCallback
from db.models import User
from handlers import get_routers
from tests.dispatcher.harness import Harness


async def test_start_welcomes_with_four_buttons_and_stores_the_user(harness: Harness) -> None:
    await harness.send("/start", first_name="Ann <admin>")
    (reply,) = harness.session.calls(SendMessage)
    assert "DevBot" in reply.text
    assert "Ann &lt;admin&gt;" in reply.text  # names are escaped in HTML
    labels = [text for row in harness.session.last_keyboard() for text, _ in row]
    assert labels == [
        "🚀 Start a project",
        "❓ Ask a question",
        "🛠 Our services",
        "👤 Talk to a human",
    ]
    async with harness.sessionmaker() as session:
        user = await session.get(User, 1001)
    assert user is not None
    assert user.first_name == "Ann <admin>"
    assert user.language == "en"


async def test_start_in_russian(harness: Harness) -> None:
    await harness.send("/start", language_code="ru")
    assert "Здравствуйте" in harness.session.sent_texts()[0]
    assert harness.session.last_keyboard()[0][0][0] == "🚀 Начать проект"


async def test_deep_link_source_is_recorded_once(harness: Harness) -> None:
    await harness.send("/start ads_spring")
    await harness.send("/start other")
    async with harness.sessionmaker() as session:
        user = await session.get(User, 1001)
    assert user is not None
    assert user.source == "ads_spring"


@pytest.mark.parametrize(
    ("action", "marker"),
    [
        (MenuAction.PROJECT, "Start a project"),
        (MenuAction.QUESTION, "Ask me anything"),
        (MenuAction.SERVICES, "services"),
    ],
)
async def test_each_menu_button_opens_its_screen(
    harness: Harness, action: MenuAction, marker: str
) -> None:
    await harness.send("/start")
    menu_id = harness.session.latest_message(with_keyboard=True).message_id
    await harness.press(MenuCallback(action=action).pack(), menu_id)
    edit = harness.session.calls(EditMessageText)[-1]
    assert marker in edit.text
    assert harness.session.last_keyboard()
    assert harness.session.calls(AnswerCallbackQuery)
    # Back returns to the menu.
    await harness.press(MenuCallback(action=MenuAction.HOME).pack(), menu_id)
    assert len(harness.session.last_keyboard()) == 3


async def test_help_and_cancel(harness: Harness) -> None:
    await harness.send("/help")
    await harness.send("/cancel")
    texts = harness.session.sent_texts()
    assert "/cancel" in texts[0]
    assert "nothing to cancel" in texts[1]


async def test_cancel_clears_a_flow(harness: Harness) -> None:
    class Flow(StatesGroup):
        step = State()

    router = Router()

    @router.message(Command("begin"))
    async def begin(message: Message, state: FSMContext) -> None:
        await state.set_state(Flow.step)

    harness.rebuild(routers=[router, *get_routers()])
    await harness.send("/begin")
    await harness.send("/cancel")
    assert "Cancelled" in harness.session.sent_texts()[-1]
    await harness.send("/cancel")
    assert "nothing to cancel" in harness.session.sent_texts()[-1]


async def test_unknown_command_is_named_politely(harness: Harness) -> None:
    await harness.send("/frobnicate", language_code="ru")
    assert "не знаю такой команды" in harness.session.sent_texts()[0]


async def test_stale_button_is_answered_not_crashed(harness: Harness) -> None:
    await harness.send("/start")
    menu_id = harness.session.latest_message(with_keyboard=True).message_id
    await harness.press("intake:v0:gone", menu_id)
    (answer,) = harness.session.calls(AnswerCallbackQuery)
    assert "no longer active" in (answer.text or "")


async def test_a_failing_handler_is_logged_and_the_user_told_politely(
    harness: Harness,
) -> None:
    logged: list[str] = []
    sink = logger.add(lambda message: logged.append(message.record["message"]), level="ERROR")
    router = Router()

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError("kaput")

    harness.rebuild(routers=[router, *get_routers()])
    await harness.send("/boom", language_code="ru")
    (apology,) = harness.session.sent_texts()
    assert "Извините" in apology
    assert "Traceback" not in apology and "kaput" not in apology
    logger.remove(sink)
    assert any("failed: RuntimeError" in line for line in logged)


async def test_startup_sets_commands_in_both_languages(harness: Harness) -> None:
    await harness.dp.emit_startup(bot=harness.bot, **harness.dp.workflow_data)
    calls = harness.session.calls(SetMyCommands)
    by_language = {call.language_code: [c.command for c in call.commands] for call in calls}
    expected = ["start", "services", "pricing", "contact", "ask", "language", "human", "bot"]
    expected += ["help", "cancel", "mydata", "forgetme"]
    assert by_language == {None: expected, "ru": expected}
    ru = next(call for call in calls if call.language_code == "ru")
    assert ru.commands[0].description == "Главное меню"


async def test_group_chats_get_no_user_commands(harness: Harness) -> None:
    for command in ("/start", "/help", "/cancel", "/language"):
        await harness.send(command, chat_id=-1001234567890)
    assert harness.session.sent_texts() == []


async def test_a_user_who_writes_again_is_no_longer_marked_blocked(harness: Harness) -> None:
    await harness.send("/start")
    async with harness.sessionmaker() as session:
        user = await session.get(User, 1001)
        assert user is not None
        user.is_blocked = True
        await session.commit()
    await harness.send("/help")
    async with harness.sessionmaker() as session:
        user = await session.get(User, 1001)
        assert user is not None and not user.is_blocked


def test_shutdown_drains_updates_before_it_closes_the_storage(harness: Harness) -> None:
    callbacks = [handler.callback for handler in harness.dp.shutdown.handlers]
    assert callbacks[0].__name__ == "_drain"  # updates in flight finish first...
    assert callbacks[-1] == harness.dp.fsm.close  # ...the FSM storage they use closes last


async def test_no_lock_is_kept_for_people_who_have_gone(harness: Harness) -> None:
    """Memory stays flat over many people: the dialog stacks' locks (aiogram-dialog's, taken
    through the bot's lock table) are dropped once nobody holds them."""
    isolation = harness.dp["dialog_isolation"]
    taken: list[object] = []
    lock = isolation.lock

    def counting(key: object) -> object:
        taken.append(key)
        return lock(key)

    isolation.lock = counting  # what aiogram-dialog calls, seen from here
    for person in range(50):
        await harness.send("How much does a Kubernetes setup cost?", user_id=610_000 + person)
    assert len(harness.to_user(610_049)) == 1
    assert len(taken) >= 50  # every person's stack was locked through it
    assert isolation.held() == 0

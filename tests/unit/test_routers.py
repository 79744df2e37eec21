"""The routers' layout: the feature routers behind the commands-only filter take commands
only, so that the filter in front of them hides nothing they would have handled."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command

from handlers import commands_only, is_command, private_chats
from tests.fakes.recording import RecordingSession


def commands_router() -> Router:
    (found,) = [r for r in private_chats().sub_routers if r.name == "commands"]
    return found


def test_every_message_handler_behind_the_commands_filter_is_a_command() -> None:
    routers = commands_router().sub_routers
    assert {r.name for r in routers} >= {"handlers.start", "handlers.language"}
    for router in routers:
        for handler in router.message.handlers:
            filters = [f.callback for f in handler.filters or []]
            assert any(isinstance(f, Command) for f in filters), (router.name, handler.callback)


def test_a_command_in_a_text_or_a_caption_passes_and_a_question_does_not() -> None:
    session = RecordingSession()
    question = session.make_message_update("How much does a Kubernetes setup cost?").message
    command = session.make_message_update("/language").message
    assert question is not None and command is not None
    assert is_command(command) and not is_command(question)
    assert is_command(command.model_copy(update={"text": None, "caption": "/start ref"}))
    assert not is_command(command.model_copy(update={"text": None}))


def test_the_commands_filter_keeps_its_routers_buttons() -> None:
    router = commands_only(Router(name="inner"))
    assert [f.callback for f in router.message._handler.filters or []] == [is_command]
    assert not router.callback_query._handler.filters

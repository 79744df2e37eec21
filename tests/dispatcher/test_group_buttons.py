"""The people's buttons (the menu, languages, the intake) do nothing in the agents' group: a
member pressing one under a ticket card neither replaces the card nor starts an intake there;
the button is answered as stale."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage

from bot.intake.jobs import ResumeIntakeCallback
from bot.telegram.menu import MenuAction, MenuCallback
from handlers.language import LanguageCallback
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ALICE, GROUP

PEOPLES_BUTTONS = [
    MenuCallback(action=MenuAction.HOME).pack(),
    MenuCallback(action=MenuAction.PROJECT).pack(),
    MenuCallback(action=MenuAction.SERVICES).pack(),
    LanguageCallback(code="ru").pack(),
    ResumeIntakeCallback().pack(),
]


@pytest.mark.parametrize("data", PEOPLES_BUTTONS)
async def test_a_persons_button_pressed_in_the_agents_group_changes_nothing(
    desk: Harness, data: str
) -> None:
    await desk.send("/human")
    posted = desk.session.latest_message(GROUP)
    assert posted is not None
    desk.session.clear()
    await desk.press(data, message_id=posted.message_id, who=ALICE)
    edits = [c for c in desk.session.calls(EditMessageText) if str(c.chat_id) == str(GROUP)]
    assert edits == []
    assert [c for c in desk.session.calls(SendMessage) if str(c.chat_id) == str(GROUP)] == []
    (answer,) = desk.session.calls(AnswerCallbackQuery)
    assert answer.text is not None and "no longer active" in answer.text
    kept = desk.session.message(GROUP, posted.message_id)
    assert kept is not None and kept.text == posted.text  # the card is what the desk posted
